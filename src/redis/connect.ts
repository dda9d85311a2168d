/**
 * The one Redis connection factory of the API, the workers, `layerlens start`, the CLI's --results and the bench:
 * a standalone server, a Redis Cluster or a Sentinel-managed primary, from one RedisTarget. Each caller names what
 * the connection is for, and that decides the retry policy — BullMQ's blocking connections need
 * maxRetriesPerRequest: null (a blocked BZPOPMIN must never be abandoned), the API fails fast instead of queueing.
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisTarget } from './target.js';

/** Either kind of ioredis client: the stores use only commands both route (single-slot keys, see keys.ts). */
export type RedisClient = Redis | Cluster;

/**
 * - `queue`: BullMQ Workers/Queues and the worker's stores — retries forever, offline queue on (a failover is
 *   waited out, not turned into failed jobs).
 * - `api`: request-path commands — no offline queue, one retry: while no primary is reachable a caller gets a 503.
 * - `probe`: one-shot CLI reads — like `api`, lazy, with a short connect timeout.
 */
export type ConnectionPurpose = 'queue' | 'api' | 'probe';

function perCommand(purpose: ConnectionPurpose): RedisOptions {
  if (purpose === 'queue') return { maxRetriesPerRequest: null };
  if (purpose === 'api') return { maxRetriesPerRequest: 1 };
  return { maxRetriesPerRequest: 1, connectTimeout: 3000 };
}

export function connectRedis(target: RedisTarget, purpose: ConnectionPurpose): RedisClient {
  const offline = { enableOfflineQueue: purpose === 'queue', lazyConnect: purpose === 'probe' };
  if (target.mode === 'standalone') return new Redis(target.url, { ...perCommand(purpose), ...offline });
  const auth: RedisOptions = { username: target.username, password: target.password, ...(target.tls ? { tls: {} } : {}) };
  if (target.mode === 'sentinel') {
    return new Redis({
      ...perCommand(purpose),
      ...offline,
      ...auth,
      sentinels: target.sentinels,
      name: target.masterName,
      sentinelUsername: target.sentinelUsername,
      sentinelPassword: target.sentinelPassword,
      ...(target.tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
      // After a failover the old primary may come back as a replica: a READONLY reply means "ask the sentinels again".
      reconnectOnError: (err) => err.message.startsWith('READONLY'),
    });
  }
  const options: ClusterOptions = {
    ...offline,
    redisOptions: { ...perCommand(purpose), ...auth },
    // The API must not hang on a cluster that lost a primary; the queue side waits for the replica's promotion.
    maxRedirections: 16,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 300,
    slotsRefreshTimeout: 2000,
  };
  return new Cluster(target.nodes, options);
}

/** A Cluster client: its pipelines and MULTIs must stay within one hash slot. */
export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/** Close politely (QUIT), or drop the socket when Redis is gone. */
export async function closeRedis(client: RedisClient): Promise<void> {
  await client.quit().catch(() => client.disconnect());
}
