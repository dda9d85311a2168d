/**
 * The node:http fast path for cached result bodies answers exactly what the Hono route answers (status, headers,
 * bytes), and declines — leaving the answer to the app — whatever it does not hold or must not decide.
 */
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultsApp } from '../../support/results-app.js';
import { cachedResultListener, type FastListener } from '../../../src/api/cached-result-listener.js';
import { createApiServer } from '../../../src/api/server.js';
import { createLogger } from '../../../src/logger.js';
import { ANALYZER_VERSION } from '../../../src/catalog/catalogers.js';

const DIGEST = `sha256:${'d'.repeat(64)}`;
const SBOM = JSON.stringify({ bomFormat: 'CycloneDX', components: Array.from({ length: 200 }, (_, i) => ({ name: `pkg-${i}`, version: '1.0.0' })) });
const LAYERS = JSON.stringify({ layers: Array.from({ length: 50 }, (_, i) => ({ index: i })) });
const KEY = 'k3y-for-tests';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A server over its own app and body cache; `fast` adds the fast path, counting the requests it answered. */
async function start(options: { fast: boolean; apiKeys?: string[]; debug?: boolean }) {
  // Debug lines go nowhere: only whether the level is on matters here.
  const logger = options.debug ? pino({ level: 'debug' }, new Writable({ write: (_c, _e, done) => done() })) : createLogger('silent');
  const apiKeys = options.apiKeys ?? [];
  const { app, reads, bodies } = resultsApp({ digest: DIGEST, sbom: SBOM, layers: LAYERS, apiKeys, logger });
  let answered = 0;
  let fast: FastListener | undefined;
  if (options.fast) {
    const listener = cachedResultListener({ bodies, apiKeys, logger });
    fast = (req, res) => {
      const done = listener(req, res);
      if (done) answered++;
      return done;
    };
  }
  const server = createApiServer(app, { fast });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    reads,
    answered: () => answered,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Server = Awaited<ReturnType<typeof start>>;

/** Headers that differ between any two answers (the clock) or that the caller did not fix (a fresh request id). */
function comparable(reply: Reply, keepRequestId: boolean) {
  const { date: _date, 'x-request-id': requestId, ...headers } = reply.headers;
  return { status: reply.status, headers: keepRequestId ? { ...headers, 'x-request-id': requestId } : headers, body: reply.body.toString('base64') };
}

describe('cached result fast path', () => {
  let plain: Server;
  let fast: Server;
  beforeAll(async () => {
    [plain, fast] = await Promise.all([start({ fast: false }), start({ fast: true })]);
    // The first request of each body is a miss on both servers: the app reads the store and fills the cache.
    for (const s of [plain, fast]) {
      await get(s.port, `/v1/sboms/${DIGEST}`);
      await get(s.port, `/v1/layers/${DIGEST}`);
    }
    expect(fast.answered()).toBe(0);
  });
  afterAll(async () => {
    await plain.close();
    await fast.close();
  });

  const cases: Array<[name: string, path: string, headers: Record<string, string>]> = [
    ['an SBOM', `/v1/sboms/${DIGEST}`, {}],
    ['a layer report', `/v1/layers/${DIGEST}`, {}],
    ['gzip to a client that accepts it', `/v1/sboms/${DIGEST}`, { 'accept-encoding': 'br;q=1, gzip;q=0.5' }],
    ['identity when gzip is refused', `/v1/sboms/${DIGEST}`, { 'accept-encoding': 'gzip;q=0' }],
    ['304 for the current ETag', `/v1/sboms/${DIGEST}`, { 'if-none-match': `"${ANALYZER_VERSION}-sbom-${'d'.repeat(64)}"` }],
    ['200 for another ETag', `/v1/sboms/${DIGEST}`, { 'if-none-match': '"something-else"' }],
    ['any query ignored', `/v1/layers/${DIGEST}?pretty=1`, {}],
    ['the caller’s request id', `/v1/sboms/${DIGEST}`, { 'x-request-id': 'trace-42' }],
  ];
  for (const [name, path, headers] of cases) {
    it(`answers ${name} as the app does, without reading the store`, async () => {
      const before = fast.answered();
      const readsBefore = fast.reads.length;
      const [a, b] = await Promise.all([get(plain.port, path, headers), get(fast.port, path, headers)]);
      expect(fast.answered()).toBe(before + 1);
      expect(fast.reads.length).toBe(readsBefore);
      const keepId = headers['x-request-id'] !== undefined;
      expect(comparable(b, keepId)).toEqual(comparable(a, keepId));
    });
  }

  it('serves bytes the client can use, with a fresh request id when the caller’s is not a plain token', async () => {
    const gz = await get(fast.port, `/v1/sboms/${DIGEST}`, { 'accept-encoding': 'gzip', 'x-request-id': 'not a token' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(SBOM);
    expect(gz.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(Number(gz.headers['content-length'])).toBe(gz.body.length);
  });

  it('declines what it does not hold or must not decide: the app answers', async () => {
    const missing = `sha256:${'e'.repeat(64)}`;
    const before = fast.answered();
    const declined = [
      await get(fast.port, `/v1/sboms/${missing}`), // not held: the app reads the store, 404
      await get(fast.port, `/v1/sboms/${DIGEST.toUpperCase()}`), // not a digest: 400 from the route
      await get(fast.port, `/v1/sboms/${DIGEST}/`), // not the route
      await get(fast.port, `/v1/sboms/${encodeURIComponent(DIGEST)}`), // the route decodes it; the fast path does not
      await get(fast.port, `/v1/sboms/${DIGEST}`, {}, 'HEAD'),
    ];
    expect(fast.answered()).toBe(before);
    expect(declined.map((r) => r.status)).toEqual([404, 400, 404, 200, 200]);
    expect(fast.reads).toContain(`sbom ${missing}`);
  });
});

describe('cached result fast path with API keys or debug logging', () => {
  it('answers a request with a valid key and leaves a missing or wrong key to the app’s 401', async () => {
    const s = await start({ fast: true, apiKeys: ['other-key', KEY] });
    try {
      await get(s.port, `/v1/sboms/${DIGEST}`, { authorization: `Bearer ${KEY}` }); // miss: fills the cache
      const base = s.answered();
      const bearer = await get(s.port, `/v1/sboms/${DIGEST}`, { authorization: `Bearer ${KEY}` });
      const header = await get(s.port, `/v1/sboms/${DIGEST}`, { 'x-api-key': KEY });
      expect([bearer.status, header.status]).toEqual([200, 200]);
      expect(bearer.body.toString()).toBe(SBOM);
      expect(s.answered()).toBe(base + 2);
      const wrong = await get(s.port, `/v1/sboms/${DIGEST}`, { authorization: 'Bearer nope' });
      const none = await get(s.port, `/v1/sboms/${DIGEST}`);
      expect([wrong.status, none.status]).toEqual([401, 401]);
      expect(wrong.headers['content-type']).toBe('application/problem+json');
      expect(wrong.body.toString()).not.toContain('bomFormat');
      expect(s.answered()).toBe(base + 2);
    } finally {
      await s.close();
    }
  });

  it('leaves every request to the app while debug logging is on, so each one is logged', async () => {
    const s = await start({ fast: true, debug: true });
    try {
      await get(s.port, `/v1/sboms/${DIGEST}`);
      const second = await get(s.port, `/v1/sboms/${DIGEST}`);
      expect(second.status).toBe(200);
      expect(s.answered()).toBe(0);
      expect(s.reads).toEqual([`sbom ${DIGEST}`]); // still served from the body cache, through the app
    } finally {
      await s.close();
    }
  });
});
