/**
 * POST /v1/analyses with `platform: "all"` against the real registry: one job per image platform of the index (the
 * attestation entry skipped), each with its own digest and id, listed in one answer; a single platform keeps the
 * single-analysis answer. The queue is an in-memory stand-in that records payloads (the service test covers Redis).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { resolveAllPlatforms, resolveImage } from '../../src/image/resolve.js';
import type { AnalysisPayload } from '../../src/jobs/analysis-job.js';
import { createLogger } from '../../src/logger.js';
import { RegistryClient } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/reference.js';
import { buildImage, buildIndex, OCI_INDEX, pushImage, pushManifest, tarLayer } from '../support/image-builder.js';
import { hasRegistry, registrySkipMessage, startRegistry, type TestRegistry } from '../support/registry.js';

if (!hasRegistry) console.warn(registrySkipMessage);

describe.skipIf(!hasRegistry)('POST /v1/analyses with platform "all"', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
    const amd = await buildImage([{ bytes: await tarLayer([{ path: 'a', content: 'amd' }]) }]);
    const arm = await buildImage([{ bytes: await tarLayer([{ path: 'a', content: 'arm' }]) }], { architecture: 'arm64', variant: 'v8' });
    const att = await buildImage([{ bytes: await tarLayer([{ path: 'sbom', content: '{}' }]) }], { os: 'unknown', architecture: 'unknown' });
    for (const i of [amd, arm, att]) await pushImage(registry.url, 'team/multi', undefined, i);
    const index = buildIndex([
      { image: amd, platform: { os: 'linux', architecture: 'amd64' } },
      { image: arm, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      { image: att, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } },
    ]);
    await pushManifest(registry.url, 'team/multi', '1', index.body, OCI_INDEX);
  });
  afterAll(async () => registry?.stop());

  function app() {
    const client = new RegistryClient({ insecureRegistries: [registry.host] });
    const enqueued: AnalysisPayload[] = [];
    const unused = () => {
      throw new Error('not used');
    };
    const api = createApp({
      queue: { enqueue: async (p: AnalysisPayload) => (enqueued.push(p), { id: p.digest, created: true }), get: unused },
      results: { getMeta: async () => undefined, getSbom: unused, getLayers: unused, put: unused },
      resolve: (image, platform, signal) => resolveImage(client, parseReference(image), platform, signal),
      resolveAll: (image, signal) => resolveAllPlatforms(client, parseReference(image), signal),
      ready: async () => true,
      apiKeys: [],
      logger: createLogger('silent'),
      openapi: '',
    });
    const post = (body: object) => api.request('/v1/analyses', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { post, enqueued };
  }

  it('enqueues one job per image platform and lists them', async () => {
    const { post, enqueued } = app();
    const res = await post({ image: `${registry.host}/team/multi:1`, platform: 'all' });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { platform: string; status: string; indexDigest: string; analyses: { id: string; platform: string; digest: string; status: string }[] };
    expect(body).toMatchObject({ platform: 'all', status: 'queued' });
    expect(body.analyses.map((a) => a.platform)).toEqual(['linux/amd64', 'linux/arm64/v8']);
    expect(new Set(body.analyses.map((a) => a.id)).size).toBe(2);
    expect(enqueued.map((p) => p.pinned)).toEqual(body.analyses.map((a) => `${registry.host}/team/multi@${a.digest}`));
    expect(enqueued.every((p) => p.indexDigest === body.indexDigest)).toBe(true);
  });

  it('keeps the single-analysis answer for one platform', async () => {
    const { post, enqueued } = app();
    const res = await post({ image: `${registry.host}/team/multi:1`, platform: 'linux/arm64' });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ platform: 'linux/arm64/v8', status: 'queued' });
    expect(enqueued).toHaveLength(1);
  });
});
