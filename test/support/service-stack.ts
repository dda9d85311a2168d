/**
 * The service as deployed, in-process: the Hono API and the BullMQ workers on the real Redis, under a key prefix of
 * the test file's own, with configuration from environment-style variables on top of test defaults.
 */
import { startApi, type RunningApi } from '../../src/api/server.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startWorker, type RunningWorker } from '../../workers/run-worker.js';
import { redisUrl } from './redis.js';

export interface ServiceStack {
  api: RunningApi;
  worker: RunningWorker;
  config: Config;
  /** `http://127.0.0.1:PORT` of the API. */
  base: string;
  close(): Promise<void>;
}

export async function startServiceStack(env: Record<string, string>, prefix: string): Promise<ServiceStack> {
  // A Cluster or Sentinel suite names its own Redis; REDIS_URL beside it would be refused as two connection modes.
  const redis = env.REDIS_CLUSTER_NODES || env.REDIS_SENTINELS ? {} : { REDIS_URL: redisUrl };
  const config = loadConfig({ ...redis, PORT: '0', HOST: '127.0.0.1', ...env });
  const logger = createLogger('silent');
  const worker = startWorker(config, logger, { prefix });
  const api = await startApi(config, logger, { prefix });
  return {
    api,
    worker,
    config,
    base: `http://127.0.0.1:${api.port}`,
    async close() {
      await api.close();
      await worker.close();
    },
  };
}
