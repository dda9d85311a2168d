/**
 * End to end: API → BullMQ → worker → Redis result store, against the real registry (behind a recording,
 * fault-injecting proxy) and a real Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateCycloneDx } from '../../src/sbom/cyclonedx.js';
import { startServiceStack, type ServiceStack } from '../support/service-stack.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { buildImage, pushImage, tarLayer } from '../support/image-builder.js';
import { corpus, corpusSkipMessage, hasCorpus } from '../support/paths.js';
import { dropPrefix, testPrefix } from '../support/redis.js';
import { hasRegistry, registrySkipMessage, startRegistry, type TestRegistry } from '../support/registry.js';
import { readTruth } from '../support/truth.js';

const skip = !hasCorpus || !hasRegistry;
if (skip) console.warn(!hasCorpus ? corpusSkipMessage : registrySkipMessage);

describe.skipIf(skip)('service end to end', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let stack: ServiceStack;
  let base: string;
  const prefix = testPrefix('service');

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await new FaultProxy(registry.url).start();
    await pushImage(registry.url, 'library/alpine', '3.19', await buildImage([{ file: corpus('alpine/alpine-minirootfs-3.19.4-x86_64.tar.gz') }]));
    const small = await buildImage([{ bytes: await tarLayer([{ path: 'etc/hello.txt', content: 'hello' }]) }]);
    await pushImage(registry.url, 'test/corrupt', '1', small);
    stack = await startServiceStack({ LAYERLENS_INSECURE_REGISTRIES: proxy.host, LAYERLENS_JOB_ATTEMPTS: '2' }, prefix);
    base = stack.base;
  });

  afterAll(async () => {
    await stack?.close();
    await proxy?.stop();
    await registry?.stop();
    await dropPrefix(prefix);
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}/v1/analyses`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  async function waitForJob(location: string): Promise<Record<string, any>> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const job = (await (await fetch(`${base}${location}`)).json()) as Record<string, any>;
      if (job.status === 'completed' || job.status === 'failed') return job;
      if (Date.now() > deadline) throw new Error(`job still ${job.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('analyses an image: 202 + Location, the job completes, the SBOM is served and matches the truth', async () => {
    const image = `${proxy.host}/library/alpine:3.19`;
    const first = await post({ image });
    expect(first.status).toBe(202);
    const location = first.headers.get('location')!;
    const body = (await first.json()) as Record<string, any>;
    expect(location).toBe(`/v1/analyses/${body.id}`);
    expect(body).toMatchObject({ status: 'queued', image, digest: expect.stringMatching(/^sha256:/) });

    // A duplicate request while the first is pending shares its job.
    const dup = (await (await post({ image })).json()) as Record<string, any>;
    expect(dup.id).toBe(body.id);

    const job = await waitForJob(location);
    expect(job.status).toBe('completed');
    expect(job.result.packages.apk).toBe(15);
    expect(job.platform).toBe('single');

    const sbomRes = await fetch(`${base}/v1/sboms/${body.digest}`);
    expect(sbomRes.status).toBe(200);
    expect(sbomRes.headers.get('content-type')).toBe('application/vnd.cyclonedx+json; version=1.6');
    const text = await sbomRes.text();
    expect(await validateCycloneDx(text)).toBeUndefined();
    const sbom = JSON.parse(text);
    const names = new Set(sbom.components.filter((c: any) => c.type === 'library').map((c: any) => `${c.name}\t${c.version}`));
    const truth = new Set(readTruth(corpus('alpine/alpine-minirootfs-3.19.4-x86_64.truth.tsv')).map((r) => `${r.name}\t${r.version}`));
    expect(names).toEqual(truth);

    const etag = sbomRes.headers.get('etag')!;
    const notModified = await fetch(`${base}/v1/sboms/${body.digest}`, { headers: { 'if-none-match': etag } });
    expect(notModified.status).toBe(304);

    const layers = await fetch(`${base}/v1/layers/${body.digest}`);
    expect(layers.status).toBe(200);
  });

  it('answers a second request from the cache without pulling anything', async () => {
    const image = `${proxy.host}/library/alpine:3.19`;
    proxy.clear();
    const res = await post({ image });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Record<string, any>).status).toBe('completed');
    expect(proxy.count('GET', /\/blobs\//)).toBe(0);
  });

  it('records why a job failed: a corrupted layer blob is a DIGEST_MISMATCH and nothing is cached', async () => {
    proxy.clear();
    proxy.addFault({ method: 'GET', path: /\/test\/corrupt\/blobs\/sha256:/, fault: { kind: 'corrupt' }, times: Infinity });
    const res = await post({ image: `${proxy.host}/test/corrupt:1` });
    expect(res.status).toBe(202);
    const { digest } = (await res.json()) as Record<string, any>;
    const job = await waitForJob(res.headers.get('location')!);
    expect(job.status).toBe('failed');
    expect(job.error.code).toBe('DIGEST_MISMATCH');
    expect(job.error.detail).toContain('test/corrupt');
    const sbom = await fetch(`${base}/v1/sboms/${digest}`);
    expect(sbom.status).toBe(404);
    expect(sbom.headers.get('content-type')).toBe('application/problem+json');
    proxy.clear();
  });

  it('answers bad input with problem+json', async () => {
    const cases: [unknown, number, string][] = [
      [{}, 400, 'INVALID_BODY'],
      [{ image: 'UPPER/Case' }, 400, 'INVALID_REFERENCE'],
      [{ image: `${proxy.host}/library/alpine:3.19`, platform: 'linux' }, 400, 'INVALID_PLATFORM'],
      [{ image: `${proxy.host}/library/alpine:missing` }, 422, 'MANIFEST_UNKNOWN'],
      [{ image: 'oci-dir:/etc' }, 400, 'INVALID_REFERENCE'],
    ];
    for (const [body, status, code] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const p = (await res.json()) as Record<string, any>;
      expect(p).toMatchObject({ status, code, type: expect.stringMatching(/^urn:layerlens:problem:/) });
      expect(p.detail.length).toBeGreaterThan(10);
    }
    const notJson = await fetch(`${base}/v1/analyses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(notJson.status).toBe(400);
    const wrongType = await fetch(`${base}/v1/analyses`, { method: 'POST', body: 'image=alpine' });
    expect(wrongType.status).toBe(415);
    const unknown = await fetch(`${base}/v1/analyses/nope`);
    expect(unknown.status).toBe(404);
  });

  it('reports health and readiness', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: 'ready' });
    const spec = await fetch(`${base}/openapi.yaml`);
    expect(await spec.text()).toContain('openapi: 3.1.0');
  });
});
