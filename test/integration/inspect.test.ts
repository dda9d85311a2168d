/**
 * Inspection against the real registry (behind the recording fault proxy): a multi-arch index with an attestation, a
 * Windows and an unknown-OS entry; Docker and OCI media types; a FROM-scratch image and a zero-layer image; a
 * repository with more tags than one page. No layer blob is ever fetched. The odd images are also analysed for real.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeImage } from '../../src/analyze.js';
import { openImage } from '../../src/image/open.js';
import { inspectImage } from '../../src/inspect/inspect-image.js';
import { listTags } from '../../src/inspect/list-tags.js';
import { CachingRegistryReader, type RegistryReader } from '../../src/inspect/registry-reader.js';
import { RegistryClient } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/reference.js';
import { validateCycloneDx } from '../../src/sbom/cyclonedx.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { hasRegistry, registrySkipMessage, startRegistry, type TestRegistry } from '../support/registry.js';
import { pushFixtures, type Fixtures } from './inspect-support.js';

if (!hasRegistry) console.warn(registrySkipMessage);

describe.skipIf(!hasRegistry)('inspection against the real registry', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let fx: Fixtures;
  const client = () => new RegistryClient({ insecureRegistries: [proxy.host] });
  const ref = (s: string) => parseReference(`${proxy.host}/${s}`);
  /** Layer GETs through the proxy: inspection must make none. */
  const layerGets = () => fx.layerDigests.reduce((n, d) => n + proxy.count('GET', new RegExp(`/blobs/${d}`)), 0);

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await new FaultProxy(registry.url).start();
    fx = await pushFixtures(registry.url);
  });
  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
  });

  it('inspects a multi-arch index: platforms with digests and sizes, the attestation apart, no layer pulled', async () => {
    proxy.clear();
    const x = await inspectImage(client(), ref('team/app:multi'));
    expect(x.kind).toBe('index');
    if (x.kind !== 'index') return;
    expect(x.digest).toBe(fx.index.digest);
    expect(x.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(x.platforms.map((p) => [p.platform, p.digest, p.size, p.osVersion])).toEqual([
      ['linux/amd64', fx.amd64.manifestDigest, fx.amd64.config.length + fx.amd64.layers.reduce((a, l) => a + l.size, 0), undefined],
      ['linux/arm64/v8', fx.arm64.manifestDigest, fx.arm64.config.length + fx.arm64.layers.reduce((a, l) => a + l.size, 0), undefined],
      ['windows/amd64', fx.windows.manifestDigest, expect.any(Number), '10.0.17763.5458'],
      ['plan9/386', fx.plan9.manifestDigest, expect.any(Number), undefined],
    ]);
    expect(x.artifacts).toEqual([
      { kind: 'attestation', digest: fx.attestation.manifestDigest, mediaType: 'application/vnd.oci.image.manifest.v1+json', refersTo: fx.amd64.manifestDigest, size: fx.attestation.manifest.length },
    ]);
    expect(x.platforms.every((p) => p.analysis === undefined)).toBe(true);
    expect(layerGets()).toBe(0);
    // The index and each of the four platform manifests, once; the attestation manifest is not read.
    expect(proxy.count('GET', /\/manifests\//)).toBe(5);
    expect(proxy.count('GET', /\/blobs\//)).toBe(0);
  });

  it('inspects an image: config fields, layers and history with empty steps marked, reading only manifest and config', async () => {
    proxy.clear();
    const x = await inspectImage(client(), ref('team/app:scratch'));
    if (x.kind !== 'image') throw new Error(`expected an image, got ${x.kind}`);
    expect(x.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    const i = x.image;
    expect(i).toMatchObject({
      configDigest: fx.scratch.configDigest,
      os: 'linux',
      architecture: 'amd64',
      created: '2024-09-06T11:35:00Z',
      author: 'layerlens tests',
      labels: { 'org.opencontainers.image.source': 'https://example.com/hello' },
      env: [],
      entrypoint: ['/hello'],
      cmd: null,
      exposedPorts: ['8080/tcp'],
      user: '65532:65532',
      workingDir: '/',
    });
    expect(i.layers).toEqual([{ digest: fx.scratch.layers[0].digest, mediaType: fx.scratch.layers[0].mediaType, size: fx.scratch.layers[0].size }]);
    expect(i.history.map((h) => [h.createdBy, h.emptyLayer, h.layerDigest])).toEqual([
      ['COPY hello /hello # buildkit', false, fx.scratch.layers[0].digest],
      ['USER 65532:65532', true, undefined],
      ['ENTRYPOINT ["/hello"]', true, undefined],
    ]);
    expect(layerGets()).toBe(0);
    expect(proxy.count('GET', /\/blobs\//)).toBe(1); // the config
  });

  it('reads Docker media types and a zero-layer image', async () => {
    const docker = await inspectImage(client(), ref('team/app:docker'));
    expect(docker).toMatchObject({ kind: 'image', mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest: fx.docker.manifestDigest });
    const list = await inspectImage(client(), ref('team/app:dockerlist'));
    expect(list).toMatchObject({ kind: 'index', mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json' });
    const empty = await inspectImage(client(), ref('team/app:empty'));
    if (empty.kind !== 'image') throw new Error('expected an image');
    expect(empty.image.layers).toEqual([]);
    expect(empty.image.size).toBe(fx.empty.config.length);
    expect(empty.image.history).toEqual([{ created: '2024-09-06T11:35:00Z', createdBy: 'LABEL purpose=empty', emptyLayer: true }]);
  });

  it('lists a repository of more tags than a page: paged by cursor, bounded concurrency, no layer pulled', async () => {
    proxy.clear();
    const counting = inFlightCounter(client());
    const first = await listTags(counting.reader, { registry: proxy.host, repository: 'many/tags' }, { pageSize: 50, limit: 100, concurrency: 8 });
    expect(first.tags).toHaveLength(100);
    expect(first.next).toBe(first.tags[99].tag);
    const rest = await listTags(counting.reader, { registry: proxy.host, repository: 'many/tags' }, { pageSize: 50, limit: 100, last: first.next });
    expect(rest.tags).toHaveLength(fx.manyTags.length - 100);
    expect(rest.next).toBeUndefined();
    expect([...first.tags, ...rest.tags].map((t) => t.tag)).toEqual([...fx.manyTags].sort());
    expect(rest.tags[0]).toMatchObject({ digest: fx.docker.manifestDigest, kind: 'image', platforms: [{ platform: 'linux/amd64', digest: fx.docker.manifestDigest }] });
    // distribution 2.8 ignores `n` and `last` (it pages only from v3; the Link walk is unit-tested): it answered
    // every tag on each request, and the listing paged by its own cursor over the sorted answer.
    expect(proxy.requests.filter((r) => r.path.includes('/many/tags/tags/list')).map((r) => r.path.replace(/.*\?/, ''))).toEqual(['n=50', `n=50&last=${first.next}`]);
    // A HEAD per tag; the shared manifest and config once per call.
    expect(proxy.count('HEAD', /\/many\/tags\/manifests\//)).toBe(fx.manyTags.length);
    expect(proxy.count('GET', /\/many\/tags\/manifests\//)).toBe(2);
    expect(counting.max()).toBeLessThanOrEqual(8);
    expect(counting.max()).toBeGreaterThan(1);
    expect(layerGets()).toBe(0);
  });

  it('filters by pattern, describes indexes per platform, honours 429 Retry-After, and caches in the API reader', async () => {
    proxy.clear();
    proxy.addFault({ method: 'HEAD', path: /\/team\/app\/manifests\/multi/, fault: { kind: 'status', status: 429, headers: { 'retry-after': '1' } } });
    const cached = new CachingRegistryReader(client(), { tagTtlMs: 60_000 });
    const started = Date.now();
    const listing = await listTags(cached, { registry: proxy.host, repository: 'team/app' }, { pattern: 'm*' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(listing.tags.map((t) => t.tag)).toEqual(['multi']);
    expect(listing.tags[0]).toMatchObject({ kind: 'index', artifacts: 1, platforms: [{ platform: 'linux/amd64' }, { platform: 'linux/arm64/v8' }, { platform: 'windows/amd64' }, { platform: 'plan9/386' }] });
    expect(proxy.count('HEAD', /\/manifests\/multi/)).toBe(2);
    proxy.clear();
    await listTags(cached, { registry: proxy.host, repository: 'team/app' }, { pattern: 'm*' });
    // Second listing: the tag answer and every manifest come from the cache; only the tag list is asked again.
    expect(proxy.requests.map((r) => `${r.method} ${r.path.replace(/\?.*/, '')}`)).toEqual(['GET /v2/team/app/tags/list']);
  });

  it('analyses a FROM-scratch image and a zero-layer image into valid SBOMs without an OS component or packages', async () => {
    for (const tag of ['scratch', 'empty']) {
      const source = await openImage(`${proxy.host}/team/app:${tag}`, { client: client() });
      const result = await analyzeImage(source);
      expect(await validateCycloneDx(result.sbom)).toBeUndefined();
      const sbom = JSON.parse(result.sbom);
      expect(sbom.components ?? []).toEqual([]);
      expect(result.counts).toEqual({});
      expect(result.report.totals.layers).toBe(tag === 'empty' ? 0 : 1);
      expect(result.report.totals.efficiency).toBe(1);
    }
  });
});

/** Wraps a reader and records how many of its calls are in flight at once. */
function inFlightCounter(inner: RegistryReader) {
  let now = 0;
  let max = 0;
  const wrap =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      now++;
      max = Math.max(max, now);
      try {
        return await fn(...a);
      } finally {
        now--;
      }
    };
  const reader: RegistryReader = {
    getManifest: wrap(inner.getManifest.bind(inner)),
    resolveDigest: wrap(inner.resolveDigest.bind(inner)),
    getBlobBytes: wrap(inner.getBlobBytes.bind(inner)),
    getRepositoryDocument: wrap(inner.getRepositoryDocument.bind(inner)),
  };
  return { reader, max: () => max };
}
