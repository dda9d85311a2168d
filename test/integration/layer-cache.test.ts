/**
 * The layer cache end to end: real registry behind the recording proxy, real Redis. A second analysis downloads no
 * blob; two concurrent analyses of images sharing a layer download it once.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeImage } from '../../src/analyze.js';
import { RedisLayerSummaryStore } from '../../src/cache/redis-layer-store.js';
import { openImage } from '../../src/image/open.js';
import { RegistryClient } from '../../src/registry/client.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { buildImage, pushImage, tarLayer, type BuiltImage } from '../support/image-builder.js';
import { corpus, corpusSkipMessage, hasCorpus } from '../support/paths.js';
import { dropPrefix, redisUrl, testPrefix } from '../support/redis.js';
import { hasRegistry, registrySkipMessage, startRegistry, type TestRegistry } from '../support/registry.js';

const skip = !hasCorpus || !hasRegistry;
if (skip) console.warn(!hasCorpus ? corpusSkipMessage : registrySkipMessage);

describe.skipIf(skip)('layer cache', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let redis: Redis;
  let other: Redis;
  let base: BuiltImage;
  const prefix = testPrefix('layercache');
  const client = () => new RegistryClient({ plainHttpLoopback: true });
  const blobGets = (digest: string) => proxy.count('GET', new RegExp(`/blobs/${digest}$`));

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await new FaultProxy(registry.url).start();
    redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    other = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    base = await buildImage([{ file: corpus('alpine/alpine-minirootfs-3.19.4-x86_64.tar.gz') }]);
    const own = (name: string) => tarLayer([{ path: `etc/${name}.txt`, content: name }]);
    await pushImage(registry.url, 'cache/one', '1', await buildImage([{ file: corpus('alpine/alpine-minirootfs-3.19.4-x86_64.tar.gz') }, { bytes: await own('one') }]));
    await pushImage(registry.url, 'cache/two', '1', await buildImage([{ file: corpus('alpine/alpine-minirootfs-3.19.4-x86_64.tar.gz') }, { bytes: await own('two') }]));
    await pushImage(registry.url, 'cache/three', '1', await buildImage([{ file: corpus('alpine/alpine-minirootfs-3.19.4-x86_64.tar.gz') }, { bytes: await own('three') }]));
  });
  afterAll(async () => {
    redis?.disconnect();
    other?.disconnect();
    await proxy?.stop();
    await registry?.stop();
    await dropPrefix(prefix);
  });

  async function analyse(image: string, store: RedisLayerSummaryStore) {
    const source = await openImage(`${proxy.host}/${image}`, { client: client() });
    return analyzeImage(source, { layerStore: store });
  }

  it('analyses an image a second time without downloading a blob, with the same result', async () => {
    const store = new RedisLayerSummaryStore(redis, { prefix });
    proxy.clear();
    const cold = await analyse('cache/one:1', store);
    expect(proxy.count('GET', /\/blobs\/sha256:/)).toBeGreaterThanOrEqual(3); // config + 2 layers
    proxy.clear();
    const warm = await analyse('cache/one:1', new RedisLayerSummaryStore(other, { prefix }));
    const layerGets = cold.summaries.reduce((n, s) => n + blobGets(s.digest), 0);
    expect(layerGets).toBe(0);
    expect(warm.sbom).toBe(cold.sbom);
    expect(warm.report).toEqual(cold.report);
    expect(warm.packages.length).toBeGreaterThan(10);
    // `layerlens scan` asks for the SBOM only: the same bytes, and no layer report built.
    const sbomOnly = await analyzeImage(await openImage(`${proxy.host}/cache/one:1`, { client: client() }), { layerStore: store, layerReport: false });
    expect(sbomOnly.sbom).toBe(cold.sbom);
    expect('report' in sbomOnly).toBe(false);
  });

  it('downloads a layer shared by two concurrent analyses once', async () => {
    proxy.clear();
    // Two stores on two connections: two workers, as far as the lock is concerned.
    const [two, three] = await Promise.all([
      analyse('cache/two:1', new RedisLayerSummaryStore(redis, { prefix: `${prefix}-shared`, pollMs: 20 })),
      analyse('cache/three:1', new RedisLayerSummaryStore(other, { prefix: `${prefix}-shared`, pollMs: 20 })),
    ]);
    expect(blobGets(base.layers[0].digest)).toBe(1);
    expect(blobGets(two.summaries[1].digest)).toBe(1);
    expect(blobGets(three.summaries[1].digest)).toBe(1);
    expect(two.counts).toEqual(three.counts);
    await dropPrefix(`${prefix}-shared`);
  });
});
