/**
 * Answers a registry's 401 challenge with an Authorization header value, and caches it per registry × scope.
 * - Basic: the configured username/password.
 * - Bearer (distribution's token spec): GET the realm with `service` and `scope`, Basic credentials when configured,
 *   anonymous otherwise; with an identity token (Docker's `identitytoken`, an OAuth2 refresh token) POST the form
 *   `grant_type=refresh_token` instead, falling back to GET when the token server has no OAuth2 endpoint (404/405).
 *   A token is cached until its `expires_in` (60 s when absent, as the spec says), renewed a little early.
 * Credentials are only ever sent to the registry itself or to the realm it names, never over plain HTTP unless the
 * registry itself is spoken to over plain HTTP.
 */
import authHeader from 'auth-header';
import { LayerlensError } from '../errors.js';
import type { Credential, CredentialStore } from './credentials.js';
import type { HopGuard, Transport, TransportResponse } from './transport.js';

export interface AuthContext {
  registry: string;
  /** `repository:NAME:pull`. */
  scope: string;
  /** Whether the registry is spoken to over plain HTTP (then a plain-HTTP realm is no downgrade). */
  plainHttp: boolean;
  signal?: AbortSignal;
  guard?: HopGuard;
}

interface CachedAuth {
  value: string;
  expiresAt: number;
}

export class Authenticator {
  private readonly cache = new Map<string, CachedAuth>();
  /** Refresh tokens rotated by token servers, replacing the configured one for this process. */
  private readonly rotated = new Map<string, string>();

  constructor(
    private readonly transport: Transport,
    private readonly credentials: CredentialStore,
    private readonly clock: () => number = Date.now,
  ) {}

  cached(ctx: Pick<AuthContext, 'registry' | 'scope'>): string | undefined {
    const key = `${ctx.registry}|${ctx.scope}`;
    const t = this.cache.get(key);
    if (!t) return undefined;
    if (t.expiresAt <= this.clock()) {
      this.cache.delete(key);
      return undefined;
    }
    return t.value;
  }

  forget(ctx: Pick<AuthContext, 'registry' | 'scope'>): void {
    this.cache.delete(`${ctx.registry}|${ctx.scope}`);
  }

  /** Authenticates against `challenge` (the 401's WWW-Authenticate) and caches the result. */
  async authenticate(ctx: AuthContext, challenge: string | null): Promise<string> {
    const auth = await this.answer(ctx, challenge);
    this.cache.set(`${ctx.registry}|${ctx.scope}`, auth);
    return auth.value;
  }

  private async answer(ctx: AuthContext, challenge: string | null): Promise<CachedAuth> {
    const step = 'authenticate';
    const { registry } = ctx;
    if (!challenge) {
      throw new LayerlensError('UNAUTHORIZED', `${registry} answered 401 without a WWW-Authenticate challenge`, { step, retryable: false });
    }
    let parsed: { scheme: string; params: Record<string, string | string[]> };
    try {
      parsed = authHeader.parse(challenge) as typeof parsed;
    } catch {
      throw new LayerlensError('UNAUTHORIZED', `${registry} sent an unreadable challenge`, { step, retryable: false });
    }
    const cred = await this.credentials.get(registry);
    const scheme = parsed.scheme.toLowerCase();
    if (scheme === 'basic') {
      if (!cred?.username) {
        throw new LayerlensError('UNAUTHORIZED', `${registry} requires credentials (Basic auth) and none are configured`, { step, retryable: false });
      }
      return { value: basic(cred), expiresAt: Number.MAX_SAFE_INTEGER };
    }
    if (scheme !== 'bearer') {
      throw new LayerlensError('UNAUTHORIZED', `${registry} asks for the unsupported auth scheme ${parsed.scheme}`, { step, retryable: false });
    }
    const realm = param(parsed.params, 'realm');
    if (!realm) throw new LayerlensError('UNAUTHORIZED', `${registry}'s Bearer challenge has no realm`, { step, retryable: false });
    let realmUrl: URL;
    try {
      realmUrl = new URL(realm);
    } catch {
      throw new LayerlensError('UNAUTHORIZED', `${registry}'s Bearer realm is not a URL`, { step, retryable: false });
    }
    if (realmUrl.protocol !== 'https:' && !(realmUrl.protocol === 'http:' && ctx.plainHttp)) {
      throw new LayerlensError('UNAUTHORIZED', `${registry} names a token realm over ${realmUrl.protocol}; only https is accepted`, { step, retryable: false });
    }
    const service = param(parsed.params, 'service');
    const doc = await this.fetchToken(ctx, realmUrl, service, cred);
    const token = doc.token ?? doc.access_token;
    if (!token) throw new LayerlensError('UNAUTHORIZED', 'token service answered without a token', { step, retryable: false });
    if (doc.refresh_token) this.rotated.set(registry, doc.refresh_token);
    // The spec's default lifetime is 60 s; renew a little early so a long pull never sends an expired token.
    const lifetime = Math.max(10, (typeof doc.expires_in === 'number' ? doc.expires_in : 60) - 10);
    return { value: `Bearer ${token}`, expiresAt: this.clock() + lifetime * 1000 };
  }

  private async fetchToken(ctx: AuthContext, realm: URL, service: string | undefined, cred: Credential | undefined): Promise<TokenDocument> {
    const refreshToken = this.rotated.get(ctx.registry) ?? cred?.identityToken;
    const step = `authenticate at ${realm.host}`;
    const common = { step, signal: ctx.signal, guard: ctx.guard };
    if (refreshToken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'layerlens', scope: ctx.scope });
      if (service) form.set('service', service);
      const res = await this.transport.send(realm.toString(), {
        ...common,
        method: 'POST',
        body: form.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      // Token servers without the OAuth2 endpoint (distribution's spec makes it optional) answer 404 or 405.
      if (res.status !== 404 && res.status !== 405) return readToken(res, ctx.registry, 'the configured identity token', step);
      res.discard();
    }
    const url = new URL(realm);
    if (service) url.searchParams.set('service', service);
    url.searchParams.set('scope', ctx.scope);
    const headers: Record<string, string> = {};
    if (cred?.username) headers.authorization = basic(cred);
    const res = await this.transport.send(url.toString(), { ...common, headers });
    return readToken(res, ctx.registry, cred?.username ? 'the configured credentials' : 'anonymous access', step);
  }
}

interface TokenDocument {
  token?: string;
  access_token?: string;
  expires_in?: number;
  refresh_token?: string;
}

async function readToken(res: TransportResponse, registry: string, what: string, step: string): Promise<TokenDocument> {
  if (res.status === 401 || res.status === 403) {
    res.discard();
    throw new LayerlensError('UNAUTHORIZED', `the token service of ${registry} refused ${what}`, { step, httpStatus: res.status, retryable: false });
  }
  if (res.status !== 200) {
    res.discard();
    throw new LayerlensError('UNAUTHORIZED', `the token service of ${registry} answered ${res.status}`, { step, httpStatus: res.status, retryable: false });
  }
  try {
    const doc = JSON.parse(await res.text(64 * 1024)) as unknown;
    if (typeof doc !== 'object' || doc === null) throw new Error('not an object');
    return doc as TokenDocument;
  } catch {
    throw new LayerlensError('UNAUTHORIZED', 'token service answered with something other than JSON', { step, retryable: false });
  }
}

function basic(cred: Credential): string {
  return `Basic ${Buffer.from(`${cred.username}:${cred.password ?? ''}`).toString('base64')}`;
}

function param(params: Record<string, string | string[]>, name: string): string | undefined {
  const v = params[name];
  return Array.isArray(v) ? v[0] : v;
}
