/**
 * A small HTTP proxy in front of the real registry that records every request and can inject faults: a status
 * (with headers, e.g. 429 + Retry-After), a connection reset, a truncated or corrupted body, or a stalled body.
 * Faults are rules matched by method and path, each applying a given number of times.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { freePort } from './ports.js';

export type Fault =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  | { kind: 'reset' }
  | { kind: 'truncate'; bytes: number }
  | { kind: 'corrupt' }
  | { kind: 'stall'; afterBytes: number; ms: number }
  /** 307 to `to` + the request's path (blob storage on another origin, or an SSRF target). */
  | { kind: 'redirect'; to: string }
  /** Forwarded unchanged after `ms` (a slow registry: requests made meanwhile overlap this one). */
  | { kind: 'delay'; ms: number };

export interface FaultRule {
  method?: string;
  path: RegExp;
  fault: Fault;
  /** How many matching requests it applies to; Infinity for all. */
  times: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
}

export class FaultProxy {
  readonly requests: RecordedRequest[] = [];
  private rules: FaultRule[] = [];
  private server?: Server;
  host = '';

  /** When set, /v2/ requests need `Authorization: Bearer <token>`; GET /token hands it out (anonymously). */
  bearer?: { token: string; tokensIssued: number; scopes: string[] };

  constructor(private readonly upstream: string) {}

  requireBearer(token: string): void {
    this.bearer = { token, tokensIssued: 0, scopes: [] };
  }

  async start(): Promise<this> {
    const port = await freePort();
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', r));
    this.host = `127.0.0.1:${port}`;
    return this;
  }

  addFault(rule: Omit<FaultRule, 'times'> & { times?: number }): void {
    this.rules.push({ times: 1, ...rule });
  }

  clear(): void {
    this.rules = [];
    this.requests.length = 0;
  }

  count(method: string, path: RegExp): number {
    return this.requests.filter((r) => r.method === method && path.test(r.path)).length;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  private take(req: IncomingMessage): Fault | undefined {
    const rule = this.rules.find((r) => r.times > 0 && (!r.method || r.method === req.method) && r.path.test(req.url ?? ''));
    if (!rule) return undefined;
    rule.times--;
    return rule.fault;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers });
    if (this.bearer) {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/token') {
        this.bearer.tokensIssued++;
        this.bearer.scopes.push(url.searchParams.get('scope') ?? '');
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ token: this.bearer.token, expires_in: 300 }));
        return;
      }
      if (req.headers.authorization !== `Bearer ${this.bearer.token}`) {
        res.writeHead(401, {
          'content-type': 'application/json',
          'www-authenticate': `Bearer realm="http://${this.host}/token",service="test-registry",scope="repository:x:pull"`,
        });
        res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
        return;
      }
    }
    const fault = this.take(req);
    if (fault?.kind === 'status') {
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(fault.body ?? '{"errors":[{"code":"UNAVAILABLE","message":"injected fault"}]}');
      return;
    }
    if (fault?.kind === 'redirect') {
      res.writeHead(307, { location: `${fault.to}${req.url ?? '/'}` });
      res.end();
      return;
    }
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'delay') {
      setTimeout(() => this.forward(req, res, undefined), fault.ms);
      return;
    }
    this.forward(req, res, fault);
  }

  private forward(req: IncomingMessage, res: ServerResponse, fault: Fault | undefined): void {
    const target = new URL(req.url ?? '/', this.upstream);
    const upstream = httpRequest(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (up) => {
      const headers = { ...up.headers };
      if (fault?.kind === 'truncate' || fault?.kind === 'stall') delete headers['content-length'];
      // Location headers point at the upstream; rewrite them so clients keep coming through the proxy.
      if (typeof headers.location === 'string') headers.location = headers.location.replace(this.upstream, `http://${this.host}`);
      res.writeHead(up.statusCode ?? 502, headers);
      res.flushHeaders();
      let sent = 0;
      let flipped = false;
      let stalled = false;
      up.on('data', (chunk: Buffer) => {
        if (fault?.kind === 'truncate') {
          const room = fault.bytes - sent;
          if (room <= 0) return;
          chunk = chunk.subarray(0, room);
        }
        if (fault?.kind === 'corrupt' && !flipped && chunk.length > 0) {
          chunk = Buffer.from(chunk);
          chunk[chunk.length >> 1] ^= 0xff;
          flipped = true;
        }
        if (fault?.kind === 'stall' && sent + chunk.length > fault.afterBytes) {
          if (!stalled) setTimeout(() => res.destroy(), fault.ms);
          stalled = true;
          return;
        }
        sent += chunk.length;
        res.write(chunk);
      });
      up.on('end', () => {
        if (stalled) return;
        if (fault?.kind === 'truncate') res.destroy();
        else res.end();
      });
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }
}
