/**
 * A token server for the real registry's `auth: token` mode (distribution's token spec), written for the tests:
 * a self-signed certificate and key made with `openssl`, JWTs signed RS256 with node:crypto and carrying the
 * certificate in `x5c` (distribution 2.8 verifies that chain against `rootcertbundle`).
 *
 * GET /token: Basic credentials (or none) → a token with the access the user has. POST /token: the OAuth2
 * `grant_type=refresh_token` form → the same, plus a rotated refresh token. Everything is recorded, and tokens can be
 * made to fail (`staleTokens`: signed already expired, as a revoked token looks to the registry).
 */
import { spawnSync } from 'node:child_process';
import { createSign, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

export interface TokenRequest {
  method: string;
  scope: string[];
  service?: string;
  user?: string;
  grantType?: string;
  /** Whether an Authorization header came in (its value is never recorded). */
  hadAuthorization: boolean;
}

export interface TokenServerOptions {
  users?: Record<string, string>;
  /** Refresh tokens → user. */
  refreshTokens?: Record<string, string>;
  /** Repositories anyone may pull (prefix match). */
  publicPrefixes?: string[];
  /** Answer POST with 404, as token servers without OAuth2 support do. */
  oauth?: boolean;
  expiresIn?: number;
}

export class TokenServer {
  readonly service = 'layerlens-test-registry';
  readonly issuer = 'layerlens-test-issuer';
  readonly requests: TokenRequest[] = [];
  /** How many of the next tokens are signed already expired (a revoked or early-expired token). */
  staleTokens = 0;
  /** How many of the next tokens the registry accepts for only ~3 s (it allows 60 s of clock skew past `exp`). */
  shortLivedTokens = 0;
  realm = '';
  certPath = '';
  private dir = '';
  private key = '';
  private certDer = '';
  private server?: Server;
  private rotation = 0;

  constructor(readonly options: TokenServerOptions = {}) {}

  async start(): Promise<this> {
    this.dir = await mkdtemp(join(tmpdir(), 'layerlens-token-'));
    const keyPath = join(this.dir, 'key.pem');
    this.certPath = join(this.dir, 'cert.pem');
    const out = spawnSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', this.certPath, '-days', '2', '-subj', '/CN=layerlens-test-token'],
      { encoding: 'utf8' },
    );
    if (out.status !== 0) throw new Error(`openssl failed: ${out.stderr}`);
    this.key = await readFile(keyPath, 'utf8');
    this.certDer = new X509Certificate(await readFile(this.certPath)).raw.toString('base64');
    const port = await freePort();
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', r));
    this.realm = `http://127.0.0.1:${port}/token`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
    await rm(this.dir, { recursive: true, force: true });
  }

  /** A token for `scope`s as `user` would get it (for pushing test images). */
  issue(user: string | undefined, scopes: string[]): string {
    return this.sign(user, scopes, 'normal');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/token') return void res.writeHead(404).end();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const params = req.method === 'POST' ? form : url.searchParams;
    const record: TokenRequest = {
      method: req.method ?? 'GET',
      scope: params.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean),
      service: params.get('service') ?? undefined,
      grantType: params.get('grant_type') ?? undefined,
      hadAuthorization: Boolean(req.headers.authorization),
    };
    this.requests.push(record);
    const json = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    let user: string | undefined;
    if (req.method === 'POST') {
      if (this.options.oauth === false) return json(404, { error: 'not found' });
      const owner = this.options.refreshTokens?.[form.get('refresh_token') ?? ''];
      if (form.get('grant_type') !== 'refresh_token' || !owner) return json(401, { error: 'invalid_grant' });
      user = owner;
    } else if (req.headers.authorization?.startsWith('Basic ')) {
      const [name, ...rest] = Buffer.from(req.headers.authorization.slice(6), 'base64').toString('utf8').split(':');
      if (this.options.users?.[name] !== rest.join(':')) return json(401, { details: 'incorrect username or password' });
      user = name;
    }
    record.user = user;
    const stale = this.staleTokens > 0;
    if (stale) this.staleTokens--;
    const short = !stale && this.shortLivedTokens > 0;
    if (short) this.shortLivedTokens--;
    const token = this.sign(user, record.scope, stale ? 'stale' : short ? 'short' : 'normal');
    const body: Record<string, unknown> = { token, access_token: token, expires_in: this.options.expiresIn ?? 300, issued_at: new Date().toISOString() };
    if (req.method === 'POST') {
      // Rotate: the old refresh token stays valid here, but clients should use the newest one.
      const next = `rotated-${++this.rotation}`;
      this.options.refreshTokens![next] = user!;
      body.refresh_token = next;
    }
    json(200, body);
  }

  private sign(user: string | undefined, scopes: string[], life: 'normal' | 'short' | 'stale'): string {
    const now = Math.floor(Date.now() / 1000);
    const access = scopes.flatMap((scope) => {
      const [type, name, actions] = scope.split(':');
      if (type !== 'repository' || !name) return [];
      const allowed = (actions ?? '').split(',').filter((a) => (user ? true : a === 'pull' && (this.options.publicPrefixes ?? []).some((p) => name.startsWith(p))));
      return allowed.length ? [{ type, name, actions: allowed }] : [];
    });
    // The registry allows 60 s of clock skew past `exp`: "stale" tokens are well past it, "short" ones nearly.
    const exp = life === 'stale' ? now - 600 : life === 'short' ? now - 57 : now + 3600;
    const claims = { iss: this.issuer, sub: user ?? '', aud: this.service, exp, nbf: now - 900, iat: now - 900, jti: `${now}-${Math.random()}`, access };
    const header = { typ: 'JWT', alg: 'RS256', x5c: [this.certDer] };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = createSign('RSA-SHA256').update(input).sign(this.key);
    return `${input}.${b64url(signature)}`;
  }
}

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}
