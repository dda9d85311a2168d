/**
 * GET /v1/sboms/{digest} in every representation: Accept (with version=) or ?format= picks it, 406 names what is
 * supported, each representation has its own ETag and Vary: Accept; and the node:http fast path answers exactly
 * as the route does, per representation.
 */
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedResultListener } from '../../../src/api/cached-result-listener.js';
import { createApiServer } from '../../../src/api/server.js';
import { encodeCycloneDx } from '../../../src/sbom/cyclonedx.js';
import { sbomFormat } from '../../../src/sbom/formats/index.js';
import { negotiateSbomFormat } from '../../../src/sbom/formats/negotiate.js';
import { resultsApp } from '../../support/results-app.js';
import { SAMPLE_DIGEST, sampleSbomInput } from '../../support/sbom-sample.js';
import { validateFormat } from '../../support/sbom-validate.js';

const STORED = encodeCycloneDx(sampleSbomInput());
const path = `/v1/sboms/${SAMPLE_DIGEST}`;

describe('SBOM negotiation (pure)', () => {
  const id = (accept?: string, format?: string) => {
    const n = negotiateSbomFormat(accept, format);
    return n.ok ? n.format.id : n.reason;
  };
  it('maps Accept and ?format= to a format, newest version unless version= says', () => {
    const cases: Array<[args: [string?, string?], want: string]> = [
      [[], 'cyclonedx-json@1.6'],
      [['*/*'], 'cyclonedx-json@1.6'],
      [['application/json'], 'cyclonedx-json@1.6'],
      [['application/vnd.cyclonedx+json; version=1.5'], 'cyclonedx-json@1.5'],
      [['application/vnd.cyclonedx+json;version="1.6"'], 'cyclonedx-json@1.6'],
      [['application/vnd.cyclonedx+xml'], 'cyclonedx-xml@1.6'],
      [['application/spdx+json'], 'spdx-json@2.3'],
      [['application/spdx+json; version=2.3'], 'spdx-json@2.3'],
      [['application/spdx+json;q=0.5, application/vnd.cyclonedx+xml'], 'cyclonedx-xml@1.6'],
      [['application/spdx+json;q=0, */*;q=0.1'], 'cyclonedx-json@1.6'],
      [['text/plain'], 'table'],
      [['image/png'], 'not-acceptable'],
      [['application/spdx+json; version=3.0'], 'not-acceptable'],
      [['application/vnd.cyclonedx+json; version=1.4'], 'not-acceptable'],
      [['image/png', 'spdx-json'], 'spdx-json@2.3'],
      [[undefined, 'cyclonedx-json@1.5'], 'cyclonedx-json@1.5'],
      [[undefined, 'purls'], 'purls'],
      [[undefined, 'docx'], 'unknown-format'],
    ];
    for (const [args, want] of cases) expect(id(...args), JSON.stringify(args)).toBe(want);
    expect(id('a/b,'.repeat(2000))).toBe('not-acceptable');
  });
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(port: number, p: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: p, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /v1/sboms/{digest} representations', () => {
  let port: number;
  let answered = 0;
  let reads: string[];
  let close: () => Promise<void>;
  beforeAll(async () => {
    const built = resultsApp({ digest: SAMPLE_DIGEST, sbom: STORED, layers: '{}' });
    reads = built.reads;
    const listener = cachedResultListener({ bodies: built.bodies, apiKeys: [], logger: { isLevelEnabled: () => false } });
    const server = createApiServer(built.app, {
      fast: (req, res) => {
        const done = listener(req, res);
        if (done) answered++;
        return done;
      },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    close = () => new Promise((r) => server.close(() => r()));
  });
  afterAll(() => close());

  const cases: Array<[accept: string | undefined, query: string, id: string, type: string]> = [
    [undefined, '', 'cyclonedx-json@1.6', 'application/vnd.cyclonedx+json; version=1.6'],
    ['application/vnd.cyclonedx+json; version=1.5', '', 'cyclonedx-json@1.5', 'application/vnd.cyclonedx+json; version=1.5'],
    ['application/vnd.cyclonedx+xml', '', 'cyclonedx-xml@1.6', 'application/vnd.cyclonedx+xml; version=1.6'],
    ['application/spdx+json', '', 'spdx-json@2.3', 'application/spdx+json; version=2.3'],
    [undefined, '?format=spdx-json', 'spdx-json@2.3', 'application/spdx+json; version=2.3'],
    [undefined, '?format=table', 'table', 'text/plain; charset=utf-8'],
  ];
  for (const [accept, query, id, type] of cases) {
    it(`${accept ?? query ?? 'no Accept'} → ${id}: valid, same bytes as the encoder, own ETag, Vary: Accept, then from memory`, async () => {
      const headers: Record<string, string> = accept ? { accept } : {};
      const first = await get(port, path + query, headers);
      expect(first.status, first.body).toBe(200);
      expect(first.headers['content-type']).toBe(type);
      expect(first.headers.vary).toBe('accept, accept-encoding');
      expect(first.body).toBe(sbomFormat(id)!.encode(sampleSbomInput()));
      expect(await validateFormat(id as never, first.body)).toBeUndefined();
      const before = answered;
      const readsBefore = reads.length;
      const second = await get(port, path + query, headers);
      expect(answered).toBe(before + 1); // the fast path held this representation
      expect(reads.length).toBe(readsBefore);
      expect(second.body).toBe(first.body);
      expect(second.headers.etag).toBe(first.headers.etag);
      const notModified = await get(port, path + query, { ...headers, 'if-none-match': String(first.headers.etag) });
      expect(notModified.status).toBe(304);
    });
  }

  it('gives each representation its own ETag; the stored one keeps the ETag it always had', async () => {
    const etags = await Promise.all(cases.map(([accept, query]) => get(port, path + query, accept ? { accept } : {}).then((r) => r.headers.etag)));
    expect(new Set(etags).size).toBe(new Set(cases.map((c) => c[2])).size); // Accept and ?format= for one format share it
    expect(etags[0]).toMatch(new RegExp(`-sbom-${SAMPLE_DIGEST.slice(7)}"$`));
  });

  it('406 problem+json naming the supported media types, for Accept and for ?format=', async () => {
    for (const [headers, query] of [[{ accept: 'application/pdf' }, ''], [{}, '?format=docx']] as const) {
      const res = await get(port, path + query, headers);
      expect(res.status).toBe(406);
      expect(res.headers['content-type']).toBe('application/problem+json');
      const body = JSON.parse(res.body);
      expect(body.code).toBe('NOT_ACCEPTABLE');
      expect(body.detail).toContain('spdx-json');
    }
    const res = JSON.parse((await get(port, path, { accept: 'application/pdf' })).body);
    expect(res.supported).toEqual(expect.arrayContaining(['application/spdx+json; version=2.3', 'application/vnd.cyclonedx+xml; version=1.6', 'application/vnd.cyclonedx+json; version=1.5']));
  });
});
