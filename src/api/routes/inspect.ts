/**
 * Inspection from the registry, with layerlens' results beside it (src/inspect):
 * - GET /v1/images?ref=IMAGE — the manifest or index, platforms, config and history; never a layer.
 * - GET /v1/repositories/{repository}/tags?pattern=&limit=&last= — one page of tags. A repository name has slashes
 *   (`registry.example.com/team/app`), so the route captures everything between `/v1/repositories/` and the final
 *   `/tags` (Hono `:repository{.+}`): `/v1/repositories/registry.example.com/team/app/tags`. The next page is given
 *   as `next` (a tag to pass as `last`) and as a `Link: <…>; rel="next"` header, like the registry's own.
 */
import { Hono, type Context } from 'hono';
import { isLayerlensError } from '../../errors.js';
import { inspectImage } from '../../inspect/inspect-image.js';
import { listTags } from '../../inspect/list-tags.js';
import { parseRepository } from '../../inspect/repository.js';
import { parseReference } from '../../registry/reference.js';
import type { ApiDeps } from '../deps.js';
import { problem, problemFromError } from '../problem.js';

const MAX_LIMIT = 1000;

export function inspectRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const guarded = (handler: (c: Context, reader: NonNullable<ApiDeps['registry']>) => Promise<Response>) => async (c: Context) => {
    if (!deps.registry) return problem(c, 503, 'INSPECTION_UNAVAILABLE', 'registry inspection is not available in this deployment');
    try {
      return await handler(c, deps.registry);
    } catch (e) {
      if (isLayerlensError(e)) return problemFromError(c, e);
      throw e;
    }
  };

  app.get(
    '/v1/images',
    guarded(async (c, reader) => {
      const ref = c.req.query('ref');
      if (!ref) return problem(c, 400, 'INVALID_QUERY', 'ref is required: GET /v1/images?ref=IMAGE');
      return c.json(await inspectImage(reader, parseReference(ref), { results: deps.results, signal: c.req.raw.signal }));
    }),
  );

  app.get(
    '/v1/repositories/:repository{.+}/tags',
    guarded(async (c, reader) => {
      const repository = c.req.param('repository') ?? '';
      const limitText = c.req.query('limit');
      const limit = limitText === undefined ? 100 : Number(limitText);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) return problem(c, 400, 'INVALID_QUERY', `limit must be a whole number from 1 to ${MAX_LIMIT}`);
      const pattern = c.req.query('pattern') || undefined;
      const last = c.req.query('last') || undefined;
      if ((pattern?.length ?? 0) > 256 || (last?.length ?? 0) > 256) return problem(c, 400, 'INVALID_QUERY', 'pattern and last are at most 256 characters');
      const repo = parseRepository(repository);
      const listing = await listTags(reader, repo, { pattern, limit, last, pageSize: Math.max(limit, 100), results: deps.results, signal: c.req.raw.signal });
      if (!listing.next) return c.json(listing);
      const query = new URLSearchParams({ last: listing.next, limit: String(limit), ...(pattern ? { pattern } : {}) });
      const nextUrl = `/v1/repositories/${repository}/tags?${query}`;
      c.header('link', `<${nextUrl}>; rel="next"`);
      return c.json({ ...listing, links: { next: nextUrl } });
    }),
  );

  return app;
}
