/** The pure parts of inspection: the LRU, the caching reader, tag paging and cursors, history pairing, tables. */
import { describe, expect, it } from 'vitest';
import { LayerlensError } from '../../../src/errors.js';
import { pairHistory, splitIndex } from '../../../src/inspect/inspect-image.js';
import { listTags } from '../../../src/inspect/list-tags.js';
import { Lru } from '../../../src/inspect/lru.js';
import { CachingRegistryReader, type RegistryReader } from '../../../src/inspect/registry-reader.js';
import { parseRepository } from '../../../src/inspect/repository.js';
import { analysisCell, formatTagsTable } from '../../../src/inspect/table.js';
import type { FetchedManifest } from '../../../src/registry/client.js';
import { parseManifest } from '../../../src/registry/manifest.js';
import type { ImageReference } from '../../../src/registry/reference.js';

const D = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

describe('Lru', () => {
  it('evicts the least recently used entry by count and by bytes, and expires entries', () => {
    let now = 0;
    const lru = new Lru<string>({ maxEntries: 2, maxBytes: 100, clock: () => now });
    lru.set('a', 'A', 10);
    lru.set('b', 'B', 10);
    expect(lru.get('a')).toBe('A'); // a is now the most recent
    lru.set('c', 'C', 10);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe('A');
    lru.set('big', 'X', 95); // over the byte budget with the others: they go
    expect(lru.size).toBe(1);
    expect(lru.totalBytes).toBe(95);
    lru.set('huge', 'Y', 101); // larger than the whole budget: not kept
    expect(lru.get('huge')).toBeUndefined();
    lru.set('t', 'T', 1, 1000);
    now = 999;
    expect(lru.get('t')).toBe('T');
    now = 1000;
    expect(lru.get('t')).toBeUndefined();
  });
});

function fakeManifest(digest: string): FetchedManifest {
  const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: D(99), size: 2 }, layers: [] }));
  return { digest, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: body.length, body, document: parseManifest(body, undefined, 'x') };
}

function countingReader(tagDigest: () => string) {
  const calls = { head: 0, manifest: 0, blob: 0 };
  const reader: RegistryReader = {
    resolveDigest: async (ref: ImageReference) => (calls.head++, ref.digest ?? tagDigest()),
    getManifest: async (ref: ImageReference) => (calls.manifest++, fakeManifest(ref.digest ?? tagDigest())),
    getBlobBytes: async () => (calls.blob++, Buffer.from('{}')),
    getRepositoryDocument: async () => ({ text: '{"tags":[]}', link: null }),
  };
  return { reader, calls };
}

describe('CachingRegistryReader', () => {
  const ref = { registry: 'r.example', repository: 'team/app', tag: '1' };

  it('keeps tag answers for the TTL and manifests and configs by digest until evicted', async () => {
    let now = 0;
    let current = D(1);
    const { reader, calls } = countingReader(() => current);
    const cache = new CachingRegistryReader(reader, { tagTtlMs: 60_000, clock: () => now });
    expect(await cache.resolveDigest(ref)).toBe(D(1));
    expect(await cache.resolveDigest(ref)).toBe(D(1));
    expect(calls.head).toBe(1);
    // The manifest by tag uses the cached digest's manifest once it is known.
    await cache.getManifest({ ...ref, tag: undefined, digest: D(1) });
    await cache.getManifest(ref);
    expect(calls.manifest).toBe(1);
    await cache.getBlobBytes(ref, { mediaType: '', digest: D(99), size: 2 });
    await cache.getBlobBytes(ref, { mediaType: '', digest: D(99), size: 2 });
    expect(calls.blob).toBe(1);
    // The tag moves; within the TTL the old answer stands, after it the new one is asked for.
    current = D(2);
    now = 59_999;
    expect(await cache.resolveDigest(ref)).toBe(D(1));
    now = 60_000;
    expect(await cache.resolveDigest(ref)).toBe(D(2));
    expect(calls.head).toBe(2);
    // Another repository never gets this repository's cached content.
    await cache.getManifest({ registry: 'r.example', repository: 'other/app', digest: D(1) });
    expect(calls.manifest).toBe(2);
  });

  it('shares one request between concurrent callers and caches no tag with TTL 0', async () => {
    const { reader, calls } = countingReader(() => D(3));
    const cache = new CachingRegistryReader(reader, { tagTtlMs: 0 });
    await Promise.all([cache.resolveDigest(ref), cache.resolveDigest(ref)]);
    expect(calls.head).toBe(1);
    await cache.resolveDigest(ref);
    expect(calls.head).toBe(2);
  });
});

describe('listTags paging', () => {
  // A registry of tags t000…t249 that pages at `n` with distribution's Link header.
  const all = Array.from({ length: 250 }, (_, i) => `t${String(i).padStart(3, '0')}`);
  function pagedReader() {
    const paths: string[] = [];
    const { reader } = countingReader(() => D(7));
    reader.getRepositoryDocument = async (_ref, path) => {
      paths.push(path);
      const q = new URL(path, 'http://x').searchParams;
      const n = Number(q.get('n'));
      const last = q.get('last');
      const start = last ? all.findIndex((t) => t > last) : 0;
      const tags = start === -1 ? [] : all.slice(start, start + n);
      const more = start !== -1 && start + n < all.length;
      return { text: JSON.stringify({ name: 'team/app', tags }), link: more ? `</v2/team/app/tags/list?last=${tags.at(-1)}&n=${n}>; rel="next"` : null };
    };
    return { reader, paths };
  }
  const repo = { registry: 'r.example', repository: 'team/app' };

  it('stops at the limit with a cursor, and continues from it to the end', async () => {
    const { reader, paths } = pagedReader();
    const first = await listTags(reader, repo, { limit: 120, pageSize: 50 });
    expect(first.tags.map((t) => t.tag)).toEqual(all.slice(0, 120));
    expect(first.next).toBe('t119');
    expect(paths).toEqual(['/tags/list?n=50', '/tags/list?last=t049&n=50', '/tags/list?last=t099&n=50']);
    const rest = await listTags(reader, repo, { limit: 1000, pageSize: 50, last: first.next });
    expect(rest.tags.map((t) => t.tag)).toEqual(all.slice(120));
    expect(rest.next).toBeUndefined();
    expect(rest.tags[0]).toMatchObject({ digest: D(7), kind: 'image', platforms: [{ platform: 'unknown/unknown' }] });
  });

  it('pages by its own cursor on a registry that ignores n and last (distribution 2.x answers all tags unsorted)', async () => {
    const { reader } = countingReader(() => D(7));
    const shuffled = [...all].reverse();
    reader.getRepositoryDocument = async () => ({ text: JSON.stringify({ tags: shuffled }), link: null });
    const first = await listTags(reader, repo, { limit: 100 });
    expect(first.tags.map((t) => t.tag)).toEqual(all.slice(0, 100));
    expect(first.next).toBe('t099');
    const rest = await listTags(reader, repo, { limit: 1000, last: first.next });
    expect(rest.tags.map((t) => t.tag)).toEqual(all.slice(100));
    expect(rest.next).toBeUndefined();
  });

  it('filters by glob and bounds the names examined per call', async () => {
    const { reader } = pagedReader();
    const some = await listTags(reader, repo, { pattern: 't1[0-4]?', pageSize: 100 });
    expect(some.tags).toHaveLength(50);
    expect(some.next).toBeUndefined();
    const bounded = await listTags(reader, repo, { pattern: 't24*', pageSize: 100, maxScan: 150 });
    expect(bounded.tags).toHaveLength(0);
    expect(bounded.next).toBe('t149');
  });

  it('records a tag-specific failure on its row and fails the listing for anything else', async () => {
    const { reader } = pagedReader();
    reader.resolveDigest = async (r) => {
      if (r.tag === 't001') throw new LayerlensError('MANIFEST_UNKNOWN', 'gone');
      return D(7);
    };
    const listing = await listTags(reader, repo, { limit: 3 });
    expect(listing.tags[1]).toEqual({ tag: 't001', platforms: [], error: { code: 'MANIFEST_UNKNOWN', message: 'gone' } });
    reader.resolveDigest = async () => {
      throw new LayerlensError('UNAUTHORIZED', 'no');
    };
    await expect(listTags(reader, repo, { limit: 3 })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});

describe('history, index entries, repositories, cells', () => {
  it('pairs each non-empty history step with the next layer', () => {
    const layers = [D(1), D(2)].map((digest) => ({ mediaType: 'x', digest, size: 1 }));
    const h = pairHistory([{ created_by: 'ADD a' }, { created_by: 'ENV x=1', empty_layer: true }, { created_by: 'RUN b' }, { created_by: 'CMD c', empty_layer: true }], layers);
    expect(h.map((x) => [x.createdBy, x.emptyLayer, x.layerDigest])).toEqual([
      ['ADD a', false, D(1)],
      ['ENV x=1', true, undefined],
      ['RUN b', false, D(2)],
      ['CMD c', true, undefined],
    ]);
  });

  it('tells attestations and artifacts from platforms', () => {
    const index = parseManifest(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.index.v1+json',
          manifests: [
            { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: D(1), size: 1, platform: { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1' } },
            { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: D(2), size: 1, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': D(1) } },
            { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: D(3), size: 1, artifactType: 'application/vnd.dev.sigstore.bundle+json' },
          ],
        }),
      ),
      undefined,
      'x',
    );
    if (index.kind !== 'index') throw new Error('not an index');
    const { images, artifacts } = splitIndex(index);
    expect(images.map((d) => d.digest)).toEqual([D(1)]);
    expect(artifacts.map((a) => [a.kind, a.digest, a.refersTo])).toEqual([
      ['attestation', D(2), D(1)],
      ['artifact', D(3), undefined],
    ]);
  });

  it('parses repository names and refuses references with a tag or digest', () => {
    expect(parseRepository('alpine')).toEqual({ registry: 'docker.io', repository: 'library/alpine' });
    expect(parseRepository('127.0.0.1:5000/team/app')).toEqual({ registry: '127.0.0.1:5000', repository: 'team/app' });
    for (const bad of ['alpine:3', '127.0.0.1:5000/team/app:1', `team/app@${D(1)}`]) expect(() => parseRepository(bad)).toThrow(/without a tag/);
  });

  it('formats analysis cells and tag rows', () => {
    expect(analysisCell({ status: 'not-analysed' })).toBe('not analysed');
    expect(analysisCell(undefined)).toBe('-');
    const cell = analysisCell({ status: 'analysed', analyzerVersion: 'v', completedAt: 't', packages: { npm: 12, apk: 3 }, wastedBytes: 4_100_000, efficiency: 0.9721, summary: null, links: { sbom: '', layers: '' } });
    expect(cell).toBe('3 apk, 12 npm · 4.1 MB wasted, 97.2 % efficient');
    const table = formatTagsTable({ repository: 'r/x', tags: [{ tag: 'gone', platforms: [], error: { code: 'MANIFEST_UNKNOWN', message: 'm' } }], next: 'gone' });
    expect(table).toContain('MANIFEST_UNKNOWN: m');
    expect(table).toContain('--last gone');
  });
});
