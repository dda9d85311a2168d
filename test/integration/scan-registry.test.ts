/** The core pipeline against the real registry: Alpine images from the corpus, pulled, walked and cataloged. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeImage } from '../../src/analyze.js';
import { openImage } from '../../src/image/open.js';
import { RegistryClient } from '../../src/registry/client.js';
import { parsePlatform } from '../../src/registry/platform.js';
import { validateCycloneDx } from '../../src/sbom/cyclonedx.js';
import { buildImage, buildIndex, pushImage, pushManifest, OCI_INDEX, writeOciLayout } from '../support/image-builder.js';
import { corpus, corpusSkipMessage, hasCorpus } from '../support/paths.js';
import { hasRegistry, registrySkipMessage, startRegistry, type TestRegistry } from '../support/registry.js';
import { readTruth } from '../support/truth.js';

const skip = !hasCorpus || !hasRegistry;
if (skip) console.warn(!hasCorpus ? corpusSkipMessage : registrySkipMessage);

describe.skipIf(skip)('scan from a real registry', () => {
  let registry: TestRegistry;
  const client = () => new RegistryClient({ plainHttpLoopback: true });

  beforeAll(async () => {
    registry = await startRegistry();
    const a319 = await buildImage([{ file: corpus('alpine/alpine-minirootfs-3.19.4-x86_64.tar.gz'), createdBy: 'ADD alpine-minirootfs-3.19.4-x86_64.tar.gz /' }]);
    await pushImage(registry.url, 'library/alpine', '3.19', a319);
    const amd = await buildImage([{ file: corpus('alpine/alpine-minirootfs-3.20.3-x86_64.tar.gz') }]);
    const arm = await buildImage([{ file: corpus('alpine/alpine-minirootfs-3.20.3-aarch64.tar.gz') }], { architecture: 'arm64', variant: 'v8' });
    await pushImage(registry.url, 'library/alpine', undefined, amd);
    await pushImage(registry.url, 'library/alpine', undefined, arm);
    const index = buildIndex([
      { image: amd, platform: { os: 'linux', architecture: 'amd64' } },
      { image: arm, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    ]);
    await pushManifest(registry.url, 'library/alpine', '3.20', index.body, OCI_INDEX);
  });
  afterAll(async () => registry?.stop());

  async function scan(image: string, platform?: string) {
    const source = await openImage(image, { client: client(), platform: platform ? parsePlatform(platform) : undefined });
    return { source, result: await analyzeImage(source) };
  }

  function apkSet(result: Awaited<ReturnType<typeof scan>>['result']) {
    return new Set(result.packages.filter((p) => p.type === 'apk').map((p) => `${p.name}\t${p.version}\t${p.arch}`));
  }

  function truthSet(file: string) {
    return new Set(readTruth(corpus(file)).map((r) => `${r.name}\t${r.version}\t${r.arch}`));
  }

  it('lists exactly the apk packages of Alpine 3.19 with purls, licenses, layer and location', async () => {
    const { source, result } = await scan(`${registry.host}/library/alpine:3.19`);
    expect(apkSet(result)).toEqual(truthSet('alpine/alpine-minirootfs-3.19.4-x86_64.truth.tsv'));
    const musl = result.packages.find((p) => p.name === 'musl')!;
    expect(musl.purl).toMatch(/^pkg:apk\/alpine\/musl@1\.2\.4_git20230717-r\d+\?arch=x86_64&distro=alpine-3\.19\.4$/);
    expect(musl.licenses).toEqual(['MIT']);
    expect(musl.location).toBe('lib/apk/db/installed');
    expect(musl.layer).toEqual({ index: 0, digest: source.layers[0].digest, diffId: source.layers[0].diffId });
    const busybox = result.packages.find((p) => p.name === 'busybox-binsh')!;
    expect(busybox.purl).toContain('upstream=busybox');
    expect(busybox.dependsOn).toContain(result.packages.find((p) => p.name === 'busybox')!.ref);

    const sbom = JSON.parse(result.sbom);
    expect(await validateCycloneDx(result.sbom)).toBeUndefined();
    expect(sbom.specVersion).toBe('1.6');
    expect(sbom.metadata.component.type).toBe('container');
    expect(sbom.metadata.component.version).toBe(source.digest);
    const os = sbom.components.find((c: { type: string }) => c.type === 'operating-system');
    expect(os).toMatchObject({ name: 'alpine', version: '3.19.4' });
    const muslComponent = sbom.components.find((c: { name: string }) => c.name === 'musl');
    const props = Object.fromEntries(muslComponent.properties.map((p: { name: string; value: string }) => [p.name, p.value]));
    expect(props['layerlens:layer:digest']).toBe(source.layers[0].digest);
    expect(props['layerlens:layer:diffId']).toBe(source.layers[0].diffId);
    expect(props['layerlens:location']).toBe('lib/apk/db/installed');
  });

  it('is byte-stable for the same image', async () => {
    const a = await scan(`${registry.host}/library/alpine:3.19`);
    const b = await scan(`${registry.host}/library/alpine:3.19`);
    expect(a.result.sbom).toBe(b.result.sbom);
  });

  it('picks the platform from a multi-arch index (default linux/amd64, or as asked)', async () => {
    const amd = await scan(`${registry.host}/library/alpine:3.20`);
    expect(amd.source.indexDigest).toBeDefined();
    expect(amd.result.image.platform).toBe('linux/amd64');
    expect(apkSet(amd.result)).toEqual(truthSet('alpine/alpine-minirootfs-3.20.3-x86_64.truth.tsv'));
    const arm = await scan(`${registry.host}/library/alpine:3.20`, 'linux/arm64');
    expect(arm.result.image.platform).toBe('linux/arm64/v8');
    expect(arm.source.digest).not.toBe(amd.source.digest);
    expect(apkSet(arm.result)).toEqual(truthSet('alpine/alpine-minirootfs-3.20.3-aarch64.truth.tsv'));
    await expect(scan(`${registry.host}/library/alpine:3.20`, 'linux/s390x')).rejects.toMatchObject({ code: 'PLATFORM_NOT_FOUND' });
  });

  it('fails with clear codes for a missing tag, a missing repository and an unknown host', async () => {
    await expect(scan(`${registry.host}/library/alpine:nope`)).rejects.toMatchObject({ code: 'MANIFEST_UNKNOWN' });
    await expect(scan(`${registry.host}/library/nothing-here:1`)).rejects.toMatchObject({ code: expect.stringMatching(/NAME_UNKNOWN|MANIFEST_UNKNOWN/) });
    await expect(scan('no-such-registry.invalid/x/y:1')).rejects.toMatchObject({ code: 'REGISTRY_UNREACHABLE' });
  });

  it('scans an OCI layout directory the same way', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'layerlens-oci-'));
    try {
      const image = await buildImage([{ file: corpus('alpine/alpine-minirootfs-3.19.4-x86_64.tar.gz') }]);
      await writeOciLayout(dir, image, '3.19');
      const source = await openImage(`oci-dir:${dir}`, { client: client(), allowLocalSources: true });
      const result = await analyzeImage(source);
      expect(source.digest).toBe(image.manifestDigest);
      expect(apkSet(result)).toEqual(truthSet('alpine/alpine-minirootfs-3.19.4-x86_64.truth.tsv'));
      await expect(openImage(`oci-dir:${dir}`, { client: client() })).rejects.toMatchObject({ code: 'INVALID_REFERENCE' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
