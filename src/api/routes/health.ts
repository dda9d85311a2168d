/** Liveness (the process answers), readiness (Redis answers) and the API description. */
import { Hono } from 'hono';
import type { ApiDeps } from '../deps.js';
import { problem } from '../problem.js';

export function healthRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const ok = await deps.ready().catch(() => false);
    return ok ? c.json({ status: 'ready' }) : problem(c, 503, 'NOT_READY', 'Redis is not reachable');
  });
  app.get('/openapi.yaml', (c) => c.body(deps.openapi, 200, { 'content-type': 'application/yaml' }));
  return app;
}
