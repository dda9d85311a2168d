/** Wires the API to real Redis, the real registry client and the queue, and serves it with @hono/node-server. */
import { getRequestListener, type ServerType } from '@hono/node-server';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { readFileSync } from 'node:fs';
import { KeySpace } from '../redis/keys.js';
import { closeRedis, connectRedis, type RedisClient } from '../redis/connect.js';
import { RedisResultStore } from '../cache/redis-result-store.js';
import { ResultBodyCache } from '../cache/result-body-cache.js';
import type { Config } from '../config.js';
import { LayerlensError } from '../errors.js';
import { isLocalSource, listPlatformImages, resolveLocalImage } from '../image/open.js';
import { resolveAllPlatforms, resolveImage } from '../image/resolve.js';
import { CachingRegistryReader } from '../inspect/registry-reader.js';
import { AnalysisQueue } from '../jobs/client.js';
import { PackageIndex } from '../fleet/package-index.js';
import { CallbackRegistry } from '../jobs/callback-job.js';
import { rescanQueueOptions } from '../jobs/queue-options.js';
import { RESCAN_QUEUE, type RescanPayload } from '../jobs/rescan-job.js';
import { WatchService } from '../jobs/watch-store.js';
import { Queue } from 'bullmq';
import type { Hono } from 'hono';
import type { Logger } from '../logger.js';
import { registryClientFromConfig } from '../registry/from-config.js';
import type { Platform } from '../registry/platform.js';
import { parseReference } from '../registry/reference.js';
import { resultPartContentType } from '../sbom/formats/represent.js';
import { ANALYZER_VERSION } from '../catalog/catalogers.js';
import { createApp } from './app.js';
import { cachedResultListener, type FastListener } from './cached-result-listener.js';
import { PROBLEM_MEDIA_TYPE, problemType } from './problem.js';
import { parseRateLimit, RedisRateLimiter } from './rate-limit.js';

export interface RunningApi {
  server: ServerType;
  port: number;
  close(): Promise<void>;
}

export function readOpenApi(): string {
  for (const rel of ['../../openapi.yaml', '../../../openapi.yaml', '../openapi.yaml']) {
    try {
      return readFileSync(new URL(rel, import.meta.url), 'utf8');
    } catch {
      // sources run from src/api, the build from dist/src/api, the bundle from dist/
    }
  }
  return '';
}

export async function startApi(config: Config, logger: Logger, options: { prefix?: string } = {}): Promise<RunningApi> {
  options = { ...options, prefix: options.prefix ?? config.operations.keyPrefix };
  // The API fails fast when Redis is down instead of queueing commands: a caller gets a 503, not a hang.
  const redis = connectRedis(config.redis, 'api');
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error (api)'));
  const queue = new AnalysisQueue(redis, { prefix: options.prefix, attempts: config.jobAttempts });
  const client = registryClientFromConfig(config);
  // Local sources read the server's disk: only when the operator turned them on (LAYERLENS_ALLOW_LOCAL_SOURCES).
  const localOptions = (platform: Platform | undefined, signal?: AbortSignal) => {
    if (!config.allowLocalSources) {
      throw new LayerlensError('INVALID_REFERENCE', 'local image sources are off in the API (LAYERLENS_ALLOW_LOCAL_SOURCES); use the CLI', { retryable: false });
    }
    return { client, platform, signal, limits: config.limits, allowLocalSources: true };
  };
  const keys = new KeySpace(options.prefix);
  const rescanQueue = new Queue<RescanPayload>(RESCAN_QUEUE, rescanQueueOptions(redis, options.prefix));
  // BullMQ prints connection errors to the console unless someone listens; log them once, at warn, like the rest.
  for (const q of [queue.queue, rescanQueue]) q.on('error', (err) => logger.warn({ err: err.message }, 'queue connection error (api)'));
  const keyPrefix = keys.base;
  const analyzeLimit = config.analyzeRateLimit ? parseRateLimit(config.analyzeRateLimit) : undefined;
  // Results are immutable per digest × analyzer version: hot SBOMs are served from memory, not read from Redis.
  const resultBodies =
    config.resultMemoryCacheBytes > 0
      ? new ResultBodyCache({
          maxBytes: config.resultMemoryCacheBytes,
          analyzerVersion: ANALYZER_VERSION,
          contentType: resultPartContentType,
        })
      : undefined;
  const results = new RedisResultStore(redis, { ttlSeconds: config.resultTtlSeconds, prefix: options.prefix });
  const app = createApp({
    queue,
    results,
    resultBodies,
    resolve: async (image, platform, signal) => {
      if (isLocalSource(image)) return resolveLocalImage(image, localOptions(platform, signal));
      return resolveImage(client, parseReference(image), platform, signal);
    },
    resolveAll: async (image, signal) => {
      if (!isLocalSource(image)) return resolveAllPlatforms(client, parseReference(image), signal);
      const pinned = await listPlatformImages(image, localOptions(undefined, signal));
      return Promise.all(pinned.map((p) => resolveLocalImage(p, localOptions(undefined, signal))));
    },
    ready: async () => (await redis.ping()) === 'PONG',
    apiKeys: config.apiKeys,
    analyzeLimiter: analyzeLimit ? new RedisRateLimiter(redis, analyzeLimit, keyPrefix) : undefined,
    logger,
    openapi: readOpenApi(),
    callbacks: config.callback.secret ? new CallbackRegistry(redis, { prefix: options.prefix, allowPrivate: config.callback.allowPrivate }) : undefined,
    watches: new WatchService(redis, rescanQueue, {
      prefix: options.prefix,
      minIntervalMs: config.watchMinIntervalMs,
      admitRegistry: (registry) => client.admit(registry),
    }),
    registry: new CachingRegistryReader(client, { tagTtlMs: config.tagCacheSeconds * 1000 }),
    packages: new PackageIndex(redis, results, { prefix: options.prefix, analyzerVersion: ANALYZER_VERSION, ttlSeconds: config.resultTtlSeconds }),
    webhook: {
      secret: config.webhook.secret,
      maxBodyBytes: config.webhook.maxBodyBytes,
      registryHosts: config.webhook.registryHosts,
      firstSeen: async (key) =>
        config.webhook.dedupSeconds === 0 || (await redis.set(keys.webhookSeen(key), '1', 'EX', config.webhook.dedupSeconds, 'NX')) === 'OK',
      forget: async (key) => void (await redis.del(keys.webhookSeen(key))),
    },
  });
  // Give Redis a moment before taking traffic, so the first requests do not fail on a connection still opening;
  // past that, /readyz reports the outage and requests get 503 instead of hanging.
  await waitForRedis(redis, 5_000);
  const fast = resultBodies ? cachedResultListener({ bodies: resultBodies, apiKeys: config.apiKeys, logger }) : undefined;
  const server = createApiServer(app, { hostname: config.host, fast });
  const closeClients = async () => {
    await queue.close();
    await rescanQueue.close();
    await closeRedis(redis);
  };
  try {
    await listen(server, config.port, config.host);
  } catch (err) {
    // EADDRINUSE and the like: startApi fails, and the open Redis connections do not keep the process alive.
    await closeClients();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, host: config.host }, 'layerlens API listening');
  return {
    server,
    port,
    async close() {
      await drainServer(server, config.operations.shutdownGraceMs, logger);
      await closeClients();
    },
  };
}

/** The HTTP server: `fast` answers what it can (cached result bodies), the Hono app everything else. */
export function createApiServer(app: Hono, options: { hostname?: string; fast?: FastListener } = {}): ServerType {
  const toApp = getRequestListener(app.fetch, { hostname: options.hostname });
  const { fast } = options;
  const server = createServer((req, res) => {
    if (!fast?.(req, res)) void toApp(req, res);
  });
  server.on('clientError', answerClientError);
  return server;
}

/**
 * Requests Node's HTTP parser rejects before any route sees them (a URL or headers over the header limit, a
 * Content-Length that disagrees with the body, a malformed request line) get problem+json like every other error,
 * not Node's bare `400 Bad Request` / `431`; the connection is closed after it, since the stream is out of sync.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  // As Node's own handler: nothing raw into a socket whose current response has already started.
  const pending = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || err.code === 'ECONNRESET' || pending?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, code, detail] = clientErrorAnswer(err.code);
  const body = JSON.stringify({ type: problemType(code), title: STATUS_TEXT[status], status, detail, code });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\ncontent-type: ${PROBLEM_MEDIA_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `connection: close\r\n\r\n${body}`,
  );
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

function clientErrorAnswer(code: string | undefined): [number, string, string] {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'HEADERS_TOO_LARGE', 'the request line and headers exceed the server limit (16 KiB by default): shorten the URL or headers'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return [408, 'REQUEST_TIMEOUT', 'the request was not received in time'];
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return [400, 'INVALID_REQUEST', 'the Content-Length header is invalid or conflicts with Transfer-Encoding'];
    default:
      return [400, 'INVALID_REQUEST', `the request is not valid HTTP/1.1${code ? ` (${code})` : ''}; a Content-Length that does not match the body ends up here too`];
  }
}

/**
 * Stops accepting, lets the requests in flight finish, and closes each keep-alive connection as soon as it is idle;
 * connections still busy after `graceMs` are cut, so the close is bounded whatever a client does.
 */
export async function drainServer(server: ServerType, graceMs: number, logger?: Pick<Logger, 'info'>): Promise<void> {
  const http = server as import('node:http').Server;
  const closed = new Promise<void>((r) => server.close(() => r()));
  const idle = setInterval(() => http.closeIdleConnections(), 100);
  const cut = setTimeout(() => {
    logger?.info({ graceMs }, 'grace period over: closing the connections still open');
    http.closeAllConnections();
  }, graceMs);
  http.closeIdleConnections();
  try {
    await closed;
  } finally {
    clearInterval(idle);
    clearTimeout(cut);
  }
}

function listen(server: ServerType, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function waitForRedis(redis: RedisClient, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    redis.once('ready', done);
  });
}
