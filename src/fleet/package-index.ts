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
import { gunzipSync, gzipSync } from 'node:zlib';
import type { RedisClient } from '../redis/connect.js';
import { KeySpace } from '../redis/keys.js';
import { execOrThrow, runAcrossSlots } from '../redis/across-slots.js';
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
    private readonly redis: RedisClient,
    private readonly results: { getMeta(digest: string): Promise<ResultMeta | undefined> },
    private readonly options: PackageIndexOptions,
  ) {
    this.keys = new KeySpace(options.prefix);
  }

  private readonly keys: KeySpace;

  /** Beside the image's result, in its slot. */
  private factsKey(digest: string) {
    return this.keys.resultKey(this.options.analyzerVersion, digest, 'packages');
  }
  /**
   * Per package identity, one sorted set (all scores 0, so ordered and ranged by member bytes) of
   * `digest TAB versions-json`: digests are fixed-length, so the order is digest order, a page is one ZRANGEBYLEX,
   * and an image's entry is removed by its digest prefix without knowing its versions.
   */
  private identityKey(identity: string) {
    return this.keys.packageIndex(this.options.analyzerVersion, identity);
  }
  private referencesKey(digest: string) {
    return this.keys.imageReferences(digest);
  }

  /** Index one completed analysis (called in the step that stores its result). */
  async record(image: ImageFacts): Promise<void> {
    const ttl = this.options.ttlSeconds ?? 0;
    // gzip'd: an image's facts are repetitive JSON (a 300-package image: 62 kB → about a tenth).
    const body = gzipSync(JSON.stringify(image));
    const previous = ttl > 0 ? await this.redis.setBuffer(this.factsKey(image.digest), body, 'EX', ttl, 'GET') : await this.redis.setBuffer(this.factsKey(image.digest), body, 'GET');
    // Indexed before (a forced re-analysis): its old entries go first, so no image is listed twice.
    if (previous) await this.dropEntries(image.digest, decodeFacts(previous));
    const byIdentity = new Map<string, StoredVersion[]>();
    for (const f of image.facts) {
      const entry: StoredVersion = [f.version, f.purl, f.layer ?? null, f.ownedBy ?? null];
      const list = byIdentity.get(f.identity);
      if (list) list.push(entry);
      else byIdentity.set(f.identity, [entry]);
    }
    // Not one MULTI: the per-package sets are spread over cluster slots; each ZADD is idempotent.
    await runAcrossSlots(
      this.redis,
      [...byIdentity].map(([identity, versions]) => (p) => p.zadd(this.identityKey(identity), 0, `${image.digest}\t${JSON.stringify(versions)}`)),
    );
    await this.addReference(image.digest, image.image);
  }

  async facts(digest: string): Promise<ImageFacts | undefined> {
    const raw = await this.redis.getBuffer(this.factsKey(digest));
    return raw ? decodeFacts(raw) : undefined;
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
    if (image) await this.dropEntries(digest, image);
    // Two slots: two commands.
    await this.redis.del(this.factsKey(digest));
    await this.redis.del(this.referencesKey(digest));
  }

  private async dropEntries(digest: string, image: ImageFacts): Promise<void> {
    const identities = [...new Set(image.facts.map((f) => f.identity))];
    await runAcrossSlots(this.redis, identities.map((identity) => (p) => p.zremrangebylex(this.identityKey(identity), ...entriesOf(digest))));
  }

  /**
   * Images holding `identity` (optionally only versions in `range`), in digest order after `cursor`. Entries whose
   * result is gone are skipped and dropped from the index.
   */
  async query(identity: string, range: VersRange | undefined, page: { cursor?: string; limit: number }): Promise<PackageQueryPage> {
    const key = this.identityKey(identity);
    const images: PackageMatch[] = [];
    const stale: string[] = [];
    let after = page.cursor;
    let exhausted = false;
    // Entries in digest order, a batch at a time, until the page is full: a range that few images match still
    // pages, and a package every image holds costs one page of reads, not the whole fleet.
    while (!exhausted && images.length < page.limit) {
      const batchSize = Math.max(page.limit - images.length, 64);
      const entries = await this.redis.zrangebylex(key, after ? entriesOf(after)[1] : '-', '+', 'LIMIT', 0, batchSize);
      exhausted = entries.length < batchSize;
      const batch: { digest: string; packages: IndexedVersion[] }[] = [];
      for (const entry of entries) {
        if (batch.length + images.length >= page.limit) {
          exhausted = false;
          break;
        }
        const tab = entry.indexOf('\t');
        const digest = entry.slice(0, tab);
        after = digest;
        const versions = (JSON.parse(entry.slice(tab + 1)) as StoredVersion[]).filter((v) => !range || versContains(range, v[0])).map(indexedVersion);
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
    if (stale.length) {
      await runAcrossSlots(this.redis, stale.map((d) => (p) => p.zremrangebylex(key, ...entriesOf(d))));
    }
    if (images.length < page.limit) return { images };
    // A full page: there is a next one unless the order ends right here.
    const last = images[images.length - 1]!.digest;
    const rest = await this.redis.zrangebylex(key, entriesOf(last)[1], '+', 'LIMIT', 0, 1);
    return rest.length ? { images, next: last } : { images };
  }
}

/**
 * One version as a per-package hash stores it: positional, because a fleet holds millions of these entries
 * (10 000 images × 300 packages) and JSON keys would be a quarter of their bytes.
 */
type StoredVersion = [version: string, purl: string, layer: number | null, ownedBy: string | null];

function indexedVersion([version, purl, layer, ownedBy]: StoredVersion): IndexedVersion {
  const v: IndexedVersion = { version, purl };
  if (layer !== null) v.layer = layer;
  if (ownedBy !== null) v.ownedBy = ownedBy;
  return v;
}

/**
 * The lex range holding `digest`'s entry: from `[digest TAB` to just past it. Every entry continues with `[` (the
 * JSON array) after the tab, which sorts below DEL (0x7f), the exclusive end.
 */
function entriesOf(digest: string): [string, string] {
  return [`[${digest}\t`, `(${digest}\t\x7f`];
}

function decodeFacts(raw: Buffer): ImageFacts {
  return JSON.parse(gunzipSync(raw).toString('utf8')) as ImageFacts;
}

/** `registry/repository:tag` of a reference, or the repository alone for one pinned by digest only. */
export function referenceName(reference: string): string | undefined {
  const at = reference.indexOf('@');
  const name = at >= 0 ? reference.slice(0, at) : reference;
  return name === '' || name.length > 1024 ? undefined : name;
}
