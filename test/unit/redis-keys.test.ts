import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ANALYZE_QUEUE } from '../../src/jobs/analysis-job.js';
import { CALLBACK_QUEUE } from '../../src/jobs/callback-job.js';
import { RESCAN_QUEUE } from '../../src/jobs/rescan-job.js';
import { KeySpace } from '../../src/redis/keys.js';

// ioredis' own slot function (CRC16 of the hash tag), the one its Cluster client routes by.
const calculateSlot = createRequire(import.meta.url)('cluster-key-slot') as (key: string) => number;
const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('key scheme on Redis Cluster', () => {
  const keys = new KeySpace('layerlens');
  it('keeps every part of one result in one slot, and different results apart', () => {
    const slots = ['meta', 'sbom', 'layers', 'packages'].map((p) => calculateSlot(keys.resultKey('1.2.3', DIGEST, p)));
    expect(new Set(slots).size).toBe(1);
    const others = Array.from({ length: 20 }, (_, i) => calculateSlot(keys.resultKey('1.2.3', `sha256:${String(i).padStart(64, '0')}`, 'meta')));
    expect(new Set(others).size).toBeGreaterThan(10);
    // The analyzer version is part of the tag: a new version's results land elsewhere, not beside the old ones.
    expect(keys.resultKey('1.2.3', DIGEST, 'meta')).toContain(`{1.2.3:${DIGEST}}`);
  });
  it('puts a layer summary and its lock in one slot', () => {
    const k = keys.layerKey(3, 'abc', DIGEST);
    expect(calculateSlot(keys.layerLockKey(k))).toBe(calculateSlot(k));
    expect(calculateSlot(keys.layerKey(3, 'abc', `sha256:${'b'.repeat(64)}`))).not.toBe(calculateSlot(k));
  });
  it('gives each BullMQ queue a hash-tagged prefix of its own', () => {
    const bullKeys = (queue: string) => ['wait', 'active', 'meta', 'events', 'id', 'stalled-check', 'job-1'].map((s) => `${keys.queuePrefix(queue)}:${queue}:${s}`);
    for (const q of [ANALYZE_QUEUE, RESCAN_QUEUE, CALLBACK_QUEUE]) expect(new Set(bullKeys(q).map((k) => calculateSlot(k))).size).toBe(1);
    expect(new Set([ANALYZE_QUEUE, RESCAN_QUEUE, CALLBACK_QUEUE].map((q) => calculateSlot(keys.queuePrefix(q)))).size).toBe(3);
  });
  it('refuses a base prefix that would change the hash tags', () => {
    expect(() => new KeySpace('{x}')).toThrow(/must not contain/);
  });
});
