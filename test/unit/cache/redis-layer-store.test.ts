/** The Redis layer cache against a real Redis: round trips, versions, the size bound, and one walk per layer. */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisLayerSummaryStore } from '../../../src/cache/redis-layer-store.js';
import { LayerlensError } from '../../../src/errors.js';
import type { LayerSummary } from '../../../src/image/layer-summary.js';
import { dropPrefix, redisUrl, testPrefix } from '../../support/redis.js';
import { sampleSummary } from './sample.js';

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RedisLayerSummaryStore', () => {
  const prefix = testPrefix('layerstore');
  let a: Redis;
  let b: Redis;
  beforeAll(() => {
    a = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    b = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    a.disconnect();
    b.disconnect();
    await dropPrefix(prefix);
  });

  it('round-trips a summary byte-exact, captured bodies and hard-link targets included', async () => {
    const store = new RedisLayerSummaryStore(a, { prefix });
    const s = sampleSummary(digest(1));
    expect(await store.get(s.digest)).toBeUndefined();
    await store.put(s);
    const back = await new RedisLayerSummaryStore(b, { prefix }).get(s.digest);
    expect(back).toEqual(s);
    expect(back!.files.links).toEqual(['usr/bin/perl']);
    expect(back!.captured[1].content.equals(s.captured[1].content)).toBe(true);
  });

  it('ignores entries of another summary format or capture version', async () => {
    const s = sampleSummary(digest(2));
    await new RedisLayerSummaryStore(a, { prefix, summaryVersion: '1' }).put(s);
    await new RedisLayerSummaryStore(a, { prefix, captureVersion: 'older-catalogers' }).put(s);
    const current = new RedisLayerSummaryStore(a, { prefix });
    expect(await current.get(s.digest)).toBeUndefined();
    expect(current.key(s.digest)).not.toBe(new RedisLayerSummaryStore(a, { prefix, summaryVersion: '1' }).key(s.digest));
    // An undecodable value under the current key is a miss too, never an error.
    await a.set(current.key(s.digest), '{"old":"json"}');
    expect(await current.get(s.digest)).toBeUndefined();
  });

  it('does not store a summary over the size bound, and sets its TTL', async () => {
    const small = new RedisLayerSummaryStore(a, { prefix, maxBytes: 100, ttlSeconds: 60 });
    const s = sampleSummary(digest(3));
    await small.put(s);
    expect(small.stats.tooLarge).toBe(1);
    expect(await small.get(s.digest)).toBeUndefined();
    const roomy = new RedisLayerSummaryStore(a, { prefix, ttlSeconds: 60 });
    await roomy.put(sampleSummary(digest(4)));
    const ttl = await a.ttl(roomy.key(digest(4)));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it('walks a layer once for concurrent callers in one process and across processes', async () => {
    const s = sampleSummary(digest(5));
    let walks = 0;
    const walk = async (): Promise<LayerSummary> => {
      walks++;
      await delay(300);
      return s;
    };
    const one = new RedisLayerSummaryStore(a, { prefix, pollMs: 20 });
    const other = new RedisLayerSummaryStore(b, { prefix, pollMs: 20 }); // another "process": its own connection and map
    const results = await Promise.all([one.getOrCompute(s.digest, walk), one.getOrCompute(s.digest, walk), other.getOrCompute(s.digest, walk)]);
    expect(walks).toBe(1);
    for (const r of results) expect(r).toEqual(s);
    expect(other.stats.waits).toBeGreaterThan(0);
    expect(await a.exists(`${one.key(s.digest)}:lock`)).toBe(0);
    // Later calls are plain hits.
    await one.getOrCompute(s.digest, walk);
    expect(walks).toBe(1);
  });

  it('takes over when the lock holder died, and after a failed walk', async () => {
    const s = sampleSummary(digest(6));
    const store = new RedisLayerSummaryStore(a, { prefix, pollMs: 20 });
    // A holder that died: its lock is there, no renewals, it expires.
    await b.set(`${store.key(s.digest)}:lock`, 'dead-process', 'PX', 200);
    let walks = 0;
    expect(await store.getOrCompute(s.digest, async () => (walks++, s))).toEqual(s);
    expect(walks).toBe(1);
    expect(store.stats.waits).toBeGreaterThan(0);

    const t = sampleSummary(digest(7));
    const failing = new RedisLayerSummaryStore(b, { prefix, pollMs: 20 });
    const first = failing.getOrCompute(t.digest, async () => {
      await delay(100);
      throw new LayerlensError('DIGEST_MISMATCH', 'bad blob', { retryable: false });
    });
    await delay(20);
    const second = store.getOrCompute(t.digest, async () => t);
    await expect(first).rejects.toThrow('bad blob');
    expect(await second).toEqual(t);
  });

  it('lets every waiter walk on its own when the summary is too large to cache', async () => {
    const s = sampleSummary(digest(8));
    const store = new RedisLayerSummaryStore(a, { prefix, maxBytes: 10, pollMs: 20 });
    let walks = 0;
    await store.getOrCompute(s.digest, async () => (walks++, s));
    await store.getOrCompute(s.digest, async () => (walks++, s));
    expect(walks).toBe(2);
    expect(await a.exists(`${store.key(s.digest)}:lock`)).toBe(0);
  });
});
