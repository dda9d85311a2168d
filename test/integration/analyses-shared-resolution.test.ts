/**
 * POST /v1/analyses under a burst: concurrent requests for one reference share one registry round trip (counted at
 * a proxy in front of the real registry, which holds each manifest answer back so the requests overlap), and a
 * client that hangs up mid-lookup does not fail the requests sharing it. Push webhooks do not share lookups.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type RunningApi } from '../../src/api/server.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { apkImage } from '../support/apk-image.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { pushImage } from '../support/image-builder.js';
import { dropPrefix, redisUrl, testPrefix } from '../support/redis.js';
import { hasRegistry, registrySkipMessage, startRegistry, type TestRegistry } from '../support/registry.js';

if (!hasRegistry) console.warn(registrySkipMessage);

const TAG_MANIFEST = /\/v2\/team\/burst\/manifests\/1$/;

describe.skipIf(!hasRegistry)('POST /v1/analyses: shared resolution', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let api: RunningApi;
  let base: string;
  let digest: string;
  const prefix = testPrefix('shared-resolution');

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await new FaultProxy(registry.url).start();
    const image = await apkImage('burst');
    digest = image.manifestDigest;
    await pushImage(registry.url, 'team/burst', '1', image);
    const config = loadConfig({ REDIS_URL: redisUrl, PORT: '0', HOST: '127.0.0.1', LAYERLENS_INSECURE_REGISTRIES: proxy.host });
    api = await startApi(config, createLogger('silent'), { prefix });
    base = `http://127.0.0.1:${api.port}`;
  });

  afterAll(async () => {
    await api?.close();
    await proxy?.stop();
    await registry?.stop();
    await dropPrefix(prefix);
  });

  const analyse = (signal?: AbortSignal) =>
    fetch(`${base}/v1/analyses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image: `${proxy.host}/team/burst:1` }), signal });
  const slowTagLookups = () => proxy.addFault({ method: 'GET', path: TAG_MANIFEST, fault: { kind: 'delay', ms: 400 }, times: Infinity });

  it('answers a burst of concurrent requests for one tag with one manifest request', async () => {
    proxy.clear();
    slowTagLookups();
    const answers = await Promise.all(Array.from({ length: 12 }, () => analyse()));
    for (const res of answers) {
      expect([200, 202]).toContain(res.status);
      expect(((await res.json()) as { digest: string }).digest).toBe(digest);
    }
    expect(proxy.count('GET', TAG_MANIFEST)).toBe(1);
    // Once answered, the next request looks the tag up again: nothing is cached across bursts.
    expect((await analyse()).status).toBeLessThan(300);
    expect(proxy.count('GET', TAG_MANIFEST)).toBe(2);
  });

  it('keeps answering the others when the client that started the lookup hangs up', async () => {
    proxy.clear();
    slowTagLookups();
    const first = new AbortController();
    const hungUp = analyse(first.signal).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 50));
    const others = Array.from({ length: 3 }, () => analyse());
    await new Promise((r) => setTimeout(r, 50));
    first.abort();
    expect(await hungUp).toBeInstanceOf(Error);
    for (const res of await Promise.all(others)) {
      expect(res.status).toBeLessThan(300);
      expect(((await res.json()) as { digest: string }).digest).toBe(digest);
    }
    expect(proxy.count('GET', TAG_MANIFEST)).toBe(1);
  });
});
