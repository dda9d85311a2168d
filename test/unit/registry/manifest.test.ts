import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../../src/registry/manifest.js';
import { selectPlatform } from '../../../src/image/platform-select.js';
import { parsePlatform } from '../../../src/registry/platform.js';

const d = (n: string) => `sha256:${n.repeat(64)}`;
const manifest = (extra: object = {}) =>
  Buffer.from(JSON.stringify({ schemaVersion: 2, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d('c'), size: 10 }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: d('1'), size: 5 }], ...extra }));

describe('parseManifest', () => {
  it('reads an OCI manifest without mediaType (as umoci writes it) by its Content-Type or shape', () => {
    expect(parseManifest(manifest(), 'application/vnd.oci.image.manifest.v1+json', 'x')).toMatchObject({ kind: 'manifest', layers: [{ digest: d('1') }] });
    expect(parseManifest(manifest(), undefined, 'x')).toMatchObject({ kind: 'manifest', mediaType: 'application/vnd.oci.image.manifest.v1+json' });
  });
  it('reads a Docker schema2 manifest and a manifest list', () => {
    const docker = manifest({ mediaType: 'application/vnd.docker.distribution.manifest.v2+json' });
    expect(parseManifest(docker, 'application/json', 'x').mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    const list = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', manifests: [{ digest: d('a'), size: 1, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', platform: { os: 'linux', architecture: 'amd64' } }] }));
    expect(parseManifest(list, undefined, 'x')).toMatchObject({ kind: 'index', manifests: [{ platform: { architecture: 'amd64' } }] });
  });
  it('refuses schema 1, non-JSON and broken descriptors with clear codes', () => {
    const s1 = Buffer.from(JSON.stringify({ schemaVersion: 1, name: 'x', fsLayers: [] }));
    expect(() => parseManifest(s1, 'application/vnd.docker.distribution.manifest.v1+prettyjws', 'img')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_MEDIA_TYPE' }));
    expect(() => parseManifest(Buffer.from('<html>'), undefined, 'img')).toThrow(expect.objectContaining({ code: 'MANIFEST_INVALID' }));
    expect(() => parseManifest(manifest({ layers: [{ digest: 'md5:x', size: 1 }] }), undefined, 'img')).toThrow(/not a sha256 digest/);
    expect(() => parseManifest(manifest({ layers: [{ digest: d('1'), size: -1 }] }), undefined, 'img')).toThrow(/size/);
  });
});

describe('selectPlatform', () => {
  const index = {
    kind: 'index' as const,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: d('1'), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: d('2'), size: 1, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: d('3'), size: 1, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': d('1') } },
    ],
  };
  it('picks by platform and never an attestation entry', () => {
    expect(selectPlatform(index, parsePlatform('linux/amd64'), 'x').digest).toBe(d('1'));
    expect(selectPlatform(index, parsePlatform('linux/arm64'), 'x').digest).toBe(d('2'));
    expect(() => selectPlatform(index, { os: 'unknown', architecture: 'unknown' }, 'x')).toThrow(/offers: linux\/amd64, linux\/arm64\/v8\)/);
  });
});
