/**
 * The stored results, by platform manifest digest: the SBOM (in the representation the request negotiates: Accept
 * or ?format=, sbom/formats/negotiate.ts) and the layer report. Immutable for a digest and analyzer version, so each
 * representation carries its own strong ETag and answers If-None-Match with 304. With `deps.resultBodies` (the
 * API's in-process LRU) a body is read from Redis once per representation, then served from memory as prepared
 * bytes — gzip'd when the client accepts it.
 */
import { gunzipSync } from 'node:zlib';
import { Hono, type Context } from 'hono';
import { acceptsGzip, type StoredGzip } from '../../cache/result-body-cache.js';
import { representSbom, resultPartContentType } from '../../sbom/formats/represent.js';
import type { ApiDeps } from '../deps.js';
import { problem } from '../problem.js';
import { answerFromBody, notFoundDetail, notModified, resultTarget, type ResultKind, type ResultTarget } from '../result-responder.js';

export function resultRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  // What is answered is decided by result-responder.ts, as on the node:http fast path; this route adds the misses.
  const serve = async (c: Context, what: ResultKind) => {
    const outcome = resultTarget(what, c.req.param('digest') ?? '', c.req.header('accept'), what === 'sbom' ? c.req.query('format') : undefined);
    if (!outcome.ok) return problem(c, outcome.status, outcome.code, outcome.detail, outcome.extra);
    const target = outcome.target;
    const { digest } = target;
    if (notModified(target, c.req.header('if-none-match'))) return c.body(null, 304, { etag: target.etag });
    if (deps.resultBodies) {
      const cached = await deps.resultBodies.get(target.part, digest, () => loadTarget(deps, target));
      if (!cached) return notFound(c, target);
      const answer = answerFromBody(cached, undefined, c.req.header('accept-encoding'));
      return answer.status === 200 ? c.body(answer.body, 200, answer.headers) : c.body(null, 304, answer.headers);
    }
    const headers = {
      'content-type': resultPartContentType(target.part),
      etag: target.etag,
      'cache-control': 'public, max-age=31536000, immutable',
      vary: what === 'sbom' ? 'accept, accept-encoding' : 'accept-encoding',
    };
    // The stored representation, without the in-process cache: a gzip-accepting client gets the stored bytes untouched.
    if (target.stored && deps.results.getGzipped && acceptsGzip(c.req.header('accept-encoding'))) {
      const zipped = await deps.results.getGzipped(what, digest);
      if (zipped === undefined) return notFound(c, target);
      return c.body(new Uint8Array(zipped), 200, { ...headers, 'content-encoding': 'gzip' });
    }
    const loaded = await loadTarget(deps, target);
    const body = typeof loaded === 'object' ? gunzipSync(loaded.gzip).toString('utf8') : loaded;
    if (body === undefined) return notFound(c, target);
    return c.body(body, 200, headers);
  };
  const notFound = (c: Context, target: ResultTarget) => problem(c, 404, 'NOT_FOUND', notFoundDetail(target.what, target.digest));
  app.get('/v1/sboms/:digest', (c) => serve(c, 'sbom'));
  app.get('/v1/layers/:digest', (c) => serve(c, 'layers'));
  return app;
}

/**
 * The stored representation (the layer report, CycloneDX 1.6 JSON) from the stored bytes (gzip'd in Redis); any
 * other SBOM representation re-encoded from the stored CycloneDX.
 */
async function loadTarget(deps: ApiDeps, target: ResultTarget): Promise<string | StoredGzip | undefined> {
  if (target.stored || !target.format) return loadBody(deps, target.what, target.digest);
  const cyclonedx = await deps.results.getSbom(target.digest);
  return cyclonedx === undefined ? undefined : representSbom(cyclonedx, target.format);
}

/** The stored gzip when the store keeps bodies compressed (no inflate + re-deflate), else the text. */
async function loadBody(deps: ApiDeps, what: 'sbom' | 'layers', digest: string): Promise<string | StoredGzip | undefined> {
  if (deps.results.getGzipped) {
    const gzip = await deps.results.getGzipped(what, digest);
    return gzip && { gzip };
  }
  return what === 'sbom' ? deps.results.getSbom(digest) : deps.results.getLayers(digest);
}
