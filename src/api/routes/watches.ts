/**
 * Watches: scheduled rescans of tags. POST creates (201 + Location), GET lists or shows one with what each tag last
 * pointed to and when the next rescan runs, DELETE removes the watch and its scheduler (204).
 */
import { Hono, type Context } from 'hono';
import { WatchInputError, watchRequest, type WatchService } from '../../jobs/watch-store.js';
import type { ApiDeps } from '../deps.js';
import { isLayerlensError } from '../../errors.js';
import { problem, problemFromError } from '../problem.js';
import { readJsonBody } from '../read-json.js';

const ID = /^w-[a-f0-9]{16}$/;

export function watchRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const unavailable = (c: Context) => problem(c, 503, 'WATCHES_UNAVAILABLE', 'watches are not available in this deployment');
  const withWatches = (handler: (c: Context, watches: WatchService) => Promise<Response>) => (c: Context) =>
    deps.watches ? handler(c, deps.watches) : unavailable(c);

  app.post(
    '/v1/watches',
    withWatches(async (c, watches) => {
      const body = await readJsonBody(c, watchRequest);
      if (body instanceof Response) return body;
      if (body.callbackUrl) {
        if (!deps.callbacks) return problem(c, 503, 'CALLBACKS_NOT_CONFIGURED', 'callbacks are off: set LAYERLENS_CALLBACK_SECRET so they can be signed');
        const refused = await deps.callbacks.checkUrl(body.callbackUrl);
        if (refused) return problem(c, 400, 'CALLBACK_URL_REFUSED', refused);
      }
      try {
        const watch = await watches.create(body);
        deps.logger.info({ watchId: watch.id, repository: watch.repository }, 'watch created');
        c.header('location', `/v1/watches/${watch.id}`);
        return c.json(watch, 201);
      } catch (e) {
        if (e instanceof WatchInputError) return problem(c, 400, 'INVALID_BODY', e.message);
        if (isLayerlensError(e)) return problemFromError(c, e);
        throw e;
      }
    }),
  );

  app.get(
    '/v1/watches',
    withWatches(async (c, watches) => c.json({ watches: await watches.list() })),
  );

  app.get(
    '/v1/watches/:id',
    withWatches(async (c, watches) => {
      const id = c.req.param('id') ?? '';
      const watch = ID.test(id) ? await watches.get(id) : undefined;
      return watch ? c.json(watch) : problem(c, 404, 'NOT_FOUND', `no watch ${id}`);
    }),
  );

  app.delete(
    '/v1/watches/:id',
    withWatches(async (c, watches) => {
      const id = c.req.param('id') ?? '';
      if (!ID.test(id) || !(await watches.delete(id))) return problem(c, 404, 'NOT_FOUND', `no watch ${id}`);
      deps.logger.info({ watchId: id }, 'watch deleted');
      return c.body(null, 204);
    }),
  );

  return app;
}
