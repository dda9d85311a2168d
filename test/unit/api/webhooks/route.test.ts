/** The webhook route against in-memory dependencies: authentication, limits, dedup and the 202 summary. */
import { describe, expect, it } from 'vitest';
import { createApp } from '../../../../src/api/app.js';
import type { ApiDeps } from '../../../../src/api/deps.js';
import { LayerlensError } from '../../../../src/errors.js';
import { createLogger } from '../../../../src/logger.js';
import { D1, distributionEnvelope, distributionEvent, dockerHubPush } from './payloads.js';

const SECRET = 'hook-secret';
const EVENTS = 'application/vnd.docker.distribution.events.v1+json';

function setup(overrides: { secret?: string; maxBodyBytes?: number; failResolve?: boolean } = {}) {
  const resolved: string[] = [];
  const enqueued: string[] = [];
  const seen = new Set<string>();
  const forgotten: string[] = [];
  const deps: ApiDeps = {
    queue: {
      enqueue: async (p) => {
        enqueued.push(p.digest);
        return { id: 'x', created: true };
      },
      get: async () => undefined,
    },
    results: { getMeta: async () => undefined, getSbom: async () => undefined, getLayers: async () => undefined, put: async () => undefined },
    resolve: async (image) => {
      resolved.push(image);
      if (overrides.failResolve) throw new LayerlensError('MANIFEST_UNKNOWN', 'no such manifest', { retryable: false });
      const digest = image.includes('@') ? image.slice(image.indexOf('@') + 1) : `sha256:${'f'.repeat(64)}`;
      return { name: image, digest, pinned: image, manifest: {} as never, descriptor: {} as never };
    },
    ready: async () => true,
    apiKeys: ['api-key'],
    logger: createLogger('silent'),
    openapi: '',
    webhook: {
      secret: 'secret' in overrides ? overrides.secret : SECRET,
      maxBodyBytes: overrides.maxBodyBytes ?? 1024 * 1024,
      registryHosts: [],
      firstSeen: async (key) => (seen.has(key) ? false : (seen.add(key), true)),
      forget: async (key) => void (seen.delete(key), forgotten.push(key)),
    },
  };
  const app = createApp(deps);
  const post = (body: unknown, headers: Record<string, string> = {}, query = '') =>
    app.request(`/v1/webhooks/registry${query}`, { method: 'POST', headers: { 'content-type': EVENTS, ...headers }, body: JSON.stringify(body) });
  return { post, resolved, enqueued, forgotten };
}

const push = distributionEnvelope([distributionEvent('push', { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: D1, repository: 'team/app', tag: '1' })]);
const bearer = { authorization: `Bearer ${SECRET}` };

describe('POST /v1/webhooks/registry', () => {
  it('refuses every request while no secret is configured (secure by default)', async () => {
    const { post, resolved } = setup({ secret: undefined });
    const res = await post(push, bearer);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(((await res.json()) as { detail: string }).detail).toContain('LAYERLENS_WEBHOOK_SECRET');
    expect(resolved).toEqual([]);
  });

  it('401 without or with a wrong secret, nothing resolved or enqueued; API keys are neither needed nor enough', async () => {
    const { post, resolved, enqueued } = setup();
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: 'Bearer api-key' }, { 'x-api-key': 'api-key' }] as Record<string, string>[]) {
      const res = await post(push, headers);
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    expect((await post(push, {}, '?token=nope')).status).toBe(401);
    expect(resolved).toEqual([]);
    expect(enqueued).toEqual([]);
  });

  it('accepts a push with the Bearer secret or ?token=, and deduplicates a repeated (repository, digest) event', async () => {
    const { post, resolved, enqueued } = setup();
    const first = await post(push, bearer);
    expect(first.status).toBe(202);
    const body = (await first.json()) as Record<string, any>;
    expect(body).toMatchObject({ sender: 'distribution', accepted: 1, ignored: 0, duplicates: 0, errors: [] });
    expect(body.analyses).toEqual([{ id: expect.stringMatching(/^sha256-1{64}-single-/), image: `registry.example.com:5000/team/app:1@${D1}`, digest: D1, platform: 'single', status: 'queued' }]);
    const again = (await (await post(push, {}, `?token=${SECRET}`)).json()) as Record<string, any>;
    expect(again).toMatchObject({ accepted: 1, duplicates: 1, analyses: [] });
    expect(resolved).toHaveLength(1);
    expect(enqueued).toEqual([D1]);
  });

  it('resolves tag-only pushes (Docker Hub) through the same resolver', async () => {
    const { post, resolved } = setup();
    const res = await post(dockerHubPush, { 'content-type': 'application/json' }, `?token=${SECRET}`);
    expect(res.status).toBe(202);
    expect(resolved).toEqual(['docker.io/svendowideit/testhook:latest']);
  });

  it('reports a push that cannot be resolved as an error and forgets it so a retry is not a duplicate', async () => {
    const { post, forgotten } = setup({ failResolve: true });
    const body = (await (await post(push, bearer)).json()) as Record<string, any>;
    expect(body).toMatchObject({ accepted: 0, errors: [{ code: 'MANIFEST_UNKNOWN' }] });
    expect(forgotten).toEqual([`registry.example.com:5000/team/app@${D1}`]);
  });

  it('limits the body size, and wants JSON from a known sender', async () => {
    const { post } = setup({ maxBodyBytes: 200 });
    expect((await post(push, bearer)).status).toBe(413);
    const small = setup();
    expect((await small.post({ hello: 1 }, bearer)).status).toBe(400);
    const text = await small.post(push, { ...bearer, 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
  });
});
