/**
 * The Hono app: a thin shell that validates input, calls the core through injected dependencies and answers in
 * JSON or RFC 9457 problem+json. It imports nothing from workers/.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { isLayerlensError } from '../errors.js';
import { apiKeyAuth } from './auth.js';
import type { ApiDeps } from './deps.js';
import { problem, problemFromError } from './problem.js';
import { requestIdFor } from './request-id.js';
import { analysesRoutes } from './routes/analyses.js';
import { fleetRoutes } from './routes/fleet.js';
import { healthRoutes } from './routes/health.js';
import { inspectRoutes } from './routes/inspect.js';
import { resultRoutes } from './routes/results.js';
import { watchRoutes } from './routes/watches.js';
import { webhookRoutes } from './routes/webhooks.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** X-Request-Id of this request: the caller's when it is a plain token of ≤ 255 characters, else a new UUID. */
    requestId: string;
  }
}

export function createApp(deps: ApiDeps): Hono {
  const app = new Hono();
  const { logger } = deps;
  // Request id and the debug access log in one middleware; with debug off (the default) it builds no log object and
  // reads no clock.
  app.use('*', async (c, next) => {
    const id = requestIdFor(c.req.header('x-request-id'));
    c.set('requestId', id);
    c.header('x-request-id', id);
    if (!logger.isLevelEnabled('debug')) return next();
    const started = performance.now();
    await next();
    logger.debug({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started), requestId: id }, 'request');
  });
  // Before the API-key and body-limit middleware: senders cannot send API keys (the webhook checks its own secret)
  // and registry payloads get their own, larger limit (LAYERLENS_WEBHOOK_MAX_BYTES).
  app.route('/', webhookRoutes(deps));
  const limitBody = bodyLimit({
    maxSize: deps.maxBodyBytes ?? 64 * 1024,
    onError: (c) => problem(c, 413, 'BODY_TOO_LARGE', `the request body is larger than ${deps.maxBodyBytes ?? 64 * 1024} bytes`),
  });
  // GET and HEAD carry no body. hono's bodyLimit reads `c.req.raw.body`, which turns @hono/node-server's lightweight
  // request into a full undici Request (headers copied, an AbortController, a FinalizationRegistry entry): on the
  // cached GET path that was most of the garbage, and the finalizer kept it alive into the old generation.
  app.use('/v1/*', (c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limitBody(c, next)));
  if (deps.apiKeys.length > 0 || deps.analyzeLimiter) app.use('/v1/*', apiKeyAuth(deps.apiKeys, { analyzeLimiter: deps.analyzeLimiter }));
  app.route('/', healthRoutes(deps));
  app.route('/', analysesRoutes(deps));
  app.route('/', resultRoutes(deps));
  app.route('/', watchRoutes(deps));
  app.route('/', inspectRoutes(deps));
  app.route('/', fleetRoutes(deps));
  app.notFound((c) => problem(c, 404, 'NOT_FOUND', `no route ${c.req.method} ${c.req.path}`));
  app.onError((err, c) => {
    if (isLayerlensError(err)) return problemFromError(c, err);
    if (isRedisUnavailable(err)) {
      deps.logger.warn({ err: err.message, path: c.req.path }, 'redis unavailable');
      c.header('retry-after', '5');
      return problem(c, 503, 'NOT_READY', 'the queue and result store (Redis) are not reachable; try again shortly');
    }
    deps.logger.error({ err, path: c.req.path, requestId: c.get('requestId') }, 'unhandled error');
    return problem(c, 500, 'INTERNAL', 'an internal error occurred; it has been logged', { requestId: c.get('requestId') });
  });
  return app;
}

/** ioredis' ways of saying "no connection" (offline queue disabled, retries exhausted, closed). */
function isRedisUnavailable(err: Error): boolean {
  return (
    err.name === 'MaxRetriesPerRequestError' ||
    /enableOfflineQueue|Connection is closed|ECONNREFUSED|Stream isn't writeable/.test(err.message)
  );
}
