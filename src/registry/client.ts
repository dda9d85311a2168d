/**
 * A client for the OCI distribution API: resolve a reference to a manifest, read manifests and config blobs
 * (size-capped, digest-verified) and open layer blobs as verified, resumable streams. Authentication follows the
 * registry's challenge (auth.ts). Every hop — registry, token realm, redirect, foreign-layer URL — passes the SSRF
 * guard (address-guard.ts). Errors keep the registry's OCI code and carry the image and the step.
 */
import { Readable, pipeline } from 'node:stream';
import { LayerlensError } from '../errors.js';
import { defaultLimits, type Limits } from '../config.js';
import { AddressGuard } from './address-guard.js';
import { Authenticator } from './auth.js';
import { contentRangeStart, resumableBlob, type BlobPart } from './blob-stream.js';
import { NO_CREDENTIALS, type CredentialStore } from './credentials.js';
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
  /**
   * Reach hosts that resolve to loopback/private/link-local addresses. Defaults to `plainHttpLoopback` (the CLI, on
   * the user's own machine); the service leaves it off unless LAYERLENS_ALLOW_PRIVATE_REGISTRIES is set. Insecure
   * registries are trusted by name either way.
   */
  allowPrivateAddresses?: boolean;
  /** Replaces the guard built from the options above (tests inject a resolver). */
  addressGuard?: AddressGuard;
  /** How often a broken layer download is resumed before the pull fails. */
  maxBlobResumes?: number;
  /** Milliseconds since the epoch; injectable so token expiry is testable without waiting. */
  clock?: () => number;
}

export interface FetchedManifest {
  digest: string;
  mediaType: string;
  size: number;
  body: Buffer;
  document: ManifestDocument;
}

export class RegistryClient {
  private readonly transport: Transport;
  private readonly insecure: Set<string>;
  private readonly allowed: Set<string>;
  private readonly plainHttpLoopback: boolean;
  private readonly auth: Authenticator;
  private readonly maxBlobResumes: number;
  readonly guard: AddressGuard;
  readonly limits: Limits;

  constructor(options: RegistryClientOptions = {}) {
    this.transport = options.transport ?? new Transport();
    this.insecure = new Set(options.insecureRegistries ?? []);
    this.allowed = new Set(options.allowedRegistries ?? []);
    this.plainHttpLoopback = options.plainHttpLoopback ?? false;
    this.limits = options.limits ?? defaultLimits;
    this.maxBlobResumes = options.maxBlobResumes ?? 3;
    this.auth = new Authenticator(this.transport, options.credentials ?? NO_CREDENTIALS, options.clock);
    this.guard =
      options.addressGuard ??
      new AddressGuard({ allowPrivate: options.allowPrivateAddresses ?? this.plainHttpLoopback, trustedHosts: this.insecure });
  }

  baseUrl(registry: string): string {
    if (this.allowed.size > 0 && !this.allowed.has(registry)) {
      throw new LayerlensError('REGISTRY_NOT_ALLOWED', `registry ${registry} is not in LAYERLENS_ALLOWED_REGISTRIES`, { retryable: false });
    }
    return `${this.isPlainHttp(registry) ? 'http' : 'https'}://${apiHost(registry)}`;
  }

  /**
   * Throws REGISTRY_NOT_ALLOWED unless the pull policy (allow-list, SSRF guard) would let requests reach `registry`:
   * for things created now and run later (watches), so they are refused up front rather than failing at every run.
   */
  async admit(registry: string): Promise<void> {
    const url = new URL(this.baseUrl(registry));
    try {
      await this.guard.check(url, `admit registry ${registry}`);
    } catch (e) {
      // Only a refusal is final; a DNS hiccup now says nothing about the runs to come.
      if (e instanceof LayerlensError && e.code === 'REGISTRY_NOT_ALLOWED') throw e;
    }
  }

  private isPlainHttp(registry: string): boolean {
    return this.insecure.has(registry) || (this.plainHttpLoopback && isLoopbackHost(registry));
  }

  /** Fetches a manifest by tag or digest; the digest returned is always computed from the bytes received. */
  async getManifest(ref: ImageReference, signal?: AbortSignal, reference = ref.digest ?? ref.tag ?? 'latest'): Promise<FetchedManifest> {
    const step = `fetch manifest ${reference}`;
    const res = await this.request(ref, `/manifests/${reference}`, { step, signal, headers: { accept: MANIFEST_ACCEPT } });
    try {
      const body = await res.bytes(this.limits.maxManifestBytes);
      const digest = sha256Digest(body);
      if (reference.startsWith('sha256:')) verifyBytes(body, reference, step);
      const contentType = res.headers.get('content-type') ?? undefined;
      const document = parseManifest(body, contentType, `${formatReference(ref)} (${reference})`);
      return { digest, mediaType: document.mediaType, size: body.length, body, document };
    } catch (e) {
      throw tagImage(e, formatReference(ref));
    }
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
    const image = formatReference(ref);
    if (desc.size > this.limits.maxManifestBytes) {
      throw new LayerlensError('TOO_LARGE', `blob of ${desc.size} bytes exceeds the limit of ${this.limits.maxManifestBytes}`, { step, image, retryable: false });
    }
    const res = await this.request(ref, `/blobs/${desc.digest}`, { step, signal });
    try {
      const body = await res.bytes(this.limits.maxManifestBytes);
      verifyBytes(body, desc.digest, step);
      return body;
    } catch (e) {
      throw tagImage(e, image);
    }
  }

  /**
   * A layer blob as a stream that errors unless its bytes match the descriptor's digest and size. A download that
   * breaks is resumed (blob-stream.ts). A blob the registry does not have but whose descriptor lists `urls` (a
   * foreign / non-distributable layer) is fetched from those URLs, without credentials and through the SSRF guard.
   */
  async openBlob(ref: ImageReference, desc: Descriptor, signal?: AbortSignal): Promise<Readable> {
    const step = `pull layer ${desc.digest}`;
    const image = formatReference(ref);
    if (desc.size > this.limits.maxLayerBytes) {
      throw new LayerlensError('TOO_LARGE', `layer of ${desc.size} bytes exceeds LAYERLENS_MAX_LAYER_BYTES (${this.limits.maxLayerBytes})`, {
        step,
        image,
        retryable: false,
      });
    }
    let foreignUrl: string | undefined;
    const open = async (offset: number): Promise<BlobPart> => {
      const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
      let res: TransportResponse;
      if (foreignUrl) {
        res = await this.fetchForeign(foreignUrl, headers, step, image, signal);
      } else {
        try {
          res = await this.request(ref, `/blobs/${desc.digest}`, { step, signal, headers });
        } catch (e) {
          if (!(e instanceof LayerlensError) || e.code !== 'BLOB_UNKNOWN' || !desc.urls?.length) throw e;
          ({ url: foreignUrl, res } = await this.firstForeign(desc.urls, headers, step, image, signal, e));
        }
      }
      const start = res.status === 206 ? contentRangeStart(res.headers.get('content-range')) : 0;
      if (start === undefined) {
        res.discard();
        throw new LayerlensError('REGISTRY_ERROR', 'a partial response without a readable Content-Range', { step, image, retryable: true });
      }
      return { body: res.body(), start };
    };
    // The first request happens here, so that 404/401/429 still surface from openBlob itself.
    let first: BlobPart | undefined = await open(0);
    const blob = resumableBlob(
      (offset) => {
        const part = first;
        first = undefined;
        return part && offset === 0 ? Promise.resolve(part) : open(offset);
      },
      desc.size,
      step,
      { maxResumes: this.maxBlobResumes, signal },
    );
    const verify = verifyingStream(desc.digest, desc.size, step);
    // Registered before pipeline's own listeners, so the image is on the error before anyone downstream sees it.
    for (const s of [blob, verify]) s.on('error', (e: unknown) => tagImage(e, image));
    // The verifier is the stream handed out (no PassThrough after it: one stage less per chunk of a layer); pipeline
    // destroys it with the blob's errors, and its own (size, digest) end it.
    pipeline(blob, verify, () => undefined);
    return verify;
  }

  private async firstForeign(
    urls: string[],
    headers: Record<string, string>,
    step: string,
    image: string,
    signal: AbortSignal | undefined,
    registryError: LayerlensError,
  ): Promise<{ url: string; res: TransportResponse }> {
    let last: unknown = registryError;
    for (const url of urls) {
      try {
        return { url, res: await this.fetchForeign(url, headers, step, image, signal) };
      } catch (e) {
        // An SSRF refusal must not hide behind a later URL's 404: it is what the operator needs to see.
        if (e instanceof LayerlensError && e.code === 'REGISTRY_NOT_ALLOWED') throw e;
        last = e;
      }
    }
    throw last;
  }

  /** A foreign layer URL: http(s) only, no credentials (they belong to the registry), guarded like every hop. */
  private async fetchForeign(url: string, headers: Record<string, string>, step: string, image: string, signal?: AbortSignal): Promise<TransportResponse> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new LayerlensError('BLOB_UNKNOWN', `foreign layer URL ${JSON.stringify(url.slice(0, 200))} is not a URL`, { step, image, retryable: false });
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw new LayerlensError('BLOB_UNKNOWN', `foreign layer URL scheme ${parsed.protocol} is not supported`, { step, image, retryable: false });
    }
    let res: TransportResponse;
    try {
      res = await this.transport.send(parsed.toString(), { step: `${step} from ${parsed.host}`, signal, headers, guard: this.guard });
    } catch (e) {
      throw tagImage(e, image);
    }
    if (res.status >= 200 && res.status < 300) return res;
    res.discard();
    throw new LayerlensError('BLOB_UNKNOWN', `foreign layer URL ${parsed.host}${parsed.pathname} answered ${res.status}`, {
      step,
      image,
      httpStatus: res.status,
      retryable: false,
    });
  }

  /**
   * A request under `/v2/<repository>` (or a full URL the registry gave, such as an upload location), with this
   * client's auth: pushes ask for the `pull,push` scope. Used by registry/push.ts.
   */
  async send(
    ref: ImageReference,
    path: string,
    opts: { step: string; signal?: AbortSignal; method?: 'GET' | 'HEAD' | 'POST' | 'PUT'; headers?: Record<string, string>; body?: Buffer; push?: boolean; accept404?: boolean },
  ): Promise<TransportResponse> {
    return this.request(ref, path, opts);
  }

  private async request(
    ref: ImageReference,
    path: string,
    opts: { step: string; signal?: AbortSignal; method?: 'GET' | 'HEAD' | 'POST' | 'PUT'; headers?: Record<string, string>; body?: Buffer; push?: boolean; accept404?: boolean },
  ): Promise<TransportResponse> {
    const ctx = {
      registry: ref.registry,
      scope: `repository:${ref.repository}:${opts.push ? 'pull,push' : 'pull'}`,
      plainHttp: this.isPlainHttp(ref.registry),
      signal: opts.signal,
      guard: this.guard,
    };
    try {
      const base = this.baseUrl(ref.registry);
      const url = /^https?:\/\//.test(path) ? path : path.startsWith('/v2/') ? `${base}${path}` : `${base}/v2/${ref.repository}${path}`;
      // An upload location on another origin would get this registry's credentials: refused.
      if (new URL(url).origin !== new URL(base).origin) throw new LayerlensError('REGISTRY_ERROR', `${ref.registry} sent a location on another origin`, { step: opts.step, retryable: false });
      const send = (auth?: string) =>
        this.transport.send(url, {
          method: opts.method,
          body: opts.body,
          step: opts.step,
          signal: opts.signal,
          guard: this.guard,
          headers: { ...opts.headers, ...(auth ? { authorization: auth } : {}) },
        });
      let res = await send(this.auth.cached(ctx));
      // Once: a 401 means no token yet, or a cached one that expired early or was revoked. A second 401 is final.
      if (res.status === 401) {
        const challenge = res.headers.get('www-authenticate');
        res.discard();
        this.auth.forget(ctx);
        res = await send(await this.auth.authenticate(ctx, challenge));
        // A token the registry refuses is not kept: the next request starts from a fresh challenge.
        if (res.status === 401) this.auth.forget(ctx);
      }
      if ((res.status >= 200 && res.status < 300) || (opts.accept404 && res.status === 404)) return res;
      throw await this.errorFor(res, ref, opts.step);
    } catch (e) {
      throw tagImage(e, formatReference(ref));
    }
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

  /** A small JSON document under `/v2/<repository>` (tags/list), with this client's auth: used by registry/tags.ts. */
  async getRepositoryDocument(ref: ImageReference, path: string, step: string, signal?: AbortSignal): Promise<{ text: string; link: string | null }> {
    const res = await this.request(ref, path, { step, signal, headers: { accept: 'application/json' } });
    return { text: await res.text(this.limits.maxManifestBytes), link: res.headers.get('link') };
  }
}

/** Adds the image to a LayerlensError that has none (transport errors know the step, not the image). */
function tagImage(e: unknown, image: string): unknown {
  if (e instanceof LayerlensError && !e.image) e.image = image;
  return e;
}
