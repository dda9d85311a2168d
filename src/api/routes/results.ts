/**
 * The stored results, by platform manifest digest: the CycloneDX SBOM and the layer report. Immutable for a digest
 * and analyzer version, so they carry a strong ETag and answer If-None-Match with 304. With `deps.resultBodies` (the
 * API's in-process LRU) a body is read from Redis once, then served from memory as prepared bytes — gzip'd when the
 * client accepts it.
 */
import { Hono, type Context } from 'hono';
import { acceptsGzip, bodyVariant, resultEtag, type StoredGzip } from '../../cache/result-body-cache.js';
import { DIGEST_PATTERN } from '../../registry/reference.js';
import { CYCLONEDX_MEDIA_TYPE } from '../../sbom/cyclonedx.js';
import { ANALYZER_VERSION } from '../../version.js';
import type { ApiDeps } from '../deps.js';
import { problem } from '../problem.js';

export function resultRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const serve = async (c: Context, what: 'sbom' | 'layers') => {
    const digest = c.req.param('digest') ?? '';
    if (!DIGEST_PATTERN.test(digest)) return problem(c, 400, 'INVALID_DIGEST', `${JSON.stringify(digest)} is not a sha256 digest`);
    const ifNoneMatch = c.req.header('if-none-match');
    if (ifNoneMatch !== undefined) {
      const etag = resultEtag(ANALYZER_VERSION, what, digest);
      if (ifNoneMatch === etag) return c.body(null, 304, { etag });
    }
    if (deps.resultBodies) {
      const cached = await deps.resultBodies.get(what, digest, () => loadBody(deps, what, digest));
      if (cached) {
        const { body, headers } = bodyVariant(cached, c.req.header('accept-encoding'));
        return c.body(body, 200, headers);
      }
      return notFound(c, what, digest);
    }
    const type = what === 'sbom' ? CYCLONEDX_MEDIA_TYPE : 'application/json';
    const headers = { 'content-type': type, etag: resultEtag(ANALYZER_VERSION, what, digest), 'cache-control': 'public, max-age=31536000, immutable', vary: 'accept-encoding' };
    // Without the in-process cache, a gzip-accepting client gets the stored bytes untouched.
    if (deps.results.getGzipped && acceptsGzip(c.req.header('accept-encoding'))) {
      const zipped = await deps.results.getGzipped(what, digest);
      if (zipped === undefined) return notFound(c, what, digest);
      return c.body(new Uint8Array(zipped), 200, { ...headers, 'content-encoding': 'gzip' });
    }
    const body = what === 'sbom' ? await deps.results.getSbom(digest) : await deps.results.getLayers(digest);
    if (body === undefined) return notFound(c, what, digest);
    return c.body(body, 200, headers);
  };
  const notFound = (c: Context, what: 'sbom' | 'layers', digest: string) =>
    problem(c, 404, 'NOT_FOUND', `no ${what === 'sbom' ? 'SBOM' : 'layer report'} for ${digest} from analyzer ${ANALYZER_VERSION}; POST /v1/analyses to create it`);
  app.get('/v1/sboms/:digest', (c) => serve(c, 'sbom'));
  app.get('/v1/layers/:digest', (c) => serve(c, 'layers'));
  return app;
}

/** The stored gzip when the store keeps bodies compressed (no inflate + re-deflate), else the text. */
async function loadBody(deps: ApiDeps, what: 'sbom' | 'layers', digest: string): Promise<string | StoredGzip | undefined> {
  if (deps.results.getGzipped) {
    const gzip = await deps.results.getGzipped(what, digest);
    return gzip && { gzip };
  }
  return what === 'sbom' ? deps.results.getSbom(digest) : deps.results.getLayers(digest);
}
