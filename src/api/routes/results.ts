/**
 * The stored results, by platform manifest digest: the SBOM (in the representation the request negotiates: Accept
 * or ?format=, sbom/formats/negotiate.ts) and the layer report. Immutable for a digest and analyzer version, so each
 * representation carries its own strong ETag and answers If-None-Match with 304. With `deps.resultBodies` (the
 * API's in-process LRU) a body is read from Redis once per representation, then served from memory as prepared
 * bytes — gzip'd when the client accepts it.
 */
import { Hono, type Context } from 'hono';
import { bodyVariant, resultEtag, type ResultPart } from '../../cache/result-body-cache.js';
import { DIGEST_PATTERN } from '../../registry/reference.js';
import { negotiateSbomFormat } from '../../sbom/formats/negotiate.js';
import { representSbom, resultPartContentType, sbomPart } from '../../sbom/formats/represent.js';
import { ANALYZER_VERSION } from '../../version.js';
import type { ApiDeps } from '../deps.js';
import { problem } from '../problem.js';

export function resultRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const serve = async (c: Context, what: 'sbom' | 'layers') => {
    const digest = c.req.param('digest') ?? '';
    if (!DIGEST_PATTERN.test(digest)) return problem(c, 400, 'INVALID_DIGEST', `${JSON.stringify(digest)} is not a sha256 digest`);
    let part: ResultPart = 'layers';
    let load = () => deps.results.getLayers(digest);
    if (what === 'sbom') {
      const negotiated = negotiateSbomFormat(c.req.header('accept'), c.req.query('format'));
      if (!negotiated.ok) return problem(c, 406, 'NOT_ACCEPTABLE', negotiated.detail, { supported: negotiated.supported });
      const format = negotiated.format;
      part = sbomPart(format);
      load = async () => {
        const stored = await deps.results.getSbom(digest);
        return stored === undefined ? undefined : representSbom(stored, format);
      };
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
    const body = await load();
    if (body === undefined) return notFound(c, what, digest);
    return c.body(body, 200, {
      'content-type': resultPartContentType(part),
      etag,
      'cache-control': 'public, max-age=31536000, immutable',
      ...(what === 'sbom' ? { vary: 'accept' } : {}),
    });
  };
  const notFound = (c: Context, what: 'sbom' | 'layers', digest: string) =>
    problem(c, 404, 'NOT_FOUND', `no ${what === 'sbom' ? 'SBOM' : 'layer report'} for ${digest} from analyzer ${ANALYZER_VERSION}; POST /v1/analyses to create it`);
  app.get('/v1/sboms/:digest', (c) => serve(c, 'sbom'));
  app.get('/v1/layers/:digest', (c) => serve(c, 'layers'));
  return app;
}
