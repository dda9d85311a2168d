/**
 * The limits issue 14's attack run found missing: the catalogers' time budget, field-length caps, the layer-count
 * limit, the decompressed default, and problem+json for what Node's HTTP parser refuses.
 */
import { Hono } from 'hono';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../../src/api/server.js';
import { problemFromError } from '../../../src/api/problem.js';
import { CATALOGERS } from '../../../src/catalog/catalogers.js';
import { catalogImage, MAX_NAME_CHARS } from '../../../src/catalog/run.js';
import { defaultLimits, loadConfig } from '../../../src/config.js';
import { LayerlensError } from '../../../src/errors.js';
import { assertLayerCount } from '../../../src/image/layers-of.js';
import { CapturedView } from '../../../src/image/squash.js';
import { catalogLayers, fakeSummary, layerRefs } from '../../support/catalog-tester.js';

const pkg = (name: string, version = '1.0.0') => JSON.stringify({ name, version });

describe('cataloging time budget', () => {
  it('skips the files left once the budget is spent, with one warning, instead of running on', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 10; i++) files[`app/node_modules/p${i}/package.json`] = pkg(`p${i}`);
    // A clock that advances 10 ms per reading: the budget of 35 ms covers only the first few parses.
    let t = 0;
    const view = CapturedView.fromLayers([fakeSummary({ files })]);
    const result = catalogImage(view, layerRefs(1), CATALOGERS, { timeBudgetMs: 35, now: () => (t += 10) });
    const npm = result.packages.filter((p) => p.type === 'npm');
    expect(npm.length).toBeGreaterThan(0);
    expect(npm.length).toBeLessThan(10);
    const warning = result.warnings.find((w) => w.includes('time budget'));
    expect(warning).toMatch(new RegExp(`${10 - npm.length} package file version\\(s\\) not parsed`));
  });

  it('without a budget every file is parsed', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 10; i++) files[`app/node_modules/p${i}/package.json`] = pkg(`p${i}`);
    expect(catalogLayers([{ files }]).packages.filter((p) => p.type === 'npm')).toHaveLength(10);
  });
});

describe('field-length caps', () => {
  it('a 1 MB package name is skipped with a warning, its neighbours kept', () => {
    const result = catalogLayers([
      { files: { 'a/node_modules/huge/package.json': pkg('x'.repeat(1_000_000)), 'a/node_modules/ok/package.json': pkg('ok') } },
    ]);
    expect(result.packages.map((p) => p.name)).toEqual(['ok']);
    expect(result.warnings.some((w) => w.includes(`name longer than ${MAX_NAME_CHARS}`))).toBe(true);
    expect(result.packages.every((p) => p.purl.length < 1000)).toBe(true);
  });

  it('a 100 kB version in an apk database is skipped too', () => {
    const db = `P:good\nV:1.0-r0\nA:x86_64\n\nP:bad\nV:${'9'.repeat(100_000)}\nA:x86_64\n`;
    const result = catalogLayers([{ files: { 'lib/apk/db/installed': db } }]);
    expect(result.packages.map((p) => p.name)).toEqual(['good']);
  });
});

describe('limits defaults', () => {
  it('the decompressed cap is 8 GiB, layers 256, and both are configurable', () => {
    expect(defaultLimits.maxUncompressedBytes).toBe(8 * 1024 ** 3);
    expect(loadConfig({}).limits).toEqual(defaultLimits);
    const c = loadConfig({ LAYERLENS_MAX_LAYERS: '10', LAYERLENS_JOB_TIME_BUDGET: '90s', LAYERLENS_CATALOG_TIME_BUDGET: '5s' });
    expect(c.limits).toMatchObject({ maxLayers: 10, jobTimeBudgetMs: 90_000, catalogTimeBudgetMs: 5_000 });
  });

  it('more layers than the limit is TOO_LARGE before any pull', () => {
    expect(() => assertLayerCount({ layers: new Array(257) }, 256, 'img')).toThrow(/257 layers, more than the limit of 256/);
    expect(() => assertLayerCount({ layers: new Array(256) }, 256, 'img')).not.toThrow();
  });
});

describe('answers', () => {
  it.each([
    ['DIGEST_MISMATCH', 502],
    ['SIZE_MISMATCH', 502],
    ['LAYER_INVALID', 422],
    ['TIME_BUDGET_EXCEEDED', 422],
  ] as const)('%s is %i with its code, not a 500', async (code, status) => {
    const app = new Hono().get('/', (c) => problemFromError(c, new LayerlensError(code, 'x', { step: 'fetch blob sha256:ab' })));
    const res = await app.request('/');
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ code, status });
  });
});

describe("what Node's HTTP parser refuses is problem+json", () => {
  let port = 0;
  const server = createApiServer(new Hono().post('/v1/analyses', async (c) => c.json({ got: await c.req.text() })).get('/x', (c) => c.text('ok')));
  beforeAll(() => new Promise<void>((r) => server.listen(0, '127.0.0.1', () => ((port = (server.address() as AddressInfo).port), r()))));
  afterAll(() => new Promise((r) => server.close(r)));

  const raw = (request: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(request));
      let out = '';
      socket.on('data', (d) => (out += d.toString()));
      socket.on('end', () => resolve(out));
      socket.on('error', reject);
    });

  const problemOf = (response: string) => {
    const [head, body] = response.split('\r\n\r\n');
    return { status: Number(head.split(' ')[1]), type: /content-type: (.*)/i.exec(head)?.[1], body: JSON.parse(body) as { code: string } };
  };

  it('a 100 kB URL is a 431 problem', async () => {
    const p = problemOf(await raw(`GET /x?${'a'.repeat(100_000)} HTTP/1.1\r\nhost: x\r\n\r\n`));
    expect(p).toMatchObject({ status: 431, type: 'application/problem+json', body: { code: 'HEADERS_TOO_LARGE', status: 431 } });
  });

  it('a Content-Length shorter than the body is a 400 problem for the rest, not a bare 400', async () => {
    const body = '{"image":"alpine"}';
    const out = await raw(`POST /v1/analyses HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 5\r\n\r\n${body}`);
    // The first five bytes are a request; what follows is garbage as HTTP, answered as a problem (the last answer).
    expect(problemOf(out.slice(out.lastIndexOf('HTTP/1.1 4')))).toMatchObject({ status: 400, type: 'application/problem+json', body: { code: 'INVALID_REQUEST' } });
  });

  it('a non-numeric Content-Length is a 400 problem', async () => {
    const p = problemOf(await raw(`POST /v1/analyses HTTP/1.1\r\nhost: x\r\ncontent-length: abc\r\n\r\n`));
    expect(p).toMatchObject({ status: 400, type: 'application/problem+json', body: { code: 'INVALID_REQUEST' } });
  });
});
