/**
 * Starts the analysis worker: one BullMQ Worker on the analysis queue, error listeners attached, closed gracefully
 * on SIGTERM/SIGINT (running jobs finish or are handed back) within a bounded time.
 */
import { Queue, Worker } from 'bullmq';
import { closeRedis, connectRedis, type RedisClient } from '../src/redis/connect.js';
import { RedisLayerSummaryStore } from '../src/cache/redis-layer-store.js';
import { RedisResultStore } from '../src/cache/redis-result-store.js';
import type { Config } from '../src/config.js';
import { ANALYZE_QUEUE, type AnalysisPayload } from '../src/jobs/analysis-job.js';
import { analysisWorkerOptions, callbackQueueOptions, callbackWorkerOptions, rescanQueueOptions, rescanWorkerOptions } from '../src/jobs/queue-options.js';
import { PackageIndex } from '../src/fleet/package-index.js';
import type { Logger } from '../src/logger.js';
import { ANALYZER_VERSION } from '../src/catalog/catalogers.js';
import { registryClientFromConfig } from '../src/registry/from-config.js';
import { createAnalyzeProcessor, HAND_BACK, type AnalysisJobResult } from './analyze-processor.js';
import { AnalysisQueue } from '../src/jobs/client.js';
import { CALLBACK_QUEUE, CallbackRegistry, type CallbackPayload } from '../src/jobs/callback-job.js';
import { RESCAN_QUEUE, type RescanPayload } from '../src/jobs/rescan-job.js';
import { WatchService } from '../src/jobs/watch-store.js';
import { resolveImage } from '../src/image/resolve.js';
import { parseReference } from '../src/registry/reference.js';
import { createCallbackDispatcher, createCallbackProcessor, createMoveAnnouncer } from './callback-processor.js';
import { createRescanProcessor } from './rescan-processor.js';
import { tuneProcess } from '../src/runtime/v8-tuning.js';

export interface RunningWorker {
  worker: Worker<AnalysisPayload, AnalysisJobResult>;
  close(): Promise<void>;
}

export function startWorker(config: Config, logger: Logger, options: { prefix?: string } = {}): RunningWorker {
  options = { ...options, prefix: options.prefix ?? config.operations.keyPrefix };
  // Workers block on Redis; BullMQ requires maxRetriesPerRequest: null so a blocked command is never abandoned.
  const connection = connectRedis(config.redis, 'queue');
  connection.on('error', (err) => logger.error({ err: err.message }, 'redis connection error (worker)'));
  const results = new RedisResultStore(connection, { ttlSeconds: config.resultTtlSeconds, prefix: options.prefix });
  const packageIndex = new PackageIndex(connection, results, { prefix: options.prefix, analyzerVersion: ANALYZER_VERSION, ttlSeconds: config.resultTtlSeconds });
  // The layer cache gets a connection of its own: its values are large (a 500 000-file layer is megabytes), and on
  // BullMQ's connection a big GET or SET would queue the lock renewals behind it and get jobs marked stalled.
  const layerConnection = config.layerCache.enabled ? connectRedis(config.redis, 'queue') : undefined;
  layerConnection?.on('error', (err) => logger.error({ err: err.message }, 'redis connection error (layer cache)'));
  const processor = createAnalyzeProcessor({
    client: registryClientFromConfig(config),
    results,
    // Shared by every job of every worker process: a layer is walked once, then reused by images that share it.
    layerStore: layerConnection
      ? new RedisLayerSummaryStore(layerConnection, {
          prefix: options.prefix,
          ttlSeconds: config.layerCache.ttlSeconds,
          maxBytes: config.layerCache.maxBytes,
          maxFileBytes: config.limits.maxFileBytes,
          logger,
        })
      : undefined,
    limits: config.limits,
    layerConcurrency: config.layerConcurrency,
    allowLocalSources: config.allowLocalSources,
    logger,
    packageIndex,
    // The worker process's V8 settings, and the hooks its analyses report to (src/runtime/v8-tuning.ts).
    hooks: tuneProcess('worker'),
  });
  const worker = new Worker<AnalysisPayload, AnalysisJobResult>(
    ANALYZE_QUEUE,
    processor,
    analysisWorkerOptions(connection, options.prefix, config.workerConcurrency, { lockDurationMs: config.workerLockDurationMs, stalledIntervalMs: config.workerStalledIntervalMs }),
  );
  worker.on('error', (err) => logger.error({ err: err.message }, 'worker error'));
  worker.on('failed', (job, err) => logger.warn({ jobId: job?.id, reason: err.message }, 'job failed'));
  const extras = startRescansAndCallbacks(config, logger, connection, options.prefix, worker);
  return {
    worker,
    async close() {
      // close() stops fetching at once and waits for the running jobs; those still running after the grace period
      // are cancelled and handed back to the waiting list (analyze-processor.ts), so none is left stalled, locked
      // by a process that is gone, until the lock expires.
      const grace = setTimeout(() => {
        logger.info({ graceMs: config.operations.shutdownGraceMs }, 'grace period over: handing running jobs back');
        worker.cancelAllJobs(HAND_BACK);
      }, config.operations.shutdownGraceMs);
      try {
        await worker.close();
      } finally {
        clearTimeout(grace);
      }
      // After the analysis worker: a job finishing during close still queues its callbacks.
      await extras.close();
      await closeRedis(connection);
      if (layerConnection) await closeRedis(layerConnection);
    },
  };
}

/**
 * The rescan worker (watch schedulers fire here) and, when LAYERLENS_CALLBACK_SECRET is set, callback dispatch and
 * delivery. They share the analysis worker's connection: BullMQ gives each Worker its own blocking connection.
 */
function startRescansAndCallbacks(config: Config, logger: Logger, connection: RedisClient, prefix: string | undefined, analysis: Worker<AnalysisPayload, AnalysisJobResult>) {
  const client = registryClientFromConfig(config);
  const results = new RedisResultStore(connection, { ttlSeconds: config.resultTtlSeconds, prefix });
  const analyses = new AnalysisQueue(connection, { prefix, attempts: config.jobAttempts });
  const rescanQueue = new Queue<RescanPayload>(RESCAN_QUEUE, rescanQueueOptions(connection, prefix));
  const watches = new WatchService(connection, rescanQueue, { prefix, minIntervalMs: config.watchMinIntervalMs });
  const callbackQueue = new Queue<CallbackPayload>(CALLBACK_QUEUE, callbackQueueOptions(connection, prefix, config.callback.attempts));
  const registry = new CallbackRegistry(connection, { prefix, allowPrivate: config.callback.allowPrivate });
  const packages = new PackageIndex(connection, results, { prefix, analyzerVersion: ANALYZER_VERSION, ttlSeconds: config.resultTtlSeconds });
  const dispatchDeps = { registry, queue: callbackQueue, results, packages, logger };
  const rescans = new Worker<RescanPayload>(
    RESCAN_QUEUE,
    createRescanProcessor({
      client,
      results,
      queue: analyses,
      watches,
      logger,
      callbacks: registry,
      packages,
      // Without a secret no watch can have a callbackUrl (refused at creation), so there is nothing to announce.
      announceMove: config.callback.secret ? createMoveAnnouncer(dispatchDeps) : undefined,
      resolve: (image, platform, signal) => resolveImage(client, parseReference(image), platform, signal),
    }),
    rescanWorkerOptions(connection, prefix),
  );
  rescans.on('error', (err) => logger.error({ err: err.message }, 'rescan worker error'));
  const workers: Worker[] = [rescans];
  const secret = config.callback.secret;
  if (secret) {
    const dispatch = createCallbackDispatcher(dispatchDeps);
    const safely = (job: Parameters<typeof dispatch>[0] | undefined, outcome: 'completed' | 'failed') => {
      if (job) dispatch(job, outcome).catch((err: Error) => logger.error({ jobId: job.id, err: err.message }, 'queueing callbacks failed'));
    };
    analysis.on('completed', (job) => safely(job, 'completed'));
    // finishedOn is set only when the job moved to failed for good; a failed attempt with retries left has none.
    analysis.on('failed', (job) => (job?.finishedOn ? safely(job, 'failed') : undefined));
    const delivery = new Worker<CallbackPayload>(CALLBACK_QUEUE, createCallbackProcessor({ secret, allowPrivate: config.callback.allowPrivate, logger }), callbackWorkerOptions(connection, prefix));
    delivery.on('error', (err) => logger.error({ err: err.message }, 'callback worker error'));
    workers.push(delivery);
  }
  return {
    async close() {
      // Rescans and callback deliveries are short (one registry round trip, one POST): they are waited for.
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all([analyses.close(), rescanQueue.close(), callbackQueue.close()]);
    },
  };
}
