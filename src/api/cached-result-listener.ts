/**
 * The hot path of the API: `GET /v1/sboms/{digest}` and `GET /v1/layers/{digest}` for a body already held in the
 * in-process cache, answered on node:http directly. Through Hono the same answer costs about twice the CPU — a
 * Request, a Response and a Headers object per call, and the adapter copying them back — which at 100 clients on
 * two cores is the difference between ~16 000 and ~30 000 requests/s, and queueing is most of the p99. Everything
 * else — a miss, a query the route would reject, a failed API key, debug access logging — is declined and goes to
 * the Hono app, so there is one place that writes errors and logs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bodyVariant, type ResultBodyCache, type ResultPart } from '../cache/result-body-cache.js';
import type { Logger } from '../logger.js';
import { DIGEST_PATTERN } from '../registry/reference.js';
import { negotiateSbomFormat } from '../sbom/formats/negotiate.js';
import { sbomPart } from '../sbom/formats/represent.js';
import { isValidApiKey, presentedApiKey } from './auth.js';
import { requestIdFor } from './request-id.js';

export interface CachedResultListenerOptions {
  bodies: Pick<ResultBodyCache, 'peek'>;
  apiKeys: readonly string[];
  logger: Pick<Logger, 'isLevelEnabled'>;
}

/** Answers the request and returns true, or returns false having touched nothing. */
export type FastListener = (req: IncomingMessage, res: ServerResponse) => boolean;

const PARTS: ReadonlyArray<[prefix: string, part: ResultPart]> = [
  ['/v1/sboms/', 'sbom'],
  ['/v1/layers/', 'layers'],
];

export function cachedResultListener(options: CachedResultListenerOptions): FastListener {
  const { bodies, apiKeys, logger } = options;
  return (req, res) => {
    if (req.method !== 'GET') return false;
    // The access log is written by the app's middleware; with debug on, every request goes through it.
    if (logger.isLevelEnabled('debug')) return false;
    const headers = req.headers;
    const target = resultTarget(req.url, single(headers.accept));
    if (!target) return false;
    if (apiKeys.length > 0 && !isValidApiKey(apiKeys, presentedApiKey(headers.authorization, single(headers['x-api-key'])))) return false;
    const cached = bodies.peek(target.part, target.digest);
    if (!cached) return false;
    const requestId = requestIdFor(single(headers['x-request-id']));
    if (headers['if-none-match'] === cached.etag) {
      res.writeHead(304, ['etag', cached.etag, 'x-request-id', requestId]);
      res.end();
      return true;
    }
    const { body, headers: responseHeaders } = bodyVariant(cached, headers['accept-encoding']);
    // A flat [name, value, …] list goes to the wire as is; an object (or setHeader) is copied into a map first.
    res.writeHead(200, [...flat(responseHeaders), 'x-request-id', requestId]);
    res.end(body);
    return true;
  };
}

const flattened = new WeakMap<Record<string, string>, string[]>();

/** A cached body's prepared headers as a flat list, made once per variant. */
function flat(headers: Record<string, string>): string[] {
  let list = flattened.get(headers);
  if (!list) {
    list = Object.entries(headers).flat();
    flattened.set(headers, list);
  }
  return list;
}

/**
 * The part and digest a result URL names, when it is exactly one of the two routes; for an SBOM the representation
 * is negotiated as the route does (Accept, ?format=), and a request it cannot answer is left to the route's 406.
 */
function resultTarget(url: string | undefined, accept: string | undefined): { part: ResultPart; digest: string } | undefined {
  if (url === undefined) return undefined;
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  for (const [prefix, part] of PARTS) {
    if (!path.startsWith(prefix)) continue;
    const digest = path.slice(prefix.length);
    if (!DIGEST_PATTERN.test(digest)) return undefined;
    if (part !== 'sbom') return { part, digest };
    const format = query === -1 ? undefined : (new URLSearchParams(url.slice(query + 1)).get('format') ?? undefined);
    const negotiated = negotiateSbomFormat(accept, format);
    return negotiated.ok ? { part: sbomPart(negotiated.format), digest } : undefined;
  }
  return undefined;
}

/** Request headers are typed `string | string[]`; Node joins repeats of these with ", " (only set-cookie is an array). */
function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value;
}
