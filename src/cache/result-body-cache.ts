/**
 * An in-process LRU of result bodies (SBOM, layer report) in front of the result store, for the API. A result is
 * immutable for a digest × analyzer version, so an entry never goes stale: it is only evicted, least recently used
 * first, when the bodies held pass `maxBytes`. Each entry is prepared once — UTF-8 bytes, a gzip variant when that
 * is smaller, the ETag and the response headers — so a hit costs a Map lookup and no JSON, string or header work.
 * Concurrent misses for the same body share one store read (single-flight).
 */
import { promisify } from 'node:util';
import { gunzip as gunzipCb, gzip as gzipCb } from 'node:zlib';

const gzip = promisify(gzipCb);
const gunzip = promisify(gunzipCb);

/** A body as a store holds it, gzip'd (ResultStore.getGzipped). */
export interface StoredGzip {
  gzip: Buffer;
}

/** The layer report, or one representation of the SBOM (`sbom` is the stored form; see sbom/formats/represent.ts). */
export type ResultPart = 'layers' | 'sbom' | `sbom-${string}`;
export type Bytes = Uint8Array<ArrayBuffer>;

export interface CachedBody {
  etag: string;
  identity: Bytes;
  /** The gzip'd body, when the body is large enough for it to pay off. */
  gzip?: Bytes;
  /** Response headers for each variant, prepared once (content-length included). */
  identityHeaders: Record<string, string>;
  gzipHeaders?: Record<string, string>;
}

export interface ResultBodyCacheOptions {
  /** Upper bound on the bytes of bodies held (identity + gzip); 0 keeps nothing. */
  maxBytes: number;
  analyzerVersion: string;
  contentType(part: ResultPart): string;
  /** Bodies below this size are not compressed (the headers would eat the gain). Default 1 KiB. */
  minGzipBytes?: number;
}

export function resultEtag(analyzerVersion: string, part: ResultPart, digest: string): string {
  return `"${analyzerVersion}-${part}-${digest.slice(7)}"`;
}

export class ResultBodyCache {
  private readonly entries = new Map<string, CachedBody>();
  private readonly pending = new Map<string, Promise<CachedBody | undefined>>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly options: ResultBodyCacheOptions) {}

  get size(): number {
    return this.entries.size;
  }

  get heldBytes(): number {
    return this.bytes;
  }

  /** The prepared body if it is held (and marks it recently used); no I/O. */
  peek(part: ResultPart, digest: string): CachedBody | undefined {
    const key = `${part}:${digest}`;
    const hit = this.entries.get(key);
    if (hit) {
      // Re-inserting moves the key to the end of the Map's order: the oldest entry is always the first.
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  /** The prepared body, read through `load` on a miss (shared by concurrent callers); undefined when there is none. */
  async get(part: ResultPart, digest: string, load: () => Promise<string | StoredGzip | undefined>): Promise<CachedBody | undefined> {
    const hit = this.peek(part, digest);
    if (hit) {
      this.hits++;
      return hit;
    }
    this.misses++;
    const key = `${part}:${digest}`;
    let flight = this.pending.get(key);
    if (!flight) {
      flight = (async () => {
        const loaded = await load();
        if (loaded === undefined) return undefined; // not cached: the result may appear any moment
        const body = typeof loaded === 'string' ? await this.prepare(part, digest, loaded) : await this.prepareStored(part, digest, loaded.gzip);
        this.insert(key, body);
        return body;
      })().finally(() => this.pending.delete(key));
      this.pending.set(key, flight);
    }
    return flight;
  }

  private async prepare(part: ResultPart, digest: string, text: string): Promise<CachedBody> {
    const { etag, common } = this.headers(part, digest);
    const identity = Buffer.from(text, 'utf8') as Bytes;
    const body: CachedBody = { etag, identity, identityHeaders: { ...common, 'content-length': String(identity.length) } };
    if (identity.length >= (this.options.minGzipBytes ?? 1024)) {
      const zipped = await gzip(identity, { level: 6 });
      if (zipped.length < identity.length) {
        body.gzip = zipped as Bytes;
        body.gzipHeaders = { ...common, 'content-encoding': 'gzip', 'content-length': String(zipped.length) };
      }
    }
    return body;
  }

  /** A body the store already holds gzip'd: those bytes are the gzip variant as they are, identity is inflated once. */
  private async prepareStored(part: ResultPart, digest: string, zipped: Buffer): Promise<CachedBody> {
    const identity = (await gunzip(zipped)) as Bytes;
    const { etag, common } = this.headers(part, digest);
    return {
      etag,
      identity,
      identityHeaders: { ...common, 'content-length': String(identity.length) },
      gzip: zipped as Bytes,
      gzipHeaders: { ...common, 'content-encoding': 'gzip', 'content-length': String(zipped.length) },
    };
  }

  private headers(part: ResultPart, digest: string) {
    const etag = resultEtag(this.options.analyzerVersion, part, digest);
    const common = {
      'content-type': this.options.contentType(part),
      etag,
      'cache-control': 'public, max-age=31536000, immutable',
      // An SBOM's representation follows Accept (or ?format=): caches must key on it too.
      vary: part === 'layers' ? 'accept-encoding' : 'accept, accept-encoding',
    };
    return { etag, common };
  }

  private insert(key: string, body: CachedBody): void {
    const cost = body.identity.length + (body.gzip?.length ?? 0);
    if (cost > this.options.maxBytes) return; // larger than the whole cache: served, never held
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.bytes -= old.identity.length + (old.gzip?.length ?? 0);
    }
    this.entries.set(key, body);
    this.bytes += cost;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.options.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= v.identity.length + (v.gzip?.length ?? 0);
    }
  }
}

/** The variant of a prepared body to send: the gzip'd one when it is held and the client accepts it. */
export function bodyVariant(cached: CachedBody, acceptEncoding: string | undefined): { body: Bytes; headers: Record<string, string> } {
  if (cached.gzip && cached.gzipHeaders && acceptsGzip(acceptEncoding)) return { body: cached.gzip, headers: cached.gzipHeaders };
  return { body: cached.identity, headers: cached.identityHeaders };
}

/** True when an Accept-Encoding header admits gzip (q > 0). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  for (const part of header.split(',')) {
    const [coding, ...params] = part.trim().split(';');
    const name = coding.trim().toLowerCase();
    if (name !== 'gzip' && name !== 'x-gzip') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (!q || Number(q.slice(2)) > 0) return true;
  }
  return false;
}
