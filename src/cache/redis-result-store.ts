/**
 * Results in Redis, keyed by platform manifest digest × analyzer version. The three parts of a result are written
 * in one MULTI so a reader sees all of it or nothing (nothing half-written is ever served); their keys share a hash
 * tag, so on Redis Cluster that MULTI runs on one shard.
 */
import type { RedisClient } from '../redis/connect.js';
import { KeySpace } from '../redis/keys.js';
import { ANALYZER_VERSION } from '../version.js';
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
    return (await this.redis.get(this.key(digest, 'sbom'))) ?? undefined;
  }

  async getLayers(digest: string): Promise<string | undefined> {
    return (await this.redis.get(this.key(digest, 'layers'))) ?? undefined;
  }

  async put(result: StoredResult): Promise<void> {
    const d = result.meta.digest;
    const ttl = this.options.ttlSeconds ?? 0;
    const tx = this.redis.multi();
    const entries: [string, string][] = [
      [this.key(d, 'sbom'), result.sbom],
      [this.key(d, 'layers'), result.layers],
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
