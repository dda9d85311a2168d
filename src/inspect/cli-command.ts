/**
 * `layerlens inspect` and `layerlens tags` for the CLI: no cache (one run, one answer), results from Redis only when
 * asked (`--results`), tags gathered page by page up to the limit.
 */
import type { ResultStore } from '../cache/stores.js';
import type { RedisTarget } from '../redis/target.js';
import { parseReference } from '../registry/reference.js';
import { inspectImage } from './inspect-image.js';
import { listTags, type TagListing } from './list-tags.js';
import { CachingRegistryReader, type RegistryReader } from './registry-reader.js';
import { parseRepository } from './repository.js';
import { formatInspectTable, formatTagsTable } from './table.js';

export interface InspectCommandOptions {
  format: 'table' | 'json';
  pattern?: string;
  /** Most tags listed (default 1000). */
  limit?: number;
  last?: string;
  /** Read layerlens' results from this Redis to annotate digests. */
  redis?: RedisTarget;
}

export async function runInspectCommand(command: 'inspect' | 'tags', target: string, client: RegistryReader, options: InspectCommandOptions): Promise<string> {
  // Within one run, tags that share a digest share its manifest and config (immutable); tags are always asked anew.
  const reader = new CachingRegistryReader(client, { tagTtlMs: 0 });
  const store = options.redis ? await openResults(options.redis) : undefined;
  try {
    if (command === 'inspect') {
      const x = await inspectImage(reader, parseReference(target), { results: store?.results });
      return options.format === 'json' ? `${JSON.stringify(x, null, 2)}\n` : formatInspectTable(x);
    }
    const listing = await allTags(reader, target, options, store?.results);
    return options.format === 'json' ? `${JSON.stringify(listing, null, 2)}\n` : formatTagsTable(listing);
  } finally {
    store?.close();
  }
}

/** Pages of at most 100 tags, so each page's requests finish before the next page is asked for. */
async function allTags(reader: RegistryReader, target: string, options: InspectCommandOptions, results?: ResultStore): Promise<TagListing> {
  const repo = parseRepository(target);
  const limit = options.limit ?? 1000;
  let out: TagListing | undefined;
  let last = options.last;
  do {
    const page = await listTags(reader, repo, { pattern: options.pattern, limit: Math.min(100, limit - (out?.tags.length ?? 0)), last, results });
    out = { repository: page.repository, tags: [...(out?.tags ?? []), ...page.tags], next: page.next };
    last = page.next;
  } while (last && out.tags.length < limit);
  return out;
}

async function openResults(target: RedisTarget): Promise<{ results: ResultStore; close(): void }> {
  const { connectRedis } = await import('../redis/connect.js');
  const { RedisResultStore } = await import('../cache/redis-result-store.js');
  // Fail fast when Redis is not there: the listing is the point, results are an extra.
  const redis = connectRedis(target, 'probe');
  redis.on('error', () => undefined);
  await redis.connect();
  return { results: new RedisResultStore(redis), close: () => redis.disconnect() };
}
