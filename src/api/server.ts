/** Wires the API to real Redis, the real registry client and the queue, and serves it with @hono/node-server. */
import { serve, type ServerType } from '@hono/node-server';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { RedisResultStore } from '../cache/redis-result-store.js';
import type { Config } from '../config.js';
import { LayerlensError } from '../errors.js';
import { isLocalSource } from '../image/open.js';
import { resolveImage } from '../image/resolve.js';
import { AnalysisQueue } from '../jobs/client.js';
import type { Logger } from '../logger.js';
import { registryClientFromConfig } from '../registry/from-config.js';
import { parseReference } from '../registry/reference.js';
import { createApp } from './app.js';

export interface RunningApi {
  server: ServerType;
  port: number;
  close(): Promise<void>;
}

export function readOpenApi(): string {
  for (const rel of ['../../openapi.yaml', '../../../openapi.yaml']) {
    try {
      return readFileSync(new URL(rel, import.meta.url), 'utf8');
    } catch {
      // sources run from src/api, the build from dist/src/api
    }
  }
  return '';
}

export async function startApi(config: Config, logger: Logger, options: { prefix?: string } = {}): Promise<RunningApi> {
  // The API fails fast when Redis is down instead of queueing commands: a caller gets a 503, not a hang.
  const redis = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error (api)'));
  const queue = new AnalysisQueue(redis, { prefix: options.prefix, attempts: config.jobAttempts });
  const client = registryClientFromConfig(config);
  const app = createApp({
    queue,
    results: new RedisResultStore(redis, { ttlSeconds: config.resultTtlSeconds, prefix: options.prefix }),
    resolve: async (image, platform, signal) => {
      if (isLocalSource(image)) throw new LayerlensError('INVALID_REFERENCE', 'the API analyses registry images only; use the CLI for local sources', { retryable: false });
      return resolveImage(client, parseReference(image), platform, signal);
    },
    ready: async () => (await redis.ping()) === 'PONG',
    apiKeys: config.apiKeys,
    logger,
    openapi: readOpenApi(),
  });
  const { server, port } = await new Promise<{ server: ServerType; port: number }>((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => resolve({ server: s, port: info.port }));
  });
  logger.info({ port, host: config.host }, 'layerlens API listening');
  return {
    server,
    port,
    async close() {
      await new Promise((r) => server.close(r));
      await queue.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
