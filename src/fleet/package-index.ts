/**
 * The fleet's package index in Redis. Per analysed image, its package facts (one key, beside the result); per
 * package identity (`type/namespace/name`), a hash of digest → the versions that image holds. Queries read one
 * identity's hash, filter by version range, and page by digest order (stable, cursor = last digest served).
 *
 * The per-identity hashes live in other cluster slots than the image's own keys, so they cannot be written in the
 * result's transaction: the facts key is the truth and is written first; the hashes are derived from it
 * (idempotent, re-derivable), and a query skips — and lazily removes — entries whose image result is gone, so an
 * image that expired or was removed is never answered.
 */
import type { Redis } from 'ioredis';
import type { ResultMeta } from '../cache/stores.js';
import type { VersRange } from '../versions/vers.js';
import { versContains } from '../versions/vers.js';
import type { PackageFact } from './package-facts.js';

/** One version of the queried package in one image, as the index keeps it. */
export interface IndexedVersion {
  version: string;
  purl: string;
  layer?: number;
  ownedBy?: string;
}

export interface ImageFacts {
  digest: string;
  image: string;
  platform: string;
  facts: PackageFact[];
}

export interface PackageMatch {
  digest: string;
  platform: string;
  references: string[];
  analyzedAt: string;
  packages: IndexedVersion[];
}

export interface PackageQueryPage {
  images: PackageMatch[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  next?: string;
}

/** How many references an image keeps (most recently seen first): a tag scheme that churns stays bounded. */
const MAX_REFERENCES = 100;

export interface PackageIndexOptions {
  prefix?: string;
  analyzerVersion: string;
  /** Expire an image's facts with its result (seconds; 0 = keep). */
  ttlSeconds?: number;
}

export class PackageIndex {
  constructor(
    private readonly redis: Redis,
    private readonly results: { getMeta(digest: string): Promise<ResultMeta | undefined> },
    private readonly options: PackageIndexOptions,
  ) {}

  private get prefix() {
    return this.options.prefix ?? 'layerlens';
  }
  private factsKey(digest: string) {
    return `${this.prefix}:pkgfacts:${this.options.analyzerVersion}:{${digest}}`;
  }
  private identityKey(identity: string) {
    return `${this.prefix}:pkgidx:${this.options.analyzerVersion}:{${identity}}`;
  }
  private referencesKey(digest: string) {
    return `${this.prefix}:refs:{${digest}}`;
  }

  /** Index one completed analysis (called in the step that stores its result). */
  async record(image: ImageFacts): Promise<void> {
    const ttl = this.options.ttlSeconds ?? 0;
    const body = JSON.stringify(image);
    if (ttl > 0) await this.redis.set(this.factsKey(image.digest), body, 'EX', ttl);
    else await this.redis.set(this.factsKey(image.digest), body);
    const byIdentity = new Map<string, IndexedVersion[]>();
    for (const f of image.facts) {
      const entry: IndexedVersion = { version: f.version, purl: f.purl };
      if (f.layer !== undefined) entry.layer = f.layer;
      if (f.ownedBy) entry.ownedBy = f.ownedBy;
      const list = byIdentity.get(f.identity);
      if (list) list.push(entry);
      else byIdentity.set(f.identity, [entry]);
    }
    // Pipelined, not MULTI: the identity hashes are spread over cluster slots; each HSET is idempotent.
    let pipeline = this.redis.pipeline();
    let queued = 0;
    for (const [identity, versions] of byIdentity) {
      pipeline.hset(this.identityKey(identity), image.digest, JSON.stringify(versions));
      if (++queued % 1000 === 0) {
        await execOrThrow(pipeline);
        pipeline = this.redis.pipeline();
      }
    }
    await execOrThrow(pipeline);
    await this.addReference(image.digest, image.image);
  }

  async facts(digest: string): Promise<ImageFacts | undefined> {
    const raw = await this.redis.get(this.factsKey(digest));
    return raw ? (JSON.parse(raw) as ImageFacts) : undefined;
  }

  /** Remember a name the image is known by (repository:tag, from analyses, webhooks and watches). */
  async addReference(digest: string, reference: string): Promise<void> {
    const name = referenceName(reference);
    if (!name) return;
    const key = this.referencesKey(digest);
    await execOrThrow(this.redis.multi().zadd(key, Date.now(), name).zremrangebyrank(key, 0, -(MAX_REFERENCES + 1)));
  }

  async references(digest: string): Promise<string[]> {
    return this.redis.zrevrange(this.referencesKey(digest), 0, -1);
  }

  /** Remove an image from the index (with its result). */
  async remove(digest: string): Promise<void> {
    const image = await this.facts(digest);
    if (image) {
      const pipeline = this.redis.pipeline();
      for (const identity of new Set(image.facts.map((f) => f.identity))) pipeline.hdel(this.identityKey(identity), digest);
      await execOrThrow(pipeline);
    }
    await this.redis.del(this.factsKey(digest), this.referencesKey(digest));
  }

  /**
   * Images holding `identity` (optionally only versions in `range`), in digest order after `cursor`. Entries whose
   * result is gone are skipped and dropped from the index.
   */
  async query(identity: string, range: VersRange | undefined, page: { cursor?: string; limit: number }): Promise<PackageQueryPage> {
    const key = this.identityKey(identity);
    const all = await this.redis.hgetall(key);
    const digests = Object.keys(all).filter((d) => !page.cursor || d > page.cursor).sort();
    const images: PackageMatch[] = [];
    const stale: string[] = [];
    let i = 0;
    // Reads results in batches of the page size until the page is full: a range that few images match still pages.
    while (i < digests.length && images.length < page.limit) {
      const batch: { digest: string; packages: IndexedVersion[] }[] = [];
      for (; i < digests.length && batch.length < page.limit - images.length; i++) {
        const digest = digests[i]!;
        const versions = (JSON.parse(all[digest]!) as IndexedVersion[]).filter((v) => !range || versContains(range, v.version));
        if (versions.length) batch.push({ digest, packages: versions });
      }
      const found = await Promise.all(batch.map(async (b) => [await this.results.getMeta(b.digest), await this.references(b.digest)] as const));
      batch.forEach((b, j) => {
        const [meta, references] = found[j]!;
        if (!meta) {
          stale.push(b.digest);
          return;
        }
        images.push({ digest: b.digest, platform: meta.platform, references, analyzedAt: meta.completedAt, packages: b.packages });
      });
    }
    if (stale.length) await this.redis.hdel(key, ...stale.slice(0, 1000));
    const more = i < digests.length && images.length === page.limit;
    return more ? { images, next: images[images.length - 1]!.digest } : { images };
  }
}

/** `registry/repository:tag` of a reference, or the repository alone for one pinned by digest only. */
export function referenceName(reference: string): string | undefined {
  const at = reference.indexOf('@');
  const name = at >= 0 ? reference.slice(0, at) : reference;
  return name === '' || name.length > 1024 ? undefined : name;
}

async function execOrThrow(tx: { exec(): Promise<[Error | null, unknown][] | null> }): Promise<void> {
  const replies = await tx.exec();
  const failed = replies?.find(([err]) => err);
  if (failed) throw failed[0];
}
