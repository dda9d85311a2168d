/**
 * The hot path of the API: `GET /v1/sboms/{digest}` and `GET /v1/layers/{digest}` for a body already held in the
 * in-process cache, answered on node:http directly. Through Hono the same answer costs about twice the CPU — a
 * Request, a Response and a Headers object per call, and the adapter copying them back — which at 100 clients on
 * two cores is the difference between ~16 000 and ~30 000 requests/s, and queueing is most of the p99.
 * It decides nothing of its own: target, ETag/304 and body variant come from result-responder.ts, the API-key check
 * from auth.ts's `authenticate`, the request id from request-id.ts — the same functions the Hono route and
 * middleware use. Everything it does not answer — a miss, a request the route refuses (400/406), a failed API key,
 * debug access logging — is declined untouched and goes to the Hono app, the one place that writes errors and logs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResultBodyCache } from '../cache/result-body-cache.js';
import type { Logger } from '../logger.js';
import { authenticate, parseApiKey } from './auth.js';
import { requestIdFor } from './request-id.js';
import { answerFromBody, resultTargetOfUrl } from './result-responder.js';

export interface CachedResultListenerOptions {
  bodies: Pick<ResultBodyCache, 'peek'>;
  apiKeys: readonly string[];
  logger: Pick<Logger, 'isLevelEnabled'>;
}

/** Answers the request and returns true, or returns false having touched nothing. */
export type FastListener = (req: IncomingMessage, res: ServerResponse) => boolean;

export function cachedResultListener(options: CachedResultListenerOptions): FastListener {
  const { bodies, logger } = options;
  const keys = options.apiKeys.map(parseApiKey);
  return (req, res) => {
    if (req.method !== 'GET') return false;
    // The access log is written by the app's middleware; with debug on, every request goes through it.
    if (logger.isLevelEnabled('debug')) return false;
    const headers = req.headers;
    const outcome = resultTargetOfUrl(req.url, single(headers.accept));
    if (!outcome?.ok) return false;
    if (keys.length > 0 && !authenticate(keys, { authorization: headers.authorization, xApiKey: single(headers['x-api-key']) }, 'read', '').ok) return false;
    const cached = bodies.peek(outcome.target.part, outcome.target.digest);
    if (!cached) return false;
    const answer = answerFromBody(cached, single(headers['if-none-match']), single(headers['accept-encoding']));
    // A flat [name, value, …] list goes to the wire as is; an object (or setHeader) is copied into a map first.
    res.writeHead(answer.status, [...flat(answer.headers), 'x-request-id', requestIdFor(single(headers['x-request-id']))]);
    res.end(answer.status === 200 ? answer.body : undefined);
    return true;
  };
}

const flattened = new WeakMap<Record<string, string>, string[]>();

/** A prepared header object as a flat list, made once per object (the responder's header objects are long-lived). */
function flat(headers: Record<string, string>): string[] {
  let list = flattened.get(headers);
  if (!list) {
    list = Object.entries(headers).flat();
    flattened.set(headers, list);
  }
  return list;
}

/** Request headers are typed `string | string[]`; Node joins repeats of these with ", " (only set-cookie is an array). */
function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value;
}
