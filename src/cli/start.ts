/** `layerlens start`: API and worker in one process, with a private redis-server when none is configured. */
import type { CommandContext } from './context.js';
import { createLogger, untilSignal } from './process.js';

export async function runStart({ config }: CommandContext): Promise<number> {
  const { ensureRedis } = await import('../local-redis.js');
  // Only when nothing is configured (no REDIS_URL, Cluster or Sentinel) may `start` bring its own redis-server.
  const redis = await ensureRedis(process.env, config.redis);
  const full = { ...config, redis: redis.target };
  const logger = await createLogger(config.logLevel, 'layerlens');
  if (redis.child) logger.info({ url: redis.url }, 'started a private redis-server (data is not persisted)');
  const { startApi } = await import('../api/server.js');
  const { startWorker } = await import('../../workers/run-worker.js');
  const worker = startWorker(full, logger);
  const api = await startApi(full, logger);
  await untilSignal(config, logger, async () => {
    await api.close();
    await worker.close();
    redis.stop();
  });
  return 0;
}
