import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisResultStore } from '../../src/cache/redis-result-store.js';
import { KeySpace } from '../../src/redis/keys.js';
import { ANALYZER_VERSION } from '../../src/catalog/catalogers.js';
import { dropPrefix, redisUrl, testPrefix } from '../support/redis.js';
import { startServiceStack, type ServiceStack } from '../support/service-stack.js';

const DIGEST = `sha256:${'c'.repeat(64)}`;
// An SBOM-shaped body: many near-identical components, as real CycloneDX documents are.
const sbom = JSON.stringify({
  bomFormat: 'CycloneDX',
  specVersion: '1.6',
  components: Array.from({ length: 400 }, (_, i) => ({ type: 'library', name: `pkg-${i}`, version: `1.${i}.0`, purl: `pkg:deb/debian/pkg-${i}@1.${i}.0?arch=amd64` })),
});
const layers = JSON.stringify({ layers: Array.from({ length: 30 }, (_, i) => ({ index: i, size: i * 1000, command: `RUN step ${i}` })) });

function get(base: string, path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each([
  ['with the in-process body cache', {}],
  ['straight from Redis', { LAYERLENS_RESULT_MEMORY_CACHE_BYTES: '0' }],
])('compact results %s', (_name, env: Record<string, string>) => {
  const prefix = testPrefix('compact');
  let stack: ServiceStack;
  let redis: Redis;
  beforeAll(async () => {
    redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    await new RedisResultStore(redis, { prefix }).put({
      meta: { image: 'x/y:1', digest: DIGEST, platform: 'linux/amd64', analyzerVersion: ANALYZER_VERSION, completedAt: new Date().toISOString(), packages: { deb: 400 }, warnings: [] },
      sbom,
      layers,
    });
    stack = await startServiceStack(env, prefix);
  });
  afterAll(async () => {
    await stack?.close();
    await dropPrefix(prefix);
    redis?.disconnect();
  });

  it('stores the SBOM gzip\'d, several times smaller than its JSON', async () => {
    const stored = await redis.getBuffer(new KeySpace(prefix).resultKey(ANALYZER_VERSION, DIGEST, 'sbom'));
    expect(stored?.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(gunzipSync(stored!).toString()).toBe(sbom);
    expect(stored!.length * 5).toBeLessThan(Buffer.byteLength(sbom));
  });

  it('serves the stored bytes to a gzip client and plain JSON to others, under one ETag', async () => {
    const stored = await redis.getBuffer(new KeySpace(prefix).resultKey(ANALYZER_VERSION, DIGEST, 'sbom'));
    const zipped = await get(stack.base, `/v1/sboms/${DIGEST}`, { 'accept-encoding': 'gzip' });
    expect(zipped.status).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.body.equals(stored!)).toBe(true);
    const plain = await get(stack.base, `/v1/sboms/${DIGEST}`, {});
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(sbom);
    expect(plain.headers.etag).toBe(zipped.headers.etag);
    // The SBOM's representation also follows Accept (or ?format=), so caches key on both.
    expect(plain.headers.vary).toBe('accept, accept-encoding');
    const layerReport = await get(stack.base, `/v1/layers/${DIGEST}`, { 'accept-encoding': 'br;q=1, gzip;q=0' });
    expect(layerReport.headers['content-encoding']).toBeUndefined();
    expect(layerReport.body.toString()).toBe(layers);
    const notModified = await get(stack.base, `/v1/sboms/${DIGEST}`, { 'if-none-match': plain.headers.etag as string });
    expect(notModified.status).toBe(304);
  });

  it('still reads a result stored uncompressed by an older release', async () => {
    const old = `sha256:${'d'.repeat(64)}`;
    const keys = new KeySpace(prefix);
    await redis.set(keys.resultKey(ANALYZER_VERSION, old, 'sbom'), sbom);
    const zipped = await get(stack.base, `/v1/sboms/${old}`, { 'accept-encoding': 'gzip' });
    expect(gunzipSync(zipped.body).toString()).toBe(sbom);
    expect((await get(stack.base, `/v1/sboms/${old}`, {})).body.toString()).toBe(sbom);
  });
});
