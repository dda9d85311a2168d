/**
 * The real Redis the tests use: REDIS_URL or 127.0.0.1:6379 (.ci/run starts one where nothing listens). Each test
 * file gets its own key prefix so files can run in parallel, and removes its keys afterwards.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function testPrefix(name: string): string {
  return `lltest-${name}-${randomBytes(4).toString('hex')}`;
}

export async function dropPrefix(prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    // `PREFIX:…` for layerlens' stores, `{PREFIX:QUEUE}:…` for BullMQ's (see src/redis/keys.ts).
    for (const pattern of [`${prefix}:*`, `{${prefix}:*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}
