/**
 * POST /v1/analyses and GET /v1/analyses/{id}. A request resolves the image to its platform manifest digest (one or
 * two manifest GETs, never a layer), answers from the result store when the digest was analysed by this analyzer
 * version, and otherwise enqueues one job per digest × platform × analyzer version.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { isLayerlensError } from '../../errors.js';
import { platformKey } from '../../image/resolve.js';
import { analysisJobId, parseAnalysisJobId, type AnalysisPayload } from '../../jobs/analysis-job.js';
import { parsePlatform } from '../../registry/platform.js';
import { ANALYZER_VERSION } from '../../version.js';
import type { ApiDeps } from '../deps.js';
import { analysisLinks } from '../links.js';
import { problem, problemFromError } from '../problem.js';
import { readJsonBody } from '../read-json.js';

const analysisRequest = z.object({
  image: z.string().min(1).max(1024),
  platform: z.string().max(100).optional(),
  force: z.boolean().optional(),
});

export function analysesRoutes(deps: ApiDeps): Hono {
  const app = new Hono();

  app.post('/v1/analyses', async (c) => {
    const body = await readJsonBody(c, analysisRequest);
    if (body instanceof Response) return body;
    try {
      const platform = body.platform ? parsePlatform(body.platform) : undefined;
      const resolved = await deps.resolve(body.image, platform, c.req.raw.signal);
      const key = platformKey(resolved);
      const id = analysisJobId(resolved.digest, key);
      const base = { id, image: resolved.name, digest: resolved.digest, indexDigest: resolved.indexDigest, platform: key, links: analysisLinks(id, resolved.digest) };
      if (!body.force) {
        const meta = await deps.results.getMeta(resolved.digest);
        if (meta) return c.json({ ...base, status: 'completed', platform: meta.platform, result: { packages: meta.packages, warnings: meta.warnings.length } }, 200);
      }
      const payload: AnalysisPayload = {
        image: resolved.name,
        pinned: resolved.pinned,
        digest: resolved.digest,
        indexDigest: resolved.indexDigest,
        platform: key,
        analyzerVersion: ANALYZER_VERSION,
        requestedAt: new Date().toISOString(),
      };
      const { created } = await deps.queue.enqueue(payload);
      deps.logger.info({ jobId: id, image: resolved.name, digest: resolved.digest, created }, 'analysis requested');
      c.header('location', `/v1/analyses/${id}`);
      return c.json({ ...base, status: 'queued' }, 202);
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

/** Workers fail jobs with `CODE: step of image: message`; split that back into its parts. */
export function parseFailure(reason: string): { code: string; detail: string } {
  const m = /^([A-Z_]+): ([\s\S]*)$/.exec(reason);
  return m ? { code: m[1], detail: m[2] } : { code: 'INTERNAL', detail: reason };
}

