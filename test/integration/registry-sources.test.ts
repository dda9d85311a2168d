/**
 * Image sources and media types made by a real tool: `skopeo copy` from the real registry into an OCI layout, an
 * oci-archive, a docker-archive, zstd layers and Docker schema 2 — each must read as the same files as the registry
 * image. Plus `platform: all` over an index with an attestation entry, and artifact manifests refused clearly.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultLimits } from '../../src/config.js';
import { listPlatformImages, openImage } from '../../src/image/open.js';
import { openRegistryImage } from '../../src/image/registry-source.js';
import { resolveAllPlatforms } from '../../src/image/resolve.js';
import type { ImageSource } from '../../src/image/source.js';
import { walkLayer } from '../../src/image/walk-layer.js';
import { RegistryClient } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/reference.js';
import { buildImage, buildIndex, OCI_INDEX, pushImage, pushManifest, sha256, tarLayer, uploadBlob } from '../support/image-builder.js';
import { hasRegistry, registrySkipMessage, startRegistry, type TestRegistry } from '../support/registry.js';

const hasSkopeo = spawnSync('skopeo', ['--version']).status === 0;
const skip = !hasRegistry || !hasSkopeo;
if (skip) console.warn(hasRegistry ? 'skopeo is not installed: source tests are skipped' : registrySkipMessage);

function skopeo(...args: string[]): void {
  const out = spawnSync('skopeo', ['--insecure-policy', 'copy', '-q', '--src-tls-verify=false', ...args], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`skopeo ${args.join(' ')}: ${out.stderr}`);
}

describe.skipIf(skip)('sources made by skopeo, platforms and artifacts', () => {
  let registry: TestRegistry;
  let work: string;
  const client = () => new RegistryClient({ plainHttpLoopback: true });
  const open = (image: string) => openImage(image, { client: client(), allowLocalSources: true });

  async function files(source: ImageSource): Promise<string[]> {
    const out: string[] = [];
    for (const layer of source.layers) out.push(...(await walkLayer(layer, { capture: () => false, limits: defaultLimits })).files.paths);
    return out.sort();
  }

  beforeAll(async () => {
    registry = await startRegistry();
    work = await mkdtemp(join(tmpdir(), 'layerlens-sources-'));
    const base = await tarLayer([{ path: 'etc/', type: 'directory' }, { path: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.20.0\n' }]);
    const top = await tarLayer([{ path: 'app/', type: 'directory' }, { path: 'app/main.js', content: 'console.log(1)\n' }]);
    await pushImage(registry.url, 'team/app', '1', await buildImage([{ bytes: base }, { bytes: top }]));

    // An index with two platforms and a BuildKit attestation entry.
    const amd = await buildImage([{ bytes: base }]);
    const arm = await buildImage([{ bytes: top }], { architecture: 'arm64', variant: 'v8' });
    const att = await buildImage([{ bytes: await tarLayer([{ path: 'sbom.json', content: '{}' }]) }], { os: 'unknown', architecture: 'unknown' });
    for (const img of [amd, arm, att]) await pushImage(registry.url, 'team/multi', undefined, img);
    const index = buildIndex([
      { image: amd, platform: { os: 'linux', architecture: 'amd64' } },
      { image: arm, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      {
        image: att,
        platform: { os: 'unknown', architecture: 'unknown' },
        annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': amd.manifestDigest },
      },
    ]);
    await pushManifest(registry.url, 'team/multi', '1', index.body, OCI_INDEX);

    // An artifact (an SBOM attached as an OCI artifact manifest): config of an unknown type, artifactType set.
    const blob = Buffer.from('{"bomFormat":"CycloneDX"}');
    const emptyConfig = Buffer.from('{}');
    for (const b of [blob, emptyConfig]) await uploadBlob(registry.url, 'team/app', sha256(b), b.length, () => b, {});
    const artifact = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.cyclonedx+json',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(emptyConfig), size: emptyConfig.length },
      layers: [{ mediaType: 'application/vnd.cyclonedx+json', digest: sha256(blob), size: blob.length }],
    };
    await pushManifest(registry.url, 'team/app', 'sbom', Buffer.from(JSON.stringify(artifact)), artifact.mediaType);
  });
  afterAll(async () => {
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const src = () => `docker://${registry.host}/team/app:1`;

  async function pushLayout(dir: string, repo: string, tag: string): Promise<void> {
    const blob = (d: string) => readFileSync(join(dir, 'blobs', 'sha256', d.slice(7)));
    const entry = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')).manifests[0];
    const manifest = JSON.parse(blob(entry.digest).toString());
    for (const d of [manifest.config, ...manifest.layers]) await uploadBlob(registry.url, repo, d.digest, d.size, () => blob(d.digest), {});
    await pushManifest(registry.url, repo, tag, blob(entry.digest), entry.mediaType);
  }

  it('reads an OCI layout, an oci-archive and a docker-archive written by skopeo as the registry image', async () => {
    const expected = await files(await open(`${registry.host}/team/app:1`));
    expect(expected).toEqual(['app', 'app/main.js', 'etc', 'etc/os-release']);
    skopeo(src(), `oci:${join(work, 'layout')}:v1`);
    skopeo(src(), `oci-archive:${join(work, 'image.oci.tar')}:v1`);
    skopeo(src(), `docker-archive:${join(work, 'image.docker.tar')}:team/app:1`);
    for (const image of [`oci-dir:${join(work, 'layout')}:v1`, `oci-archive:${join(work, 'image.oci.tar')}`, `docker-archive:${join(work, 'image.docker.tar')}`]) {
      const source = await open(image);
      expect(await files(source), image).toEqual(expected);
      expect(source.config.rootfs?.diff_ids).toHaveLength(2);
    }
    // docker save layers are uncompressed tars named by their diff_id; the tag selects the image.
    const docker = await open(`docker-archive:${join(work, 'image.docker.tar')}:team/app:1`);
    expect(docker.layers.map((l) => l.digest)).toEqual(docker.config.rootfs?.diff_ids);
    expect(docker.layers[0].mediaType).toBe('application/vnd.docker.image.rootfs.diff.tar');
    // Pinned by digest, as the service hands it to its worker.
    expect((await open(`docker-archive:${join(work, 'image.docker.tar')}@${docker.digest}`)).digest).toBe(docker.digest);
    await expect(open(`docker-archive:${join(work, 'image.docker.tar')}:team/other:1`)).rejects.toMatchObject({ code: 'MANIFEST_UNKNOWN' });
  });

  it('refuses a compressed archive and a file that is not an archive, clearly', async () => {
    const { readFile } = await import('node:fs/promises');
    const gz = join(work, 'image.tar.gz');
    await writeFile(gz, gzipSync(await readFile(join(work, 'image.oci.tar'))));
    await expect(open(`oci-archive:${gz}`)).rejects.toMatchObject({ code: 'SOURCE_INVALID', message: expect.stringContaining('gzip-compressed') });
    const junk = join(work, 'junk.tar');
    await writeFile(junk, Buffer.alloc(2048, 0x41));
    await expect(open(`docker-archive:${junk}`)).rejects.toMatchObject({ code: 'SOURCE_INVALID' });
  });

  it('reads zstd layers (skopeo --dest-compress-format zstd) and Docker schema 2 (--format v2s2)', async () => {
    const expected = await files(await open(`${registry.host}/team/app:1`));
    // Via a fresh OCI layout: towards the registry, skopeo 1.9 would reuse the gzip blobs its blob-info cache knows.
    skopeo('--dest-compress-format', 'zstd', `docker-archive:${join(work, 'image.docker.tar')}`, `oci:${join(work, 'zstd')}:1`);
    // …and the same way back to the registry (skopeo copy would substitute gzip blobs): upload the layout's blobs as they are.
    await pushLayout(join(work, 'zstd'), 'team/zstd', '1');
    expect(await files(await open(`oci-dir:${join(work, 'zstd')}:1`))).toEqual(expected);
    skopeo('--dest-tls-verify=false', '--format', 'v2s2', src(), `docker://${registry.host}/team/v2s2:1`);
    const zstd = await open(`${registry.host}/team/zstd:1`);
    expect(zstd.layers.map((l) => l.mediaType)).toEqual(['application/vnd.oci.image.layer.v1.tar+zstd', 'application/vnd.oci.image.layer.v1.tar+zstd']);
    const summary = await walkLayer(zstd.layers[0], { capture: () => false, limits: defaultLimits });
    expect(summary.compression).toBe('zstd');
    expect(await files(zstd)).toEqual(expected);
    const v2s2 = await open(`${registry.host}/team/v2s2:1`);
    expect(v2s2.manifest.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(v2s2.layers[0].mediaType).toBe('application/vnd.docker.image.rootfs.diff.tar.gzip');
    expect(await files(v2s2)).toEqual(expected);
  });

  it('resolves every image platform of an index for platform "all", skipping the attestation', async () => {
    const all = await resolveAllPlatforms(client(), parseReference(`${registry.host}/team/multi:1`));
    expect(all.map((r) => `${r.platform?.os}/${r.platform?.architecture}`)).toEqual(['linux/amd64', 'linux/arm64']);
    expect(new Set(all.map((r) => r.digest)).size).toBe(2);
    expect(all.every((r) => r.indexDigest && r.pinned.endsWith(`@${r.digest}`))).toBe(true);
    const pinned = await listPlatformImages(`${registry.host}/team/multi:1`, { client: client() });
    const sources = await Promise.all(pinned.map((p) => open(p)));
    expect(sources.map((s) => s.platform.architecture)).toEqual(['amd64', 'arm64']);
    // A single image is its own "all"; an OCI layout of the index lists the same platforms.
    expect(await listPlatformImages(`${registry.host}/team/app:1`, { client: client() })).toHaveLength(1);
    skopeo('--all', `docker://${registry.host}/team/multi:1`, `oci-archive:${join(work, 'multi.tar')}`);
    const local = await listPlatformImages(`oci-archive:${join(work, 'multi.tar')}`, { client: client(), allowLocalSources: true });
    expect(local.map((p) => p.split('@')[1])).toEqual(all.map((r) => r.digest));
    expect((await open(local[1])).platform.architecture).toBe('arm64');
  });

  it('refuses artifact manifests and attestation-only choices clearly', async () => {
    await expect(openRegistryImage(client(), parseReference(`${registry.host}/team/app:sbom`))).rejects.toMatchObject({
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: expect.stringContaining('is an artifact (application/vnd.cyclonedx+json), not a container image'),
    });
    await expect(openImage(`${registry.host}/team/multi:1`, { client: client(), platform: { os: 'unknown', architecture: 'unknown' } })).rejects.toMatchObject({
      code: 'PLATFORM_NOT_FOUND',
    });
  });
});
