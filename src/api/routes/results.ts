/**
 * The stored results, by platform manifest digest: the SBOM (in the representation the request negotiates: Accept
 * or ?format=, sbom/formats/negotiate.ts) and the layer report. Immutable for a digest and analyzer version, so each
 * representation carries its own strong ETag and answers If-None-Match with 304. With `deps.resultBodies` (the
 * API's in-process LRU) a body is read from Redis once per representation, then served from memory as prepared
 * bytes — gzip'd when the client accepts it.
 */
import { gunzipSync } from 'node:zlib';
import { Hono, type Context } from 'hono';
import { acceptsGzip, bodyVariant, resultEtag, type ResultPart, type StoredGzip } from '../../cache/result-body-cache.js';
import { DIGEST_PATTERN } from '../../registry/reference.js';
import { negotiateSbomFormat } from '../../sbom/formats/negotiate.js';
import { representSbom, resultPartContentType, sbomPart } from '../../sbom/formats/represent.js';
import { ANALYZER_VERSION } from '../../catalog/catalogers.js';
import type { ApiDeps } from '../deps.js';
import { problem } from '../problem.js';

export function resultRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const serve = async (c: Context, what: 'sbom' | 'layers') => {
    const digest = c.req.param('digest') ?? '';
    if (!DIGEST_PATTERN.test(digest)) return problem(c, 400, 'INVALID_DIGEST', `${JSON.stringify(digest)} is not a sha256 digest`);
    let part: ResultPart = 'layers';
    // The stored representation (the layer report, CycloneDX 1.6 JSON) is served from the stored bytes (gzip'd in
    // Redis); any other SBOM representation is re-encoded from the stored CycloneDX.
    let load: () => Promise<string | StoredGzip | undefined> = () => loadBody(deps, what, digest);
    let stored = true;
    if (what === 'sbom') {
      const negotiated = negotiateSbomFormat(c.req.header('accept'), c.req.query('format'));
      if (!negotiated.ok) return problem(c, 406, 'NOT_ACCEPTABLE', negotiated.detail, { supported: negotiated.supported });
      const format = negotiated.format;
      part = sbomPart(format);
      stored = part === 'sbom';
      if (!stored) {
        load = async () => {
          const cyclonedx = await deps.results.getSbom(digest);
          return cyclonedx === undefined ? undefined : representSbom(cyclonedx, format);
        };
      }
    }
    const etag = resultEtag(ANALYZER_VERSION, part, digest);
    const ifNoneMatch = c.req.header('if-none-match');
    if (ifNoneMatch !== undefined && ifNoneMatch === etag) return c.body(null, 304, { etag });
    if (deps.resultBodies) {
      const cached = await deps.resultBodies.get(part, digest, load);
      if (cached) {
        const { body, headers } = bodyVariant(cached, c.req.header('accept-encoding'));
        return c.body(body, 200, headers);
      }
      return notFound(c, what, digest);
    }
    const headers = {
      'content-type': resultPartContentType(part),
      etag,
      'cache-control': 'public, max-age=31536000, immutable',
      vary: what === 'sbom' ? 'accept, accept-encoding' : 'accept-encoding',
    };
    // The stored representation, without the in-process cache: a gzip-accepting client gets the stored bytes untouched.
    if (stored && deps.results.getGzipped && acceptsGzip(c.req.header('accept-encoding'))) {
      const zipped = await deps.results.getGzipped(what, digest);
      if (zipped === undefined) return notFound(c, what, digest);
      return c.body(new Uint8Array(zipped), 200, { ...headers, 'content-encoding': 'gzip' });
    }
    const loaded = await load();
    const body = typeof loaded === 'object' ? gunzipSync(loaded.gzip).toString('utf8') : loaded;
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
