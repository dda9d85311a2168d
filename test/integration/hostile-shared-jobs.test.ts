/**
 * Shared jobs across registries (issue 14): the job id is per digest, so the first request for a digest used to own
 * it — from whatever registry it named. A second request for the same digest from another repository must not wait
 * on, or fail with, a first one stuck on a stalling registry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apkImage } from '../support/apk-image.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { pushImage } from '../support/image-builder.js';
import { dropPrefix, testPrefix } from '../support/redis.js';
import { hasRegistry, registrySkipMessage, startRegistry, type TestRegistry } from '../support/registry.js';
import { startServiceStack, type ServiceStack } from '../support/service-stack.js';

if (!hasRegistry) console.warn(registrySkipMessage);

describe.skipIf(!hasRegistry)('one digest from two registries', () => {
  let slow: TestRegistry;
  let healthy: TestRegistry;
  let proxy: FaultProxy;
  let stack: ServiceStack;
  const prefix = testPrefix('shared-jobs');

  beforeAll(async () => {
    slow = await startRegistry();
    healthy = await startRegistry();
    proxy = await new FaultProxy(slow.url).start();
    stack = await startServiceStack(
      { LAYERLENS_INSECURE_REGISTRIES: `${proxy.host},${healthy.host}`, LAYERLENS_WORKER_CONCURRENCY: '2', LAYERLENS_JOB_ATTEMPTS: '1', LAYERLENS_JOB_TIME_BUDGET: '6s', LAYERLENS_LAYER_CACHE: 'false' },
      prefix,
    );
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
    await proxy?.stop();
    await slow?.stop();
    await healthy?.stop();
    await dropPrefix(prefix);
  });

  const post = async (image: string) =>
    (await (await fetch(`${stack.base}/v1/analyses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image }) })).json()) as Record<string, any>;
  const job = async (id: string) => (await (await fetch(`${stack.base}/v1/analyses/${id}`)).json()) as Record<string, any>;
  async function until(id: string, status: string, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const j = await job(id);
      if (j.status === status) return j;
      if (Date.now() > deadline) throw new Error(`job ${id} is ${j.status}, not ${status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('the second source gets its own job and completes while the first stalls, then fails on its own', async () => {
    const image = await apkImage('shared-jobs');
    await pushImage(slow.url, 'team/app', '1', image);
    await pushImage(healthy.url, 'mirror/app', '1', image);
    proxy.addFault({ method: 'GET', path: /\/blobs\/sha256:[a-f0-9]+$/, fault: { kind: 'stall', afterBytes: 10, ms: 20_000 }, times: 100 });
    // The config blob is fetched by the worker, not at POST; the manifest GETs pass the stall rule (no /blobs/).
    const first = await post(`${proxy.host}/team/app:1`);
    expect(first).toMatchObject({ status: 'queued', digest: image.manifestDigest });
    await until(first.id, 'active');
    const second = await post(`${healthy.host}/mirror/app:1`);
    expect(second).toMatchObject({ status: 'queued', digest: image.manifestDigest });
    expect(second.id).not.toBe(first.id);
    expect(second.id).toMatch(new RegExp(`^${first.id}-s[a-f0-9]{8}$`));
    expect(second.links.self).toBe(`/v1/analyses/${second.id}`);
    await until(second.id, 'completed', 15_000);
    expect((await job(first.id)).status).toBe('active');
    expect((await fetch(`${stack.base}/v1/sboms/${image.manifestDigest}`)).status).toBe(200);
    // The stalled first job ends at its budget, on its own, and the stored result stays.
    const failed = await until(first.id, 'failed', 20_000);
    expect(failed.error.code).toBe('TIME_BUDGET_EXCEEDED');
    expect((await fetch(`${stack.base}/v1/sboms/${image.manifestDigest}`)).status).toBe(200);
  }, 90_000);
});
