/** GET /v1/sboms/{digest} and /v1/layers/{digest} through the in-process body cache. */
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { resultsApp } from '../../support/results-app.js';
import { CYCLONEDX_MEDIA_TYPE } from '../../../src/sbom/cyclonedx.js';
import { ANALYZER_VERSION } from '../../../src/catalog/catalogers.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const MISSING = `sha256:${'b'.repeat(64)}`;
const SBOM = JSON.stringify({ bomFormat: 'CycloneDX', components: Array.from({ length: 100 }, (_, i) => ({ name: `pkg-${i}`, version: '1.0.0' })) }, null, 2);

function setup() {
  const { app, reads } = resultsApp({ digest: DIGEST, sbom: SBOM, layers: '{"layers":[]}' });
  return { app, reads };
}

describe('cached result bodies', () => {
  it('reads a body from the store once and serves the same bytes, ETag and headers after', async () => {
    const { app, reads } = setup();
    const first = await app.request(`/v1/sboms/${DIGEST}`);
    const second = await app.request(`/v1/sboms/${DIGEST}`);
    expect(reads).toEqual([`sbom ${DIGEST}`]);
    for (const res of [first, second]) {
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(SBOM);
      expect(res.headers.get('content-type')).toBe(CYCLONEDX_MEDIA_TYPE);
      expect(res.headers.get('etag')).toBe(`"${ANALYZER_VERSION}-sbom-${DIGEST.slice(7)}"`);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('x-request-id')).toBeTruthy();
    }
    const layers = await app.request(`/v1/layers/${DIGEST}`);
    expect(await layers.json()).toEqual({ layers: [] });
  });

  it('answers gzip to clients that accept it, 304 to a matching If-None-Match, 404 for no result', async () => {
    const { app, reads } = setup();
    const gz = await app.request(`/v1/sboms/${DIGEST}`, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString()).toBe(SBOM);
    const etag = gz.headers.get('etag')!;
    const notModified = await app.request(`/v1/sboms/${DIGEST}`, { headers: { 'if-none-match': etag } });
    expect(notModified.status).toBe(304);
    const missing = await app.request(`/v1/sboms/${MISSING}`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe('NOT_FOUND');
    // A result that does not exist yet is asked for again next time (it may have been stored since).
    await app.request(`/v1/sboms/${MISSING}`);
    expect(reads.filter((r) => r.includes(MISSING))).toHaveLength(2);
  });
});
