/**
 * Starts the analysis worker: one BullMQ Worker on the analysis queue, error listeners attached, closed gracefully
 * on SIGTERM/SIGINT (running jobs finish or are handed back) within a bounded time.
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { RedisResultStore } from '../src/cache/redis-result-store.js';
import type { Config } from '../src/config.js';
import { ANALYZE_QUEUE, type AnalysisPayload } from '../src/jobs/analysis-job.js';
import { WORKER_LOCK_DURATION_MS, WORKER_STALLED_INTERVAL_MS } from '../src/jobs/queue-options.js';
import type { Logger } from '../src/logger.js';
import { registryClientFromConfig } from '../src/registry/from-config.js';
import { createAnalyzeProcessor, type AnalysisJobResult } from './analyze-processor.js';

export interface RunningWorker {
  worker: Worker<AnalysisPayload, AnalysisJobResult>;
  close(): Promise<void>;
}

export function startWorker(config: Config, logger: Logger, options: { prefix?: string } = {}): RunningWorker {
  // Workers block on Redis; BullMQ requires maxRetriesPerRequest: null so a blocked command is never abandoned.
  const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  connection.on('error', (err) => logger.error({ err: err.message }, 'redis connection error (worker)'));
  const results = new RedisResultStore(connection, { ttlSeconds: config.resultTtlSeconds, prefix: options.prefix });
  const processor = createAnalyzeProcessor({
    client: registryClientFromConfig(config),
    results,
    limits: config.limits,
    layerConcurrency: config.layerConcurrency,
    logger,
  });
  const worker = new Worker<AnalysisPayload, AnalysisJobResult>(ANALYZE_QUEUE, processor, {
    connection,
    prefix: options.prefix,
    concurrency: config.workerConcurrency,
    lockDuration: WORKER_LOCK_DURATION_MS,
    stalledInterval: WORKER_STALLED_INTERVAL_MS,
  });
  worker.on('error', (err) => logger.error({ err: err.message }, 'worker error'));
  worker.on('failed', (job, err) => logger.warn({ jobId: job?.id, reason: err.message }, 'job failed'));
  return {
    worker,
    async close() {
      await worker.close();
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}
