import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { acceptsGzip, ResultBodyCache, resultEtag } from '../../../src/cache/result-body-cache.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const D3 = `sha256:${'3'.repeat(64)}`;

const cache = (maxBytes: number) =>
  new ResultBodyCache({ maxBytes, analyzerVersion: 'v1', contentType: (p) => (p === 'sbom' ? 'application/vnd.cyclonedx+json' : 'application/json') });

describe('ResultBodyCache', () => {
  it('prepares a body once: bytes, ETag, headers and a gzip variant', async () => {
    const c = cache(1 << 20);
    const text = JSON.stringify({ components: Array.from({ length: 200 }, (_, i) => ({ name: `p${i}` })) });
    let reads = 0;
    const load = async () => (reads++, text);
    const a = await c.get('sbom', D1, load);
    const b = await c.get('sbom', D1, load);
    expect(reads).toBe(1);
    expect(b).toBe(a);
    expect(Buffer.from(a!.identity).toString()).toBe(text);
    expect(a!.etag).toBe(resultEtag('v1', 'sbom', D1));
    expect(a!.identityHeaders).toMatchObject({ 'content-type': 'application/vnd.cyclonedx+json', etag: a!.etag, 'content-length': String(text.length) });
    expect(gunzipSync(a!.gzip!).toString()).toBe(text);
    expect(a!.gzipHeaders).toMatchObject({ 'content-encoding': 'gzip', 'content-length': String(a!.gzip!.length), vary: 'accept, accept-encoding' }); // an SBOM's representation follows Accept too
    expect(c.hits).toBe(1);
  });

  it('shares one read between concurrent misses and keeps nothing for an absent result', async () => {
    const c = cache(1 << 20);
    let reads = 0;
    const load = () => new Promise<string>((r) => setTimeout(() => (reads++, r('{}')), 5));
    await Promise.all([c.get('layers', D1, load), c.get('layers', D1, load), c.get('layers', D1, load)]);
    expect(reads).toBe(1);
    let absent = 0;
    expect(await c.get('sbom', D2, async () => (absent++, undefined))).toBeUndefined();
    expect(await c.get('sbom', D2, async () => (absent++, undefined))).toBeUndefined();
    expect(absent).toBe(2);
    await expect(c.get('sbom', D2, async () => '{"later":true}')).resolves.toBeDefined();
  });

  it('evicts the least recently used bodies past maxBytes, and never holds one larger than the cache', async () => {
    const c = cache(250);
    const body = (n: number) => async () => 'x'.repeat(n);
    await c.get('sbom', D1, body(100));
    await c.get('sbom', D2, body(100));
    await c.get('sbom', D1, body(100)); // D1 is now the most recent
    await c.get('sbom', D3, body(100)); // over 250: D2 goes
    expect(c.size).toBe(2);
    expect(c.heldBytes).toBe(200);
    expect(c.peek('sbom', D2)).toBeUndefined();
    expect(c.peek('sbom', D1)).toBeDefined();
    expect(c.peek('sbom', D3)).toBeDefined();
    const big = await c.get('layers', D1, body(1000));
    expect(big).toBeDefined(); // served…
    expect(c.peek('layers', D1)).toBeUndefined(); // …not held
    expect(c.heldBytes).toBeLessThanOrEqual(250);
  });

  it('reads Accept-Encoding', () => {
    expect(acceptsGzip(undefined)).toBe(false);
    expect(acceptsGzip('gzip, deflate, br')).toBe(true);
    expect(acceptsGzip('br;q=1.0, gzip;q=0.5')).toBe(true);
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('identity')).toBe(false);
  });
});
