/**
 * Every queue's and worker's options, declared once: retention, retries and backoff of each queue's jobs, the
 * worker locks and concurrencies, and the key prefix each one lives under (one Cluster slot per queue, keys.ts).
 * Each value says why it is what it is. Producers (API, workers) and consumers (workers) build their BullMQ
 * Queue/Worker from these functions only.
 */
import type { DefaultJobOptions, QueueOptions, WorkerOptions } from 'bullmq';
import type { RedisClient } from '../redis/connect.js';
import { KeySpace } from '../redis/keys.js';
import { ANALYZE_QUEUE } from './analysis-job.js';
import { CALLBACK_QUEUE } from './callback-job.js';
import { RESCAN_QUEUE } from './rescan-job.js';

export function analysisJobOptions(attempts: number): DefaultJobOptions {
  return {
    // Registry hiccups (5xx, resets) deserve another try; non-retryable failures skip the rest via UnrecoverableError.
    attempts,
    backoff: { type: 'exponential', delay: 2000 },
    // Completed jobs are kept a day so GET /v1/analyses/{id} can answer; the result itself lives in the result store.
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    // Failures are kept a week: "why did it fail" is asked later than "is it done".
    removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
  };
}

export function callbackJobOptions(attempts: number): DefaultJobOptions {
  return {
    // A receiver that is down for a while still gets told: 1 s, 2 s, 4 s … (8 attempts ≈ 4 minutes in all).
    attempts,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: { age: 3600, count: 1000 },
    // Kept a week so an operator can see which receiver never answered.
    removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
  };
}

/** Rescans are a HEAD per watched tag: two at once keep up with many watches without a burst at one registry. */
export const RESCAN_CONCURRENCY = 2;
/** Callback deliveries wait on receivers, not on CPU: eight at once so one slow receiver does not hold the rest. */
export const CALLBACK_CONCURRENCY = 8;

function on(name: string, connection: RedisClient, prefix: string | undefined) {
  return { connection, prefix: new KeySpace(prefix).queuePrefix(name) };
}

export function analysisQueueOptions(connection: RedisClient, prefix: string | undefined, attempts: number): QueueOptions {
  return { ...on(ANALYZE_QUEUE, connection, prefix), defaultJobOptions: analysisJobOptions(attempts) };
}

/** Rescan jobs come from each watch's job scheduler (watch-store.ts), which carries their template. */
export function rescanQueueOptions(connection: RedisClient, prefix: string | undefined): QueueOptions {
  return on(RESCAN_QUEUE, connection, prefix);
}

export function callbackQueueOptions(connection: RedisClient, prefix: string | undefined, attempts: number): QueueOptions {
  return { ...on(CALLBACK_QUEUE, connection, prefix), defaultJobOptions: callbackJobOptions(attempts) };
}

/**
 * The lock must outlive the longest gap between renewals (a layer pull can take minutes), not the whole job; a job
 * whose lock expired (a dead worker, a lock lost in a Redis failover) is reclaimed within lock + stalled interval.
 * Both come from Config (LAYERLENS_WORKER_LOCK_DURATION / _STALLED_INTERVAL).
 */
export function analysisWorkerOptions(
  connection: RedisClient,
  prefix: string | undefined,
  concurrency: number,
  lock: { lockDurationMs: number; stalledIntervalMs: number },
): WorkerOptions {
  return { ...on(ANALYZE_QUEUE, connection, prefix), concurrency, lockDuration: lock.lockDurationMs, stalledInterval: lock.stalledIntervalMs };
}

export function rescanWorkerOptions(connection: RedisClient, prefix: string | undefined): WorkerOptions {
  return { ...on(RESCAN_QUEUE, connection, prefix), concurrency: RESCAN_CONCURRENCY };
}

export function callbackWorkerOptions(connection: RedisClient, prefix: string | undefined): WorkerOptions {
  return { ...on(CALLBACK_QUEUE, connection, prefix), concurrency: CALLBACK_CONCURRENCY };
}
