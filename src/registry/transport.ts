/**
 * The HTTP layer under the registry client: one place for retries (429 with Retry-After, 5xx, resets, time-outs,
 * exponential backoff with full jitter), redirects (followed by hand so that credentials never reach another
 * origin and https is never downgraded), header and stall time-outs, and bounded body reads.
 *
 * Requests go through node:http and node:https (Node streams end to end), not `fetch`: a layer body read through
 * fetch's web stream and Readable.fromWeb costs the main thread several times more per chunk, and on a 1 GiB layer the
 * main thread is what paces the tar walk. Not the undici package either: loading it (and compiling its llhttp wasm)
 * cost every `layerlens scan` ~0.25 s and ~30 MB of RSS, and node:http is in Node's start-up snapshot.
 */
import type { LookupFunction } from 'node:net';
import { Readable, Transform } from 'node:stream';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { cancelledRequest, LayerlensError } from '../errors.js';

/** The response headers callers read: `get` as in fetch's Headers (names case-insensitive, repeats joined). */
export interface ResponseHeaders {
  get(name: string): string | null;
}

export interface HttpResponse {
  status: number;
  headers: ResponseHeaders;
  body: Readable;
}

/** One HTTP exchange, no redirects followed. */
export type HttpRequest = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string | Buffer; signal: AbortSignal; lookup?: LookupFunction },
) => Promise<HttpResponse>;

// Keep-alive pools per protocol: a scan makes a few requests per layer to the same registry. Requests that carry
// the SSRF guard's lookup have pools of their own, so that they only ever reuse a socket whose address that lookup
// judged (never one another request connected to a private address).
const pools = () => ({ http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) });
const agents = pools();
const guardedAgents = pools();

const viaNodeHttp: HttpRequest = (url, init) =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const send = secure ? httpsRequest : httpRequest;
    const pool = init.lookup ? guardedAgents : agents;
    const agent = secure ? pool.https : pool.http;
    const req = send(target, { method: init.method, headers: init.headers, signal: init.signal, agent, lookup: init.lookup }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: headerReader(res.headers), body: res });
    });
    req.on('error', reject);
    req.end(init.body);
  });

function headerReader(raw: Record<string, string | string[] | undefined>): ResponseHeaders {
  return {
    get(name) {
      const v = raw[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
    },
  };
}

export interface HopGuard {
  /** Throws to refuse the URL before anything is sent. */
  check(url: URL, step: string): Promise<void>;
  /** The DNS lookup the connection to `url` must use, if the guard needs to see the addresses connected to. */
  connectLookup(url: URL, step: string): LookupFunction | undefined;
}

export interface TransportOptions {
  /** Attempts per request, the first included. */
  attempts: number;
  /** Base delay of the exponential backoff, in ms. */
  backoffMs: number;
  /** Longest wait between attempts (also caps Retry-After), in ms. */
  maxBackoffMs: number;
  /** Time to the response headers, in ms. */
  headersTimeoutMs: number;
  /** Longest silence inside a body before it is cut, in ms. */
  stallTimeoutMs: number;
  maxRedirects: number;
  userAgent: string;
  http: HttpRequest;
}

export const defaultTransportOptions: TransportOptions = {
  attempts: 4,
  backoffMs: 250,
  maxBackoffMs: 20_000,
  headersTimeoutMs: 30_000,
  stallTimeoutMs: 60_000,
  maxRedirects: 5,
  userAgent: 'layerlens/0.1',
  http: viaNodeHttp,
};

export interface SendOptions {
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT';
  headers?: Record<string, string>;
  /** A request body: the OAuth2 token form, or what a push uploads (blobs, manifests). */
  body?: string | Buffer;
  /** Judges every hop, redirects included (the SSRF guard): before the request, and as the connection's lookup. */
  guard?: HopGuard;
  /** Header names to drop when a redirect leaves the origin of the first URL. */
  originBoundHeaders?: string[];
  signal?: AbortSignal;
  /** What the caller is doing, for error messages: `fetch manifest`, `pull layer sha256:…`. */
  step: string;
}

/** A response whose body stream aborts when it stalls, and whose request can be cancelled by the caller. */
export interface TransportResponse {
  status: number;
  headers: ResponseHeaders;
  url: string;
  /** Node stream of the body; must be consumed or destroyed. */
  body(): Readable;
  text(limit: number): Promise<string>;
  bytes(limit: number): Promise<Buffer>;
  discard(): void;
}

export class Transport {
  readonly options: TransportOptions;

  constructor(options: Partial<TransportOptions> = {}) {
    this.options = { ...defaultTransportOptions, ...options };
  }

  /**
   * Sends one logical request with retries. Responses other than 429/5xx are returned to the caller (401, 404 …),
   * which decides what they mean.
   */
  async send(url: string, opts: SendOptions): Promise<TransportResponse> {
    const { attempts } = this.options;
    let lastError: LayerlensError | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (opts.signal?.aborted) throw cancelledRequest(opts.step);
      let retryAfterMs: number | undefined;
      try {
        const res = await this.sendOnce(url, opts);
        if (res.status === 429 || res.status >= 500) {
          retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
          const detail = await res.text(4096).catch(() => '');
          lastError = statusError(res.status, detail, opts.step, retryAfterMs);
          if (!lastError.retryable) throw lastError;
        } else {
          return res;
        }
      } catch (e) {
        if (!(e instanceof LayerlensError) || !e.retryable) throw e;
        lastError = e;
      }
      if (attempt < attempts) await sleep(this.backoff(attempt, retryAfterMs), opts.signal);
    }
    throw lastError ?? new LayerlensError('REGISTRY_ERROR', 'request failed', { step: opts.step });
  }

  private backoff(attempt: number, retryAfterMs?: number): number {
    const { backoffMs, maxBackoffMs } = this.options;
    if (retryAfterMs !== undefined) return Math.min(retryAfterMs, maxBackoffMs);
    const ceiling = Math.min(maxBackoffMs, backoffMs * 2 ** (attempt - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  private async sendOnce(firstUrl: string, opts: SendOptions): Promise<TransportResponse> {
    const controller = new AbortController();
    const onAbort = () => controller.abort(opts.signal?.reason);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup = () => opts.signal?.removeEventListener('abort', onAbort);
    const headersTimer = setTimeout(() => controller.abort(new Error('headers timeout')), this.options.headersTimeoutMs);
    let url = firstUrl;
    const origin = new URL(firstUrl).origin;
    let headers: Record<string, string> = { 'user-agent': this.options.userAgent, ...opts.headers };
    let method = opts.method ?? 'GET';
    let body = opts.body;
    try {
      for (let hop = 0; ; hop++) {
        const target = new URL(url);
        await opts.guard?.check(target, opts.step);
        let res: HttpResponse;
        try {
          res = await this.options.http(url, { method, headers, body, signal: controller.signal, lookup: opts.guard?.connectLookup(target, opts.step) });
        } catch (e) {
          throw networkError(e, opts.step, url, controller.signal, opts.signal);
        }
        if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
          discardBody(res.body);
          if (hop >= this.options.maxRedirects) {
            throw new LayerlensError('REGISTRY_ERROR', `more than ${this.options.maxRedirects} redirects`, { step: opts.step, retryable: false });
          }
          const next = new URL(res.headers.get('location')!, url);
          if (new URL(url).protocol === 'https:' && next.protocol !== 'https:') {
            throw new LayerlensError('REGISTRY_ERROR', `refusing a redirect from https to ${next.protocol}`, { step: opts.step, retryable: false });
          }
          // As fetch does: 301/302/303 turn a POST into a body-less GET; 307/308 repeat it as is.
          if (method === 'POST' && [301, 302, 303].includes(res.status)) {
            method = 'GET';
            body = undefined;
            headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'content-type'));
          }
          if (next.origin !== origin) {
            headers = Object.fromEntries(
              Object.entries(headers).filter(([k]) => !(opts.originBoundHeaders ?? ['authorization']).includes(k.toLowerCase())),
            );
          }
          url = next.toString();
          continue;
        }
        clearTimeout(headersTimer);
        return this.wrap(res, url, controller, cleanup, opts.step);
      }
    } catch (e) {
      clearTimeout(headersTimer);
      cleanup();
      throw e;
    }
  }

  private wrap(res: HttpResponse, url: string, controller: AbortController, cleanup: () => void, step: string): TransportResponse {
    const stallMs = this.options.stallTimeoutMs;
    let consumed = false;
    const body = (): Readable => {
      if (consumed) throw new Error('response body already consumed');
      consumed = true;
      const source = res.body;
      const watchdog = stallWatchdog(stallMs, () => {
        // Fail the stream before aborting the fetch: an aborted body may otherwise look like a clean, short end.
        watchdog.destroy(new LayerlensError('TIMEOUT', `no data for ${stallMs / 1000}s while reading ${url}`, { step }));
        controller.abort(new Error('body stalled'));
      });
      source.on('error', (e) => watchdog.destroy(networkError(e, step, url, controller.signal)));
      watchdog.on('close', cleanup);
      return source.pipe(watchdog);
    };
    const bytes = async (limit: number): Promise<Buffer> => {
      const declared = Number(res.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > limit) {
        discard();
        throw new LayerlensError('TOO_LARGE', `response of ${declared} bytes exceeds the limit of ${limit}`, { step, retryable: false });
      }
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of body()) {
        total += (chunk as Buffer).length;
        if (total > limit) {
          controller.abort();
          throw new LayerlensError('TOO_LARGE', `response exceeds the limit of ${limit} bytes`, { step, retryable: false });
        }
        chunks.push(chunk as Buffer);
      }
      return Buffer.concat(chunks);
    };
    const discard = () => {
      if (!consumed) {
        consumed = true;
        discardBody(res.body);
      }
      cleanup();
    };
    return {
      status: res.status,
      headers: res.headers,
      url,
      body,
      bytes,
      text: async (limit) => (await bytes(limit)).toString('utf8'),
      discard,
    };
  }
}

/** Drops a body nobody reads: up to 64 KiB is drained so the connection can be reused; a longer one is closed. */
function discardBody(body: Readable): void {
  body.on('error', () => undefined);
  let drained = 0;
  body.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > 64 * 1024) body.destroy();
  });
  body.resume();
}

/** A pass-through that fails when no chunk arrives for `ms`. */
function stallWatchdog(ms: number, onStall: () => void): Transform {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(onStall, ms);
    timer.unref?.();
  };
  const t = new Transform({
    transform(chunk, _enc, cb) {
      arm();
      cb(null, chunk);
    },
    flush(cb) {
      clearTimeout(timer);
      cb();
    },
  });
  t.on('close', () => clearTimeout(timer));
  arm();
  return t;
}

function networkError(e: unknown, step: string, url: string, signal: AbortSignal, userSignal?: AbortSignal): LayerlensError {
  if (e instanceof LayerlensError) return e;
  if (userSignal?.aborted) return cancelledRequest(step);
  const host = safeHost(url);
  if (signal.aborted) {
    const reason = signal.reason instanceof Error ? signal.reason.message : 'timeout';
    return new LayerlensError('TIMEOUT', `${host}: ${reason}`, { step, cause: e });
  }
  const code = errorCode(e);
  if (code !== undefined && isCertificateError(code)) {
    // Not retryable: the same certificate comes back on every attempt.
    return new LayerlensError(
      'REGISTRY_UNREACHABLE',
      `the TLS certificate of ${host} is not trusted (${code}); trust its CA with NODE_EXTRA_CA_CERTS=ca.pem, or list a plain-HTTP registry in LAYERLENS_INSECURE_REGISTRIES`,
      { step, cause: e, retryable: false },
    );
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new LayerlensError('REGISTRY_UNREACHABLE', `unknown registry host ${host} (DNS lookup failed)`, {
      step,
      cause: e,
      retryable: code === 'EAI_AGAIN',
    });
  }
  const what = code ? `${code}` : e instanceof Error ? e.message : String(e);
  return new LayerlensError('REGISTRY_UNREACHABLE', `cannot reach ${host}: ${what}`, { step, cause: e });
}

/** OpenSSL's and Node's verification failures: self-signed, unknown issuer, expired, wrong host name… */
function isCertificateError(code: string): boolean {
  return code.includes('CERT') || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || code === 'HOSTNAME_MISMATCH';
}

function errorCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur; i++) {
    const c = (cur as { code?: unknown }).code;
    if (typeof c === 'string') return c;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

function statusError(status: number, body: string, step: string, retryAfterMs?: number): LayerlensError {
  const oci = parseOciErrors(body);
  if (status === 429) {
    return new LayerlensError('TOOMANYREQUESTS', oci ?? 'the registry is rate limiting requests', {
      step,
      httpStatus: status,
      retryAfter: retryAfterMs === undefined ? undefined : retryAfterMs / 1000,
    });
  }
  return new LayerlensError('REGISTRY_ERROR', `registry answered ${status}${oci ? `: ${oci}` : ''}`, { step, httpStatus: status, retryable: true });
}

/** The `errors` array of the distribution spec, as `CODE: message; …`. */
export function parseOciErrors(body: string): string | undefined {
  try {
    const doc = JSON.parse(body) as { errors?: { code?: string; message?: string }[] };
    if (!Array.isArray(doc.errors) || doc.errors.length === 0) return undefined;
    return doc.errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
  } catch {
    return undefined;
  }
}

export function firstOciErrorCode(body: string): string | undefined {
  try {
    const doc = JSON.parse(body) as { errors?: { code?: string }[] };
    return doc.errors?.[0]?.code;
  } catch {
    return undefined;
  }
}

export function parseRetryAfter(v: string | null): number | undefined {
  if (!v) return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(cancelledRequest('wait before retry'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
