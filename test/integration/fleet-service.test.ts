/**
 * The fleet questions through the real service: API and worker processes, real Redis, the real registry. The worker
 * indexes what it analyses, /v1/packages and /v1/diff answer from that index, and a watch with a callbackUrl is told
 * what changed when its tag moves — to a new digest (after the analysis) and back to one already analysed (at once).
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apkImage } from '../support/apk-image.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { HttpReceiver, type ReceivedRequest } from '../support/http-receiver.js';
import { pushImage } from '../support/image-builder.js';
import { dropPrefix, testPrefix } from '../support/redis.js';
import { hasRegistry, registrySkipMessage, startRegistry, type TestRegistry } from '../support/registry.js';
import { startServiceStack, type ServiceStack } from '../support/service-stack.js';

if (!hasRegistry) console.warn(registrySkipMessage);

const SECRET = 'fleet-callback-secret';

describe.skipIf(!hasRegistry)('fleet queries and watch diffs (service)', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let receiver: HttpReceiver;
  let stack: ServiceStack;
  let base: string;
  const prefix = testPrefix('fleet-service');

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await new FaultProxy(registry.url).start();
    receiver = await new HttpReceiver().start();
    stack = await startServiceStack(
      {
        LAYERLENS_INSECURE_REGISTRIES: proxy.host,
        LAYERLENS_WATCH_MIN_INTERVAL: '1s',
        LAYERLENS_CALLBACK_SECRET: SECRET,
        LAYERLENS_CALLBACK_ALLOW_PRIVATE: 'true',
      },
      prefix,
    );
    base = stack.base;
  });

  afterAll(async () => {
    await stack?.close();
    await receiver?.stop();
    await proxy?.stop();
    await registry?.stop();
    await dropPrefix(prefix);
  });

  const json = async (path: string) => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const signed = (r: ReceivedRequest) => r.headers['x-layerlens-signature'] === `sha256=${createHmac('sha256', SECRET).update(r.body).digest('hex')}`;

  it('indexes what the worker analyses and tells a watch what changed when its tag moves', async () => {
    const before = await apkImage('fleetpkg', '1.0-r0');
    const after = await apkImage('fleetpkg', '1.1-r0');
    await pushImage(registry.url, 'team/fleet', '1', before);
    const created = await fetch(`${base}/v1/watches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ repository: `${proxy.host}/team/fleet`, tags: ['1'], interval: '1s', callbackUrl: `${receiver.url}/watch` }),
    });
    expect(created.status).toBe(201);
    const watch = (await created.json()) as { id: string; callbackUrl: string };
    expect(watch.callbackUrl).toBe(`${receiver.url}/watch`);

    // The first sight of a tag is no change: indexed, no callback.
    const purl = encodeURIComponent('pkg:apk/alpine/fleetpkg');
    const first = await until('the first digest in the index', async () => {
      const r = await json(`/v1/packages?purl=${purl}`);
      return r.body.images?.length === 1 ? r.body : undefined;
    });
    expect(first.images[0]).toMatchObject({ digest: before.manifestDigest, platform: 'linux/amd64', references: [`${proxy.host}/team/fleet:1`], packages: [{ version: '1.0-r0', layer: 0 }] });

    await pushImage(registry.url, 'team/fleet', '1', after);
    const [moved] = await receiver.waitFor((r) => r.path === '/watch');
    expect(signed(moved!)).toBe(true);
    const body = JSON.parse(moved!.body);
    expect(body).toMatchObject({
      status: 'completed',
      digest: after.manifestDigest,
      watch: { id: watch.id, tag: '1' },
      changes: { from: before.manifestDigest, to: after.manifestDigest, summary: 'fleetpkg 1.0-r0 → 1.1-r0', upgraded: [{ name: 'fleetpkg', type: 'apk', from: '1.0-r0', to: '1.1-r0' }], added: 0, removed: 0 },
    });
    const diff = await json(body.changes.diff);
    expect(diff.status).toBe(200);
    expect(diff.body.packages.upgraded).toHaveLength(1);

    // Back to a digest already analysed: no job ends, the callback goes from the rescan itself.
    await pushImage(registry.url, 'team/fleet', '1', before);
    const [, back] = await receiver.waitFor((r) => r.path === '/watch', 2);
    expect(JSON.parse(back!.body)).toMatchObject({ digest: before.manifestDigest, changes: { downgraded: [{ name: 'fleetpkg', from: '1.1-r0', to: '1.0-r0' }] } });

    const older = await json(`/v1/packages?purl=${purl}&vers=${encodeURIComponent('vers:apk/<1.1-r0')}`);
    expect(older.body.images.map((m: { digest: string }) => m.digest)).toEqual([before.manifestDigest]);
    const both = await json(`/v1/packages?purl=${purl}`);
    expect(both.body.images.map((m: { digest: string }) => m.digest).sort()).toEqual([before.manifestDigest, after.manifestDigest].sort());
  });

  it('refuses a watch callback the SSRF policy refuses', async () => {
    const res = await fetch(`${base}/v1/watches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ repository: `${proxy.host}/team/fleet`, tags: ['1'], interval: '1s', callbackUrl: 'http://169.254.169.254/latest' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'CALLBACK_URL_REFUSED' });
  });
});
