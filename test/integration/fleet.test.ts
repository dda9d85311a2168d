/**
 * The fleet questions over real Redis on real images built from ../shared/corpus: every truth package findable by
 * its purl in exactly the images that hold it, vers ranges answered with each ecosystem's order, the diff of two
 * Alpine releases equal to what their package databases say, and bad input refused with problem+json.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { RedisResultStore } from '../../src/cache/redis-result-store.js';
import type { ResultMeta, ResultSummary } from '../../src/cache/stores.js';
import { factsOf } from '../../src/fleet/package-facts.js';
import { PackageIndex, type PackageQueryPage } from '../../src/fleet/package-index.js';
import { createLogger } from '../../src/logger.js';
import { KeySpace } from '../../src/redis/keys.js';
import { buildPurl } from '../../src/sbom/package.js';
import { ANALYZER_VERSION } from '../../src/catalog/catalogers.js';
import { versionScheme } from '../../src/versions/index.js';
import { catalogSummaries, corpusDir, hasCorpus, readTruth, summarizeTarball, type TruthRow } from '../support/catalog-tester.js';
import { pep503 } from '../support/truth.js';
import { dropPrefix, redisUrl, testPrefix } from '../support/redis.js';

const unused = () => {
  throw new Error('not used by this test');
};
const digestOf = (name: string) => `sha256:${createHash('sha256').update(name).digest('hex')}`;

interface CorpusImage {
  name: string;
  layers: string[];
  truth: string;
}

const IMAGES: CorpusImage[] = [
  { name: 'debian-minbase', layers: ['debian/debian-bookworm-minbase-rootfs.tar.gz'], truth: 'debian/debian-bookworm-minbase.truth.tsv' },
  { name: 'debian-python', layers: ['debian/debian-bookworm-minbase-rootfs.tar.gz', 'debian/debian-bookworm-python-layer.tar.gz'], truth: 'debian/debian-bookworm-python.truth.tsv' },
  { name: 'alpine-3.19', layers: ['alpine/alpine-minirootfs-3.19.4-x86_64.tar.gz'], truth: 'alpine/alpine-minirootfs-3.19.4-x86_64.truth.tsv' },
  { name: 'alpine-3.20', layers: ['alpine/alpine-minirootfs-3.20.3-x86_64.tar.gz'], truth: 'alpine/alpine-minirootfs-3.20.3-x86_64.truth.tsv' },
  { name: 'alpine-3.20-arm', layers: ['alpine/alpine-minirootfs-3.20.3-aarch64.tar.gz'], truth: 'alpine/alpine-minirootfs-3.20.3-aarch64.truth.tsv' },
  { name: 'alpine-npm', layers: ['alpine/alpine-minirootfs-3.19.4-x86_64.tar.gz', 'npm-app-layer.tar.gz'], truth: 'npm-app-layer.truth.tsv' },
];

const NAMESPACE: Record<string, string | undefined> = { deb: 'debian', apk: 'alpine' };

/** The purl a user would type for a truth row, without version. */
function purlOf(row: TruthRow): string {
  if (row.type === 'npm' && row.name.startsWith('@')) {
    const [scope, name] = row.name.split('/');
    return buildPurl('npm', scope, name!, undefined);
  }
  return buildPurl(row.type, NAMESPACE[row.type], row.type === 'pypi' ? pep503(row.name) : row.name, undefined);
}

const summary = (size: number, wasted: number): ResultSummary => ({
  layers: 1,
  compressedSize: size / 2,
  size,
  wastedBytes: wasted,
  efficiency: 1 - wasted / size,
  dive: { efficiency: 1 - wasted / size, wastedBytes: wasted, userWastedPercent: null },
});

describe.skipIf(!hasCorpus)('fleet: package index and diff on corpus images (real Redis)', () => {
  const prefix = testPrefix('fleet');
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const results = new RedisResultStore(redis, { prefix });
  const index = new PackageIndex(redis, results, { prefix, analyzerVersion: ANALYZER_VERSION });
  const app = createApp({
    queue: { enqueue: unused, get: unused },
    results,
    resolve: unused,
    ready: async () => true,
    apiKeys: [],
    logger: createLogger('silent'),
    openapi: '',
    packages: index,
  });
  /** image name → truth rows (for alpine-npm: the alpine base's rows too, since the image holds both). */
  const truth = new Map<string, TruthRow[]>();
  const get = async (path: string) => {
    const res = await app.request(path);
    return { status: res.status, type: res.headers.get('content-type'), body: res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text() };
  };
  const allPages = async (query: string): Promise<PackageQueryPage['images']> => {
    const images: PackageQueryPage['images'] = [];
    let cursor: string | undefined;
    for (let n = 0; n < 100; n++) {
      const r = await get(`/v1/packages?${query}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      images.push(...(r.body as PackageQueryPage).images);
      cursor = (r.body as PackageQueryPage).next;
      if (!cursor) return images;
    }
    throw new Error('pagination did not end');
  };

  beforeAll(async () => {
    const summaries = new Map<string, Awaited<ReturnType<typeof summarizeTarball>>>();
    for (const image of IMAGES) for (const l of image.layers) if (!summaries.has(l)) summaries.set(l, await summarizeTarball(`${corpusDir}/${l}`));
    for (const [i, image] of IMAGES.entries()) {
      const catalog = catalogSummaries(image.layers.map((l) => summaries.get(l)!));
      const digest = digestOf(image.name);
      const rows = readTruth(`${corpusDir}/${image.truth}`).filter((r) => !r.optional);
      truth.set(image.name, image.name === 'alpine-npm' ? [...rows, ...readTruth(`${corpusDir}/${IMAGES[2]!.truth}`)] : rows);
      await index.record({ digest, image: `registry.test/${image.name}:latest`, platform: 'linux/amd64', facts: factsOf(catalog.packages) });
      const meta: ResultMeta = {
        image: `registry.test/${image.name}:latest`,
        digest,
        platform: image.name.endsWith('arm') ? 'linux/arm64' : 'linux/amd64',
        analyzerVersion: ANALYZER_VERSION,
        completedAt: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(),
        packages: {},
        warnings: [],
        summary: summary(1_000_000 * (i + 1), 1000 * i),
      };
      await results.put({ meta, sbom: '{}', layers: '{}' });
    }
  }, 120_000);

  afterAll(async () => {
    redis.disconnect();
    await dropPrefix(prefix);
  });

  it('finds every truth package by its purl in exactly the images that hold it, with the version each holds', async () => {
    const expected = new Map<string, Map<string, Set<string>>>(); // purl → digest → versions
    for (const [name, rows] of truth) {
      for (const row of rows) {
        const purl = purlOf(row);
        const images = expected.get(purl) ?? new Map<string, Set<string>>();
        const versions = images.get(digestOf(name)) ?? new Set<string>();
        versions.add(row.version);
        images.set(digestOf(name), versions);
        expected.set(purl, images);
      }
    }
    expect(expected.size).toBeGreaterThan(250);
    for (const [purl, images] of expected) {
      const found = await allPages(`purl=${encodeURIComponent(purl)}`);
      const got = Object.fromEntries(found.map((m) => [m.digest, [...new Set(m.packages.map((p) => p.version))].sort()]));
      const want = Object.fromEntries([...images].map(([d, v]) => [d, [...v].sort()]));
      expect({ purl, got }).toEqual({ purl, got: want });
      // Stable order: digests ascending across pages.
      expect(found.map((m) => m.digest)).toEqual([...found.map((m) => m.digest)].sort());
    }
  });

  it('answers vers ranges exactly, compared by each ecosystem order', async () => {
    let checked = 0;
    for (const [name, rows] of truth) {
      for (const row of rows.slice(0, 40)) {
        const scheme = versionScheme(row.type)!;
        const purl = purlOf(row);
        for (const op of ['<', '>=', '!='] as const) {
          const vers = `vers:${scheme.name}/${op}${encodeURIComponent(row.version)}`;
          const found = await allPages(`purl=${encodeURIComponent(purl)}&vers=${encodeURIComponent(vers)}`);
          const inRange = (v: string) => {
            const r = scheme.compare(v, row.version);
            return op === '<' ? r < 0 : op === '>=' ? r >= 0 : r !== 0;
          };
          // Every image: in the answer exactly when one of its versions of the package is in range.
          for (const [other, otherRows] of truth) {
            const held = otherRows.filter((r) => purlOf(r) === purl).map((r) => r.version);
            const answer = found.find((m) => m.digest === digestOf(other));
            expect({ name, purl, vers, other, listed: answer !== undefined }).toEqual({ name, purl, vers, other, listed: held.some(inRange) });
            if (answer) expect(answer.packages.every((p) => inRange(p.version))).toBe(true);
          }
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('reports the layer that added a package and the image references', async () => {
    const r = await get(`/v1/packages?purl=${encodeURIComponent('pkg:deb/debian/python3.11')}`);
    const match = (r.body as PackageQueryPage).images.find((m) => m.digest === digestOf('debian-python'))!;
    expect(match.packages[0]!.layer).toBe(1);
    expect(match.references).toEqual(['registry.test/debian-python:latest']);
    await index.addReference(digestOf('debian-python'), 'registry.test/debian-python:1.0@sha256:' + 'b'.repeat(64));
    const again = await get(`/v1/packages?purl=${encodeURIComponent('pkg:deb/debian/python3.11')}`);
    expect((again.body as PackageQueryPage).images[0]!.references).toEqual(['registry.test/debian-python:1.0', 'registry.test/debian-python:latest']);
    // pypi distributions installed by a deb name their owner.
    const jinja = await get(`/v1/packages?purl=${encodeURIComponent('pkg:pypi/Jinja2')}`);
    expect((jinja.body as PackageQueryPage).images[0]!.packages[0]!.ownedBy).toMatch(/^pkg:deb\/debian\/python3-jinja2@/);
  });

  it('diffs two Alpine releases as their package databases say', async () => {
    const r = await get(`/v1/diff?from=${digestOf('alpine-3.19')}&to=${digestOf('alpine-3.20')}`);
    expect(r.status).toBe(200);
    const body = r.body as { packages: { added: { name: string }[]; removed: { name: string }[]; upgraded: { name: string; from: string; to: string }[]; downgraded: unknown[]; unchanged: number }; layers: { size: { delta: number } }; summary: string };
    const before = new Map(truth.get('alpine-3.19')!.map((t) => [t.name, t.version]));
    const after = new Map(truth.get('alpine-3.20')!.map((t) => [t.name, t.version]));
    const scheme = versionScheme('apk')!;
    const up = [...after].filter(([n, v]) => before.has(n) && scheme.compare(before.get(n)!, v) < 0).map(([n]) => n).sort();
    expect(body.packages.upgraded.map((c) => c.name).sort()).toEqual(up);
    expect(up.length).toBeGreaterThan(5);
    expect(body.packages.added.map((p) => p.name).sort()).toEqual([...after.keys()].filter((n) => !before.has(n)).sort());
    expect(body.packages.removed.map((p) => p.name).sort()).toEqual([...before.keys()].filter((n) => !after.has(n)).sort());
    expect(body.packages.unchanged).toBe([...after].filter(([n, v]) => before.get(n) === v).length);
    expect(body.packages.downgraded).toEqual([]);
    for (const c of body.packages.upgraded) expect([c.from, c.to]).toEqual([before.get(c.name), after.get(c.name)]);
    expect(body.layers.size.delta).toBe(1_000_000);
    expect(body.summary).toMatch(/ → /);
    const back = await get(`/v1/diff?from=${digestOf('alpine-3.20')}&to=${digestOf('alpine-3.19')}`);
    expect((back.body as typeof body).packages.downgraded.length).toBe(up.length);
    const table = await get(`/v1/diff?from=${digestOf('alpine-3.19')}&to=${digestOf('alpine-3.20')}&format=table`);
    expect(table.type).toMatch(/text\/plain/);
    expect(table.body).toMatch(/^CHANGE\s+NAME\s+TYPE\s+VERSION/);
    expect(table.body).toContain(`upgraded`);
  });

  it('refuses bad input with problem+json that says what is wrong', async () => {
    const cases: [string, number, string, RegExp][] = [
      ['/v1/packages', 400, 'INVALID_PURL', /give the package/],
      ['/v1/packages?purl=openssl', 400, 'INVALID_PURL', /not a valid purl/],
      ['/v1/packages?purl=pkg:npm/lodash&vers=%3C4.17.21', 400, 'INVALID_VERS', /not a vers range/],
      ['/v1/packages?purl=pkg:npm/lodash&vers=vers:npm/%3Cbanana', 400, 'INVALID_VERS', /not a valid npm version/],
      ['/v1/packages?purl=pkg:npm/lodash&vers=vers:deb/%3C1.0', 400, 'INVALID_VERS', /does not order npm/],
      ['/v1/packages?purl=pkg:npm/lodash&limit=0', 400, 'INVALID_LIMIT', /1 to 1000/],
      ['/v1/packages?purl=pkg:npm/lodash&cursor=zzz', 400, 'INVALID_CURSOR', /next/],
      [`/v1/diff?from=${digestOf('alpine-3.19')}&to=sha256:${'0'.repeat(64)}`, 404, 'NOT_FOUND', /has not been analysed/],
      ['/v1/diff?from=abc&to=def', 400, 'INVALID_DIGEST', /not a sha256 digest/],
    ];
    for (const [path, status, code, detail] of cases) {
      const r = await get(path);
      expect({ path, status: r.status, type: r.type, code: (r.body as { code: string }).code }).toEqual({ path, status, type: 'application/problem+json', code });
      expect((r.body as { detail: string }).detail).toMatch(detail);
    }
  });

  it('never answers an image whose result is gone, and drops it from the index', async () => {
    const purl = encodeURIComponent('pkg:apk/alpine/musl');
    const before = await allPages(`purl=${purl}`);
    expect(before.map((m) => m.digest)).toContain(digestOf('alpine-3.20-arm'));
    await redis.del(new KeySpace(prefix).resultKey(ANALYZER_VERSION, digestOf('alpine-3.20-arm'), 'meta'));
    const after = await allPages(`purl=${purl}`);
    expect(after.map((m) => m.digest)).toEqual(before.map((m) => m.digest).filter((d) => d !== digestOf('alpine-3.20-arm')));
    const keyBase = new KeySpace(prefix).packageIndex(ANALYZER_VERSION, 'apk/alpine/musl');
    const left = await redis.zrangebylex(keyBase, '-', '+');
    expect(left.length).toBe(after.length);
    expect(left.some((e) => e.startsWith(digestOf('alpine-3.20-arm')))).toBe(false);
    // Indexed again (a forced re-analysis): the image's old entry is replaced, never listed twice.
    const again = (await index.facts(digestOf('alpine-3.20')))!;
    await index.record({ ...again, facts: again.facts.map((f) => (f.name === 'musl' ? { ...f, version: '9.9.9-r0' } : f)) });
    const musl = (await allPages(`purl=${purl}`)).filter((m) => m.digest === digestOf('alpine-3.20'));
    expect(musl.map((m) => m.packages.map((p) => p.version))).toEqual([['9.9.9-r0']]);
    await index.remove(digestOf('alpine-3.20'));
    expect((await allPages(`purl=${purl}`)).map((m) => m.digest)).not.toContain(digestOf('alpine-3.20'));
    expect(await index.facts(digestOf('alpine-3.20'))).toBeUndefined();
  });
});
