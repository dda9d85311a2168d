/** A synthetic SBOM input for format and API tests. */
import type { SbomInput } from '../../src/sbom/cyclonedx.js';
import type { Package } from '../../src/sbom/package.js';

/** A fixed analyzer version: the samples' serial numbers and namespaces do not move with a cataloger bump. */
export const SAMPLE_ANALYZER_VERSION = '0123456789ab';

export const SAMPLE_DIGEST = `sha256:${'ab'.repeat(32)}`;

function pkg(over: Partial<Package> & Pick<Package, 'name' | 'version' | 'purl'>): Package {
  return { type: 'apk', licenses: [], location: 'lib/apk/db/installed', foundBy: 'apk-db', ref: over.purl, dependsOn: [], properties: {}, ...over };
}

/** A small image with every license form, a dependency graph, an application and an OS-owned pypi package. */
export function sampleSbomInput(): SbomInput {
  const layer0 = { index: 0, digest: `sha256:${'10'.repeat(32)}`, diffId: `sha256:${'11'.repeat(32)}` };
  const layer1 = { index: 1, digest: `sha256:${'20'.repeat(32)}`, diffId: `sha256:${'21'.repeat(32)}` };
  return {
    analyzerVersion: SAMPLE_ANALYZER_VERSION,
    subject: {
      name: '127.0.0.1:5000/library/demo:1.0',
      digest: SAMPLE_DIGEST,
      indexDigest: `sha256:${'cd'.repeat(32)}`,
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
      repositoryUrl: '127.0.0.1:5000/library/demo',
      created: '2024-05-01T12:00:00Z',
    },
    distro: { id: 'alpine', versionId: '3.20.3', prettyName: 'Alpine Linux v3.20', location: 'etc/os-release' },
    packages: [
      pkg({ name: 'musl', version: '1.2.5-r0', arch: 'aarch64', purl: 'pkg:apk/alpine/musl@1.2.5-r0?arch=aarch64', licenses: ['MIT'], layer: layer0, properties: { 'layerlens:apk:origin': 'musl' } }),
      pkg({
        name: 'busybox',
        version: '1.36.1-r29',
        purl: 'pkg:apk/alpine/busybox@1.36.1-r29',
        licenses: ['GPL-2.0-only', 'MIT OR Apache-2.0'],
        layer: layer0,
        dependsOn: ['pkg:apk/alpine/musl@1.2.5-r0?arch=aarch64', 'pkg:apk/alpine/not-installed@1'],
        homepage: 'https://busybox.net/',
      }),
      pkg({ name: 'odd', version: '1', purl: 'pkg:apk/alpine/odd@1', licenses: ['Custom license (see COPYING)', 'BSD'], layer: layer1, homepage: 'ftp://example.org', supplier: 'Someone' }),
      pkg({ name: 'mixed', version: '2', purl: 'pkg:apk/alpine/mixed@2', licenses: ['MIT AND BSD-3-Clause', 'Some Name'], layer: layer1 }),
      pkg({
        type: 'npm',
        name: '@scope/app',
        version: '0.1.0',
        purl: 'pkg:npm/%40scope/app@0.1.0',
        componentType: 'application',
        location: 'app/package.json',
        foundBy: 'npm-package',
        description: 'the app',
        layer: layer1,
      }),
      pkg({
        type: 'pypi',
        name: 'jinja2',
        version: '3.1.2',
        purl: 'pkg:pypi/jinja2@3.1.2',
        location: 'usr/lib/python3/dist-packages/Jinja2-3.1.2.egg-info/PKG-INFO',
        foundBy: 'python-package',
        licenses: ['BSD-3-Clause'],
        properties: { 'layerlens:ownedBy': 'pkg:deb/debian/python3-jinja2@3.1.2-1' },
      }),
    ],
    warnings: ['layer 1: second warning', 'layer 0: first warning'],
  };
}

