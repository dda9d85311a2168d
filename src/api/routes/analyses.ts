/**
 * POST /v1/analyses and GET /v1/analyses/{id}. A request resolves the image to its platform manifest digest (one or
 * two manifest GETs, never a layer), answers from the result store when the digest was analysed by this analyzer
 * version, and otherwise enqueues one job per digest × platform × analyzer version.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { isLayerlensError } from '../../errors.js';
import { parseAnalysisJobId, parseFailure } from '../../jobs/analysis-job.js';
import { parsePlatform } from '../../registry/platform.js';
import { ANALYZER_VERSION } from '../../catalog/catalogers.js';
import type { ApiDeps } from '../deps.js';
import { analysisLinks } from '../../jobs/links.js';
import { problem, problemFromError } from '../problem.js';
import { readJsonBody } from '../read-json.js';
import { requestAllPlatforms, requestAnalysis, sharedResolution } from '../../jobs/request-analysis.js';

const analysisRequest = z.object({
  image: z.string().min(1).max(1024),
  platform: z.string().max(100).optional(),
  force: z.boolean().optional(),
  callbackUrl: z.string().url().max(2048).optional(),
});

export function analysesRoutes(apiDeps: ApiDeps): Hono {
  const app = new Hono();
  const deps: ApiDeps = { ...apiDeps, ...sharedResolution(apiDeps) };

  app.post('/v1/analyses', async (c) => {
    const body = await readJsonBody(c, analysisRequest);
    if (body instanceof Response) return body;
    try {
      const platform = body.platform && body.platform !== 'all' ? parsePlatform(body.platform) : undefined;
      if (body.callbackUrl) {
        if (!deps.callbacks) return problem(c, 503, 'CALLBACKS_NOT_CONFIGURED', 'callbacks are off: set LAYERLENS_CALLBACK_SECRET so they can be signed');
        const refused = await deps.callbacks.checkUrl(body.callbackUrl);
        if (refused) return problem(c, 400, 'CALLBACK_URL_REFUSED', refused);
      }
      if (body.platform === 'all') return await allPlatforms(c, deps, body);
      const { created: _created, ...answer } = await requestAnalysis(deps, { image: body.image, platform, force: body.force, callbackUrl: body.callbackUrl }, c.req.raw.signal);
      if (answer.status === 'completed') return c.json(answer, 200);
      c.header('location', `/v1/analyses/${answer.id}`);
      return c.json(answer, 202);
    } catch (e) {
      if (isLayerlensError(e)) return problemFromError(c, e);
      throw e;
    }
  });

  app.get('/v1/analyses/:id', async (c) => {
    const id = c.req.param('id');
    const parsed = parseAnalysisJobId(id);
    if (!parsed) return problem(c, 404, 'NOT_FOUND', `no analysis ${id}: ids look like sha256-<hex>-<platform>-<analyzer>`);
    const job = await deps.queue.get(id);
    const links = analysisLinks(id, parsed.digest);
    if (job) {
      const view: Record<string, unknown> = {
        id,
        status: job.status,
        image: job.data.image,
        digest: job.data.digest,
        indexDigest: job.data.indexDigest,
        platform: job.data.platform,
        attempts: job.attemptsMade,
        links,
      };
      if (job.status === 'failed' && job.failedReason) view.error = parseFailure(job.failedReason);
      if (job.status === 'completed') {
        const meta = await deps.results.getMeta(job.data.digest);
        if (meta) view.result = { packages: meta.packages, warnings: meta.warnings.length };
      }
      return c.json(view);
    }
    // Completed jobs expire from the queue; the stored result still answers for them.
    const meta = parsed.analyzerVersion === ANALYZER_VERSION ? await deps.results.getMeta(parsed.digest) : undefined;
    if (!meta) return problem(c, 404, 'NOT_FOUND', `no analysis ${id} (it may have expired; POST /v1/analyses again)`);
    return c.json({
      id,
      status: 'completed',
      image: meta.image,
      digest: meta.digest,
      indexDigest: meta.indexDigest,
      platform: meta.platform,
      links,
      result: { packages: meta.packages, warnings: meta.warnings.length },
    });
  });

  return app;
}

/**
 * `platform: "all"`: one analysis per image platform of the index (each its own digest, job and cache entry),
 * listed in one answer — 200 when every one is already completed, else 202.
 */
async function allPlatforms(c: Context, deps: ApiDeps, body: z.infer<typeof analysisRequest>): Promise<Response> {
  if (!deps.resolveAll) return problem(c, 501, 'NOT_IMPLEMENTED', 'platform "all" is not available here');
  const requested = await requestAllPlatforms(deps, { image: body.image, force: body.force, callbackUrl: body.callbackUrl }, c.req.raw.signal);
  const analyses = requested.map(({ created: _created, ...one }) => one);
  const completed = analyses.every((a) => a.status === 'completed');
  return c.json(
    { image: analyses[0]?.image ?? body.image, indexDigest: analyses[0]?.indexDigest, platform: 'all', status: completed ? 'completed' : 'queued', analyses },
    completed ? 200 : 202,
  );
}


