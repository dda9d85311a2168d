/**
 * Results in Redis, keyed by platform manifest digest × analyzer version. The three parts of a result are written
 * in one MULTI so a reader sees all of it or nothing (nothing half-written is ever served); their keys share a hash
 * tag, so on Redis Cluster that MULTI runs on one shard. SBOM and layer report are stored gzip'd (level 9: written
 * once, read many times; a CycloneDX SBOM shrinks ~10×), meta stays JSON (it is read on every poll).
 */
import { promisify } from 'node:util';
import { gunzip as gunzipCb, gzip as gzipCb } from 'node:zlib';
import type { RedisClient } from '../redis/connect.js';
import { KeySpace } from '../redis/keys.js';
import { ANALYZER_VERSION } from '../catalog/catalogers.js';
import type { ResultMeta, ResultStore, StoredResult } from './stores.js';

export class RedisResultStore implements ResultStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly options: { prefix?: string; ttlSeconds?: number; analyzerVersion?: string } = {},
  ) {
    this.keys = new KeySpace(options.prefix);
  }

  private readonly keys: KeySpace;

  private key(digest: string, part: 'meta' | 'sbom' | 'layers'): string {
    return this.keys.resultKey(this.options.analyzerVersion ?? ANALYZER_VERSION, digest, part);
  }

  async getMeta(digest: string): Promise<ResultMeta | undefined> {
    const raw = await this.redis.get(this.key(digest, 'meta'));
    return raw ? (JSON.parse(raw) as ResultMeta) : undefined;
  }

  async getSbom(digest: string): Promise<string | undefined> {
    return this.text('sbom', digest);
  }

  async getLayers(digest: string): Promise<string | undefined> {
    return this.text('layers', digest);
  }

  async getGzipped(part: 'sbom' | 'layers', digest: string): Promise<Buffer | undefined> {
    const raw = await this.redis.getBuffer(this.key(digest, part));
    if (!raw) return undefined;
    // Results written before compression are plain JSON: compress on the way out rather than fail.
    return isGzip(raw) ? raw : gzip(raw, { level: 6 });
  }

  private async text(part: 'sbom' | 'layers', digest: string): Promise<string | undefined> {
    const raw = await this.redis.getBuffer(this.key(digest, part));
    if (!raw) return undefined;
    return (isGzip(raw) ? await gunzip(raw) : raw).toString('utf8');
  }

  async put(result: StoredResult): Promise<void> {
    const d = result.meta.digest;
    const ttl = this.options.ttlSeconds ?? 0;
    const tx = this.redis.multi();
    const [sbom, layers] = await Promise.all([gzip(result.sbom, { level: 9 }), gzip(result.layers, { level: 9 })]);
    const entries: [string, string | Buffer][] = [
      [this.key(d, 'sbom'), sbom],
      [this.key(d, 'layers'), layers],
      // meta last: its presence is what marks a result as complete.
      [this.key(d, 'meta'), JSON.stringify(result.meta)],
    ];
    for (const [k, v] of entries) {
      if (ttl > 0) tx.set(k, v, 'EX', ttl);
      else tx.set(k, v);
    }
    const replies = await tx.exec();
    const failed = replies?.find(([err]) => err);
    if (!replies || failed) throw new Error(`storing the result for ${d} failed: ${failed?.[0]?.message ?? 'transaction aborted'}`);
  }
}

const gzip = promisify(gzipCb);
const gunzip = promisify(gunzipCb);

/** gzip's magic (1f 8b); a JSON body starts with `{` or whitespace, so the two never collide. */
export function isGzip(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}
