/**
 * API keys (LAYERLENS_API_KEYS): `Authorization: Bearer KEY` or `X-API-Key: KEY`, compared in constant time. With no
 * keys configured the API is open (a deployment behind its own gateway).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { problem } from './problem.js';

/** Equal-length digests first, so neither the content nor the length of a secret leaks through timing. */
export function constantTimeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

/** The key a request presents: `Authorization: Bearer KEY`, else `X-API-Key`. */
export function presentedApiKey(authorization: string | undefined, xApiKey: string | undefined): string | undefined {
  return authorization?.toLowerCase().startsWith('bearer ') ? authorization.slice(7).trim() : xApiKey;
}

export function isValidApiKey(keys: readonly string[], presented: string | undefined): boolean {
  // Every key is compared (no early exit) so the position of the matching key does not leak either.
  let ok = false;
  for (const key of keys) if (presented !== undefined && constantTimeEqual(presented, key)) ok = true;
  return ok;
}

export function apiKeyAuth(keys: readonly string[]): MiddlewareHandler {
  return async (c, next) => {
    if (keys.length === 0) return next();
    const presented = presentedApiKey(c.req.header('authorization'), c.req.header('x-api-key'));
    if (!isValidApiKey(keys, presented)) {
      c.header('www-authenticate', 'Bearer realm="layerlens"');
      return problem(c, 401, 'UNAUTHORIZED', presented ? 'the API key is not valid' : 'an API key is required (Authorization: Bearer KEY or X-API-Key)');
    }
    return next();
  };
}
