/**
 * API keys (LAYERLENS_API_KEYS): `Authorization: Bearer KEY` or `X-API-Key: KEY`, compared in constant time. With no
 * keys configured the API is open (a deployment behind its own gateway). A key may be limited to scopes — `KEY:read`,
 * `KEY:read+analyze` — and a bare `KEY` has them all:
 *   read     GET anything (analyses, SBOMs, layer reports, images, watches)
 *   analyze  POST /v1/analyses
 *   admin    create and delete watches
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { problem } from './problem.js';
import type { RedisRateLimiter } from './rate-limit.js';

export type Scope = 'read' | 'analyze' | 'admin';
export const SCOPES: readonly Scope[] = ['read', 'analyze', 'admin'];

export interface ApiKey {
  secret: string;
  scopes: ReadonlySet<Scope>;
  /** What logs and rate-limit buckets name the key by: a hash prefix, never the secret. */
  id: string;
  /** sha256 of the secret, made once: a request hashes only the key it presents. */
  digest: Buffer;
}

const SCOPED = /^(.+):((?:read|analyze|admin)(?:\+(?:read|analyze|admin))*)$/;

/** `KEY` (every scope) or `KEY:scope+scope`. */
export function parseApiKey(entry: string): ApiKey {
  const m = SCOPED.exec(entry);
  const secret = m ? m[1] : entry;
  const scopes = new Set<Scope>(m ? (m[2].split('+') as Scope[]) : SCOPES);
  const digest = createHash('sha256').update(secret).digest();
  return { secret, scopes, id: digest.toString('hex').slice(0, 16), digest };
}

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

/** The configured key `presented` is; every key is compared (no early exit), so its position does not leak. */
export function matchApiKey(keys: readonly ApiKey[], presented: string | undefined): ApiKey | undefined {
  if (presented === undefined) return undefined;
  const digest = createHash('sha256').update(presented).digest();
  let found: ApiKey | undefined;
  // Equal-length digests, compared with timingSafeEqual: neither the content nor the length of a secret leaks.
  for (const key of keys) if (timingSafeEqual(digest, key.digest) && !found) found = key;
  return found;
}

export type AuthOutcome = { ok: true; key: ApiKey } | { ok: false; status: 401 | 403; code: 'UNAUTHORIZED' | 'FORBIDDEN'; detail: string };

/**
 * The one API-key decision, for the Hono middleware and the node:http fast path alike: the presented key (Bearer,
 * else X-API-Key), matched in constant time, with the scope `what` (the method and path, for the message) needs.
 */
export function authenticate(
  keys: readonly ApiKey[],
  headers: { authorization: string | undefined; xApiKey: string | undefined },
  scope: Scope,
  what: string,
): AuthOutcome {
  const presented = presentedApiKey(headers.authorization, headers.xApiKey);
  const key = matchApiKey(keys, presented);
  if (!key) return { ok: false, status: 401, code: 'UNAUTHORIZED', detail: presented ? 'the API key is not valid' : 'an API key is required (Authorization: Bearer KEY or X-API-Key)' };
  if (!key.scopes.has(scope)) {
    return { ok: false, status: 403, code: 'FORBIDDEN', detail: `this API key lacks the "${scope}" scope needed for ${what} (it has: ${[...key.scopes].join(', ')})` };
  }
  return { ok: true, key };
}

export function isValidApiKey(keys: readonly string[], presented: string | undefined, scope: Scope = 'read'): boolean {
  return authenticate(keys.map(parseApiKey), { authorization: undefined, xApiKey: presented }, scope, '').ok;
}

/** The scope a request needs: watches are changed by admins, analyses requested by `analyze`, the rest is read. */
export function requiredScope(method: string, path: string): Scope {
  if (method === 'GET' || method === 'HEAD') return 'read';
  if (path.startsWith('/v1/watches')) return 'admin';
  return 'analyze';
}

export interface AuthOptions {
  /** Requests needing `analyze` take a token from the caller's bucket (its key, or its address on an open API). */
  analyzeLimiter?: Pick<RedisRateLimiter, 'take'>;
}

export function apiKeyAuth(entries: readonly string[], options: AuthOptions = {}): MiddlewareHandler {
  const keys = entries.map(parseApiKey);
  return async (c, next) => {
    const scope = requiredScope(c.req.method, c.req.path);
    let caller: string;
    if (keys.length === 0) caller = `addr-${remoteAddress(c)}`;
    else {
      const auth = authenticate(keys, { authorization: c.req.header('authorization'), xApiKey: c.req.header('x-api-key') }, scope, `${c.req.method} ${c.req.path}`);
      if (!auth.ok) {
        if (auth.status === 401) c.header('www-authenticate', 'Bearer realm="layerlens"');
        return problem(c, auth.status, auth.code, auth.detail);
      }
      caller = `key-${auth.key.id}`;
    }
    if (scope === 'analyze' && options.analyzeLimiter) {
      const decision = await options.analyzeLimiter.take('analyze', caller);
      if (!decision.allowed) {
        c.header('retry-after', String(decision.retryAfterSeconds));
        return problem(c, 429, 'RATE_LIMITED', `too many analysis requests from this caller; try again in ${decision.retryAfterSeconds} s (LAYERLENS_ANALYZE_RATE_LIMIT)`, {
          retryAfter: decision.retryAfterSeconds,
        });
      }
    }
    return next();
  };
}

function remoteAddress(c: Context): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'unknown';
}
