/** With Redis unreachable the API stays up, says so on /readyz, and answers 503 problem+json rather than hanging. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type RunningApi } from '../../src/api/server.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { freePort } from '../support/ports.js';

describe('API without Redis', () => {
  let api: RunningApi;
  let base: string;
  beforeAll(async () => {
    const deadPort = await freePort();
    api = await startApi(loadConfig({ REDIS_URL: `redis://127.0.0.1:${deadPort}`, PORT: '0', HOST: '127.0.0.1' }), createLogger('silent'));
    base = `http://127.0.0.1:${api.port}`;
  }, 30_000);
  afterAll(async () => api?.close());

  it('is alive but not ready, and data routes answer 503', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    const sbom = await fetch(`${base}/v1/sboms/sha256:${'a'.repeat(64)}`);
    expect(sbom.status).toBe(503);
    expect(sbom.headers.get('content-type')).toBe('application/problem+json');
    expect(((await sbom.json()) as { detail: string }).detail).toMatch(/Redis/);
  });
});
