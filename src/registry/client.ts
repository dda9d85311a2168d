/**
 * A client for the OCI distribution API: resolve a reference to a manifest, read manifests and config blobs
 * (size-capped, digest-verified) and open layer blobs as verified streams. Authentication follows the registry's
 * challenge: Bearer (token endpoint, anonymous or with credentials, cached per scope until it expires) or Basic.
 */
import authHeader from 'auth-header';
import { Readable, pipeline, PassThrough } from 'node:stream';
import { LayerlensError } from '../errors.js';
import { defaultLimits, type Limits } from '../config.js';
import { NO_CREDENTIALS, type Credential, type CredentialStore } from './credentials.js';
import { MANIFEST_ACCEPT } from './media-types.js';
import { parseManifest, type Descriptor, type ManifestDocument } from './manifest.js';
import { apiHost, formatReference, isLoopbackHost, type ImageReference } from './reference.js';
import { Transport, firstOciErrorCode, parseOciErrors, type TransportResponse } from './transport.js';
import { sha256Digest, verifyBytes, verifyingStream } from './verify.js';

export interface RegistryClientOptions {
  credentials?: CredentialStore;
  /** host:port entries spoken to over plain HTTP. */
  insecureRegistries?: string[];
  /** Treat loopback registries as plain HTTP (the CLI's convenience; off in the service). */
  plainHttpLoopback?: boolean;
  /** When non-empty, refuse every registry not listed. */
  allowedRegistries?: string[];
  limits?: Limits;
  transport?: Transport;
}

export interface FetchedManifest {
  digest: string;
  mediaType: string;
  size: number;
  body: Buffer;
  document: ManifestDocument;
}

interface CachedToken {
  value: string;
  expiresAt: number;
}

export class RegistryClient {
  private readonly transport: Transport;
  private readonly credentials: CredentialStore;
  private readonly insecure: Set<string>;
  private readonly allowed: Set<string>;
  private readonly plainHttpLoopback: boolean;
  readonly limits: Limits;
  /** Authorization header values per registry × scope. */
  private readonly tokens = new Map<string, CachedToken>();

  constructor(options: RegistryClientOptions = {}) {
    this.transport = options.transport ?? new Transport();
    this.credentials = options.credentials ?? NO_CREDENTIALS;
    this.insecure = new Set(options.insecureRegistries ?? []);
    this.allowed = new Set(options.allowedRegistries ?? []);
    this.plainHttpLoopback = options.plainHttpLoopback ?? false;
    this.limits = options.limits ?? defaultLimits;
  }

  baseUrl(registry: string): string {
    if (this.allowed.size > 0 && !this.allowed.has(registry)) {
      throw new LayerlensError('REGISTRY_NOT_ALLOWED', `registry ${registry} is not in LAYERLENS_ALLOWED_REGISTRIES`, { retryable: false });
    }
    const plain = this.insecure.has(registry) || (this.plainHttpLoopback && isLoopbackHost(registry));
    return `${plain ? 'http' : 'https'}://${apiHost(registry)}`;
  }

  /** Fetches a manifest by tag or digest; the digest returned is always computed from the bytes received. */
  async getManifest(ref: ImageReference, signal?: AbortSignal, reference = ref.digest ?? ref.tag ?? 'latest'): Promise<FetchedManifest> {
    const step = `fetch manifest ${reference}`;
    const res = await this.request(ref, `/manifests/${reference}`, { step, signal, headers: { accept: MANIFEST_ACCEPT } });
    const body = await res.bytes(this.limits.maxManifestBytes);
    const digest = sha256Digest(body);
    if (reference.startsWith('sha256:')) verifyBytes(body, reference, step);
    const contentType = res.headers.get('content-type') ?? undefined;
    const document = parseManifest(body, contentType, `${formatReference(ref)} (${reference})`);
    return { digest, mediaType: document.mediaType, size: body.length, body, document };
  }

  /** The digest a tag points to, with one HEAD request (falling back to GET when the registry sends no digest). */
  async resolveDigest(ref: ImageReference, signal?: AbortSignal): Promise<string> {
    if (ref.digest) return ref.digest;
    const step = `resolve tag ${ref.tag}`;
    const res = await this.request(ref, `/manifests/${ref.tag}`, { step, signal, method: 'HEAD', headers: { accept: MANIFEST_ACCEPT } });
    res.discard();
    const header = res.headers.get('docker-content-digest');
    if (header && /^sha256:[a-f0-9]{64}$/.test(header)) return header;
    return (await this.getManifest(ref, signal)).digest;
  }

  /** A small blob (an image config) read whole, size-capped and verified. */
  async getBlobBytes(ref: ImageReference, desc: Descriptor, signal?: AbortSignal): Promise<Buffer> {
    const step = `fetch blob ${desc.digest}`;
    if (desc.size > this.limits.maxManifestBytes) {
      throw new LayerlensError('TOO_LARGE', `blob of ${desc.size} bytes exceeds the limit of ${this.limits.maxManifestBytes}`, { step, retryable: false });
    }
    const res = await this.request(ref, `/blobs/${desc.digest}`, { step, signal });
    const body = await res.bytes(this.limits.maxManifestBytes);
    verifyBytes(body, desc.digest, step);
    return body;
  }

  /** A layer blob as a stream that errors unless its bytes match the descriptor's digest and size. */
  async openBlob(ref: ImageReference, desc: Descriptor, signal?: AbortSignal): Promise<Readable> {
    const step = `pull layer ${desc.digest}`;
    if (desc.size > this.limits.maxLayerBytes) {
      throw new LayerlensError('TOO_LARGE', `layer of ${desc.size} bytes exceeds LAYERLENS_MAX_LAYER_BYTES (${this.limits.maxLayerBytes})`, {
        step,
        retryable: false,
      });
    }
    const res = await this.request(ref, `/blobs/${desc.digest}`, { step, signal });
    const out = new PassThrough({ highWaterMark: 1024 * 1024 });
    pipeline(res.body(), verifyingStream(desc.digest, desc.size, step), out, () => undefined);
    return out;
  }

  private async request(
    ref: ImageReference,
    path: string,
    opts: { step: string; signal?: AbortSignal; method?: 'GET' | 'HEAD'; headers?: Record<string, string> },
  ): Promise<TransportResponse> {
    const url = `${this.baseUrl(ref.registry)}/v2/${ref.repository}${path}`;
    const scope = `repository:${ref.repository}:pull`;
    const tokenKey = `${ref.registry}|${scope}`;
    const send = (auth?: string) =>
      this.transport.send(url, {
        method: opts.method,
        step: opts.step,
        signal: opts.signal,
        headers: { ...opts.headers, ...(auth ? { authorization: auth } : {}) },
      });

    let res = await send(this.cachedAuth(tokenKey));
    if (res.status === 401) {
      const challenge = res.headers.get('www-authenticate');
      res.discard();
      const auth = await this.authenticate(ref, challenge, scope, opts.signal);
      this.tokens.set(tokenKey, auth);
      res = await send(auth.value);
    }
    if (res.status >= 200 && res.status < 300) return res;
    throw await this.errorFor(res, ref, opts.step);
  }

  private cachedAuth(key: string): string | undefined {
    const t = this.tokens.get(key);
    if (!t) return undefined;
    if (t.expiresAt <= Date.now()) {
      this.tokens.delete(key);
      return undefined;
    }
    return t.value;
  }

  private async authenticate(ref: ImageReference, challenge: string | null, scope: string, signal?: AbortSignal): Promise<CachedToken> {
    const step = 'authenticate';
    const cred = this.credentials.get(ref.registry);
    if (!challenge) {
      throw new LayerlensError('UNAUTHORIZED', `${ref.registry} answered 401 without a WWW-Authenticate challenge`, { step, retryable: false });
    }
    let parsed: { scheme: string; params: Record<string, string | string[]> };
    try {
      parsed = authHeader.parse(challenge) as typeof parsed;
    } catch {
      throw new LayerlensError('UNAUTHORIZED', `${ref.registry} sent an unreadable challenge`, { step, retryable: false });
    }
    const scheme = parsed.scheme.toLowerCase();
    if (scheme === 'basic') {
      if (!cred?.username) {
        throw new LayerlensError('UNAUTHORIZED', `${ref.registry} requires credentials (Basic auth) and none are configured`, { step, retryable: false });
      }
      return { value: basic(cred), expiresAt: Number.MAX_SAFE_INTEGER };
    }
    if (scheme !== 'bearer') {
      throw new LayerlensError('UNAUTHORIZED', `${ref.registry} asks for the unsupported auth scheme ${parsed.scheme}`, { step, retryable: false });
    }
    const realm = param(parsed.params, 'realm');
    if (!realm) throw new LayerlensError('UNAUTHORIZED', `${ref.registry}'s Bearer challenge has no realm`, { step, retryable: false });
    const tokenUrl = new URL(realm);
    const service = param(parsed.params, 'service');
    if (service) tokenUrl.searchParams.set('service', service);
    tokenUrl.searchParams.set('scope', scope);
    const headers: Record<string, string> = {};
    if (cred?.username) headers.authorization = basic(cred);
    const res = await this.transport.send(tokenUrl.toString(), { step: `${step} at ${tokenUrl.host}`, signal, headers });
    if (res.status === 401 || res.status === 403) {
      res.discard();
      throw new LayerlensError('UNAUTHORIZED', `the token service of ${ref.registry} refused ${cred ? 'the configured credentials' : 'anonymous access'}`, {
        step,
        retryable: false,
      });
    }
    if (res.status !== 200) {
      const body = await res.text(4096).catch(() => '');
      throw new LayerlensError('UNAUTHORIZED', `token service answered ${res.status}${body ? `: ${body.slice(0, 200)}` : ''}`, { step, retryable: false });
    }
    let doc: { token?: string; access_token?: string; expires_in?: number };
    try {
      doc = JSON.parse(await res.text(64 * 1024)) as typeof doc;
    } catch {
      throw new LayerlensError('UNAUTHORIZED', 'token service answered with something other than JSON', { step, retryable: false });
    }
    const token = doc.token ?? doc.access_token;
    if (!token) throw new LayerlensError('UNAUTHORIZED', 'token service answered without a token', { step, retryable: false });
    // The spec's default lifetime is 60 s; renew a little early so a long pull never sends an expired token.
    const lifetime = Math.max(10, (doc.expires_in ?? 60) - 10);
    return { value: `Bearer ${token}`, expiresAt: Date.now() + lifetime * 1000 };
  }

  private async errorFor(res: TransportResponse, ref: ImageReference, step: string): Promise<LayerlensError> {
    const body = res.headers.get('content-type')?.includes('json') ? await res.text(16 * 1024).catch(() => '') : (res.discard(), '');
    const code = firstOciErrorCode(body);
    const detail = parseOciErrors(body);
    const image = formatReference(ref);
    const opts = { step, image, httpStatus: res.status, retryable: false };
    switch (res.status) {
      case 401:
        return new LayerlensError('UNAUTHORIZED', detail ?? `${ref.registry} refused the credentials`, opts);
      case 403:
        return new LayerlensError('DENIED', detail ?? `access to ${ref.repository} is denied`, opts);
      case 404:
        if (code === 'NAME_UNKNOWN') return new LayerlensError('NAME_UNKNOWN', detail ?? `repository ${ref.repository} does not exist`, opts);
        if (code === 'BLOB_UNKNOWN' || step.includes('blob') || step.includes('layer')) {
          return new LayerlensError('BLOB_UNKNOWN', detail ?? 'blob not found', opts);
        }
        return new LayerlensError('MANIFEST_UNKNOWN', detail ?? `manifest not found in ${ref.repository}`, opts);
      default:
        return new LayerlensError('REGISTRY_ERROR', `registry answered ${res.status}${detail ? `: ${detail}` : ''}`, opts);
    }
  }
}

function basic(cred: Credential): string {
  return `Basic ${Buffer.from(`${cred.username}:${cred.password ?? ''}`).toString('base64')}`;
}

function param(params: Record<string, string | string[]>, name: string): string | undefined {
  const v = params[name];
  return Array.isArray(v) ? v[0] : v;
}
