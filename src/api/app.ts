/**
 * The Hono app: a thin shell that validates input, calls the core through injected dependencies and answers in
 * JSON or RFC 9457 problem+json. It imports nothing from workers/.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { isLayerlensError } from '../errors.js';
import { apiKeyAuth } from './auth.js';
import type { ApiDeps } from './deps.js';
import { problem, problemFromError } from './problem.js';
import { analysesRoutes } from './routes/analyses.js';
import { healthRoutes } from './routes/health.js';
import { inspectRoutes } from './routes/inspect.js';
import { resultRoutes } from './routes/results.js';
import { watchRoutes } from './routes/watches.js';
import { webhookRoutes } from './routes/webhooks.js';

export function createApp(deps: ApiDeps): Hono {
  const app = new Hono();
  app.use('*', requestId());
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    deps.logger.debug({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started), requestId: c.get('requestId') }, 'request');
  });
  // Before the API-key and body-limit middleware: senders cannot send API keys (the webhook checks its own secret)
  // and registry payloads get their own, larger limit (LAYERLENS_WEBHOOK_MAX_BYTES).
  app.route('/', webhookRoutes(deps));
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: deps.maxBodyBytes ?? 64 * 1024,
      onError: (c) => problem(c, 413, 'BODY_TOO_LARGE', `the request body is larger than ${deps.maxBodyBytes ?? 64 * 1024} bytes`),
    }),
  );
  app.use('/v1/*', apiKeyAuth(deps.apiKeys));
  app.route('/', healthRoutes(deps));
  app.route('/', analysesRoutes(deps));
  app.route('/', resultRoutes(deps));
  app.route('/', watchRoutes(deps));
  app.route('/', inspectRoutes(deps));
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
