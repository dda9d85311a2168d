/** The middleware every request goes through: request id, the debug access log, the body limit and API keys. */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { createApp } from '../../../src/api/app.js';
import type { ApiDeps } from '../../../src/api/deps.js';
import { ResultBodyCache } from '../../../src/cache/result-body-cache.js';

const unused = () => {
  throw new Error('not used by this test');
};
const DIGEST = `sha256:${'c'.repeat(64)}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function setup(options: { level?: string; apiKeys?: string[] } = {}) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino({ level: options.level ?? 'info' }, sink);
  const deps: ApiDeps = {
    queue: { enqueue: unused, get: unused },
    results: { getMeta: unused, put: unused, getSbom: async (d: string) => (d === DIGEST ? '{"bomFormat":"CycloneDX"}' : undefined), getLayers: unused },
    resultBodies: new ResultBodyCache({ maxBytes: 1 << 20, analyzerVersion: 'test', contentType: () => 'application/json' }),
    resolve: unused,
    ready: async () => true,
    apiKeys: options.apiKeys ?? [],
    logger,
    openapi: '',
    maxBodyBytes: 1024,
  };
  return { app: createApp(deps), lines, logger };
}

/** A Request that counts reads of its `body`: reading it is what makes @hono/node-server build a full Request. */
function watched(url: string, init?: RequestInit): { req: Request; bodyReads: () => number } {
  const req = new Request(`http://localhost${url}`, init);
  const getBody = Object.getOwnPropertyDescriptor(Request.prototype, 'body')!.get!;
  let reads = 0;
  Object.defineProperty(req, 'body', {
    get() {
      reads++;
      return getBody.call(req) as ReadableStream | null;
    },
  });
  return { req, bodyReads: () => reads };
}

describe('API middleware', () => {
  it('never reads the body of a GET or HEAD; other methods still get the body limit', async () => {
    const { app } = setup();
    for (const method of ['GET', 'HEAD']) {
      const get = watched(`/v1/sboms/${DIGEST}`, { method });
      expect((await app.fetch(get.req)).status).toBe(200);
      expect(get.bodyReads()).toBe(0);
    }
    const big = watched('/v1/analyses', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image: 'x'.repeat(2000) }) });
    const res = await app.fetch(big.req);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { code: string }).code).toBe('BODY_TOO_LARGE');
    expect(big.bodyReads()).toBeGreaterThan(0);
  });

  it("answers with the caller's X-Request-Id when it is a plain token, otherwise with a new UUID", async () => {
    const { app } = setup();
    const id = async (header?: string) =>
      (await app.request(`/v1/sboms/${DIGEST}`, { headers: header === undefined ? {} : { 'x-request-id': header } })).headers.get('x-request-id');
    expect(await id('build-42_a=b')).toBe('build-42_a=b');
    expect(await id()).toMatch(UUID);
    expect(await id('two words')).toMatch(UUID);
    expect(await id('x'.repeat(256))).toMatch(UUID);
    const first = await id();
    expect(await id()).not.toBe(first);
    // Problem answers (here a 404) carry it too.
    expect((await app.request('/nowhere', { headers: { 'x-request-id': 'r-1' } })).headers.get('x-request-id')).toBe('r-1');
  });

  it('logs each request at debug level, and does not call the logger at all when debug is off', async () => {
    const debug = setup({ level: 'debug' });
    await debug.app.request(`/v1/sboms/${DIGEST}`, { headers: { 'x-request-id': 'req-7' } });
    const line = debug.lines.find((l) => l.msg === 'request');
    expect(line).toMatchObject({ method: 'GET', path: `/v1/sboms/${DIGEST}`, status: 200, requestId: 'req-7' });
    expect(typeof line?.ms).toBe('number');

    const quiet = setup({ level: 'info' });
    const spy = vi.spyOn(quiet.logger, 'debug');
    expect((await quiet.app.request(`/v1/sboms/${DIGEST}`)).status).toBe(200);
    expect(spy).not.toHaveBeenCalled();
    expect(quiet.lines).toEqual([]);
  });

  it('checks API keys on /v1 only when keys are configured', async () => {
    const open = setup();
    expect((await open.app.request(`/v1/sboms/${DIGEST}`)).status).toBe(200);
    const closed = setup({ apiKeys: ['k1'] });
    expect((await closed.app.request(`/v1/sboms/${DIGEST}`)).status).toBe(401);
    expect((await closed.app.request(`/v1/sboms/${DIGEST}`, { headers: { authorization: 'Bearer k1' } })).status).toBe(200);
    expect((await closed.app.request('/healthz')).status).toBe(200);
  });
});
