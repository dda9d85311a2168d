/**
 * What inspection needs from a registry: manifests, the digest a tag points to, small blobs (image configs) and
 * repository documents (tags/list). The RegistryClient is one; CachingRegistryReader wraps one for the API process:
 * tag → digest answers are kept briefly (tags move), manifests and configs by digest until evicted (a digest names
 * immutable content, and the client verifies bytes against it).
 */
import { cancelledRequest } from '../errors.js';
import type { FetchedManifest, RegistryClient } from '../registry/client.js';
import type { Descriptor } from '../registry/manifest.js';
import { formatReference, type ImageReference } from '../registry/reference.js';
import { SingleFlight } from '../util/single-flight.js';
import { Lru } from './lru.js';

export type RegistryReader = Pick<RegistryClient, 'getManifest' | 'resolveDigest' | 'getBlobBytes' | 'getRepositoryDocument'>;

export interface CachingReaderOptions {
  /** How long a tag → digest answer is reused (LAYERLENS_TAG_CACHE_SECONDS); 0 turns the tag cache off. */
  tagTtlMs: number;
  maxEntries?: number;
  /** Manifests and configs are at most LAYERLENS_MAX_MANIFEST_BYTES each; this bounds them all together. */
  maxBytes?: number;
  clock?: () => number;
}

/** Overhead counted per entry on top of its body, so many tiny entries still count against the byte budget. */
const ENTRY_OVERHEAD = 256;

export class CachingRegistryReader implements RegistryReader {
  private readonly tags: Lru<string>;
  private readonly content: Lru<FetchedManifest | Buffer>;
  private readonly flights = new SingleFlight<unknown>(() => cancelledRequest());

  constructor(
    private readonly inner: RegistryReader,
    private readonly options: CachingReaderOptions,
  ) {
    const maxEntries = options.maxEntries ?? 1000;
    this.tags = new Lru<string>({ maxEntries: maxEntries * 10, maxBytes: maxEntries * 10 * ENTRY_OVERHEAD, clock: options.clock });
    this.content = new Lru({ maxEntries, maxBytes: options.maxBytes ?? 64 * 1024 * 1024, clock: options.clock });
  }

  async getManifest(ref: ImageReference, signal?: AbortSignal): Promise<FetchedManifest> {
    const digest = ref.digest ?? this.cachedTag(ref);
    if (digest) {
      const hit = this.content.get(`${repoKey(ref)}@${digest}`);
      if (hit && !Buffer.isBuffer(hit)) return hit;
    }
    // Concurrent inspections of one reference share one request.
    return this.once(`manifest ${formatReference(ref)}`, signal, async (shared) => {
      const fetched = await this.inner.getManifest(ref, shared);
      this.content.set(`${repoKey(ref)}@${fetched.digest}`, fetched, fetched.size + ENTRY_OVERHEAD);
      if (!ref.digest) this.rememberTag(ref, fetched.digest);
      return fetched;
    });
  }

  async resolveDigest(ref: ImageReference, signal?: AbortSignal): Promise<string> {
    if (ref.digest) return ref.digest;
    const cached = this.cachedTag(ref);
    if (cached) return cached;
    return this.once(`tag ${formatReference(ref)}`, signal, async (shared) => {
      const digest = await this.inner.resolveDigest(ref, shared);
      this.rememberTag(ref, digest);
      return digest;
    });
  }

  async getBlobBytes(ref: ImageReference, desc: Descriptor, signal?: AbortSignal): Promise<Buffer> {
    const key = `${repoKey(ref)}@${desc.digest}`;
    const hit = this.content.get(key);
    if (hit && Buffer.isBuffer(hit)) return hit;
    return this.once(`blob ${key}`, signal, async (shared) => {
      const body = await this.inner.getBlobBytes(ref, desc, shared);
      this.content.set(key, body, body.length + ENTRY_OVERHEAD);
      return body;
    });
  }

  /** Tag lists change with every push and are paged by the caller: never cached. */
  getRepositoryDocument(ref: ImageReference, path: string, step: string, signal?: AbortSignal) {
    return this.inner.getRepositoryDocument(ref, path, step, signal);
  }

  private cachedTag(ref: ImageReference): string | undefined {
    return ref.tag && this.options.tagTtlMs > 0 ? this.tags.get(`${repoKey(ref)}:${ref.tag}`) : undefined;
  }

  private rememberTag(ref: ImageReference, digest: string): void {
    if (ref.tag && this.options.tagTtlMs > 0) this.tags.set(`${repoKey(ref)}:${ref.tag}`, digest, ENTRY_OVERHEAD, this.options.tagTtlMs);
  }

  /** Concurrent readers of one key share one request; a reader that hangs up does not cancel it for the others. */
  private once<T>(key: string, signal: AbortSignal | undefined, fn: (shared: AbortSignal) => Promise<T>): Promise<T> {
    return this.flights.run(key, fn, signal) as Promise<T>;
  }
}

/**
 * Content is keyed per repository, not by digest alone: a registry only serves a digest to those allowed to pull
 * that repository, so one repository's cached manifest must not answer for another's.
 */
function repoKey(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}`;
}
