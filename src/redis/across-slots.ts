/**
 * Many single-key commands on keys that live in many hash slots (the fleet index's per-package sets), sent in as
 * few round trips as the topology allows: one pipeline on a standalone or Sentinel-managed Redis; on a Cluster, where
 * ioredis refuses a pipeline whose keys span slots, one pipeline per command, all sent together so each node gets
 * its own share at once.
 */
import { isCluster, type RedisClient } from './connect.js';

/** Queues one single-key command. */
export type SlotCommand = (on: ReturnType<RedisClient['pipeline']>) => unknown;

export async function runAcrossSlots(redis: RedisClient, commands: Iterable<SlotCommand>, batchSize = 1000): Promise<void> {
  let batch: SlotCommand[] = [];
  const flush = async () => {
    const current = batch;
    batch = [];
    if (current.length === 0) return;
    if (isCluster(redis)) {
      await Promise.all(current.map((queue) => {
        const pipeline = redis.pipeline();
        queue(pipeline);
        return execOrThrow(pipeline);
      }));
      return;
    }
    const pipeline = redis.pipeline();
    for (const queue of current) queue(pipeline);
    await execOrThrow(pipeline);
  };
  for (const command of commands) {
    batch.push(command);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
}

/** EXEC a MULTI or pipeline, throwing the first command's error instead of leaving it in the replies. */
export async function execOrThrow(tx: { exec(): Promise<[Error | null, unknown][] | null> }): Promise<void> {
  const replies = await tx.exec();
  const failed = replies?.find(([err]) => err);
  if (failed) throw failed[0];
}
