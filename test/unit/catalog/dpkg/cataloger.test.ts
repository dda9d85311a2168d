import { describe, expect, it } from 'vitest';
import { dpkgCataloger } from '../../../../src/catalog/dpkg/cataloger.js';
import { byName, catalogLayers, globHit, OS_RELEASE_DEBIAN } from '../../../support/catalog-tester.js';

const para = (name: string, version: string, arch: string, extra = '', status = 'install ok installed') =>
  `Package: ${name}\nStatus: ${status}\nArchitecture: ${arch}\nVersion: ${version}\n${extra}`;

const BASE_STATUS = [
  para('dpkg', '1.21.22', 'amd64', 'Depends: tar (>= 1.28)\n'),
  para('tar', '1.34+dfsg-1.2', 'amd64', 'Pre-Depends: libc6 (>= 2.34)\n'),
  para('libc6', '2.36-9', 'amd64', 'Multi-Arch: same\nDepends: libgcc-s1\n'),
  para('libc6', '2.36-9', 'i386', 'Multi-Arch: same\nDepends: libgcc-s1\n'),
  para('libgcc-s1', '12.2.0-14', 'amd64', 'Multi-Arch: same\n'),
  para('mawk', '1.3.4-1', 'amd64', 'Provides: awk\nDepends: libc6:any\n'),
  para('base-files', '12.4', 'amd64', 'Pre-Depends: awk | gawk\n'),
  para('bsdutils', '1:2.38.1-5', 'amd64', 'Source: util-linux (2.38.1-5)\nDepends: nonexistent | libc6 (>= 2.25)\n'),
  para('old-config', '0.9', 'amd64', '', 'deinstall ok config-files'),
  para('broken-upgrade', '0.8', 'amd64', '', 'install ok half-installed'),
].join('\n');

const COPYRIGHT = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/

Files: *
License: LGPL-2.1+

Files: debian/*
License: GPL-2+
`;

const base = {
  files: {
    'etc/os-release': OS_RELEASE_DEBIAN,
    'var/lib/dpkg/status': BASE_STATUS,
    'usr/share/doc/libc6/copyright': COPYRIGHT,
    'usr/share/doc/tar/copyright': 'Not machine readable.\nLicense: GPL\n',
  },
};

describe('dpkg cataloger', () => {
  it('reports installed entries only, multi-arch copies distinct', () => {
    const { packages, warnings } = catalogLayers([base], [dpkgCataloger]);
    expect(warnings).toEqual([]);
    expect(packages.map((p) => `${p.name}:${p.arch}`).sort()).toEqual(
      ['base-files:amd64', 'bsdutils:amd64', 'dpkg:amd64', 'libc6:amd64', 'libc6:i386', 'libgcc-s1:amd64', 'mawk:amd64', 'tar:amd64'].sort(),
    );
    expect(new Set(packages.map((p) => p.ref)).size).toBe(packages.length);
  });

  it('builds purls with distro namespace, epoch and upstream', () => {
    const { packages } = catalogLayers([base], [dpkgCataloger]);
    const bsd = byName(packages, 'bsdutils')[0];
    expect(bsd.purl).toBe('pkg:deb/debian/bsdutils@1:2.38.1-5?arch=amd64&distro=debian-12&upstream=util-linux%402.38.1-5');
    expect(bsd.properties).toMatchObject({ 'layerlens:deb:source': 'util-linux', 'layerlens:deb:sourceVersion': '2.38.1-5' });
    expect(bsd.location).toBe('var/lib/dpkg/status');
    const ubuntu = catalogLayers([{ files: { ...base.files, 'etc/os-release': 'ID=ubuntu\nVERSION_ID="24.04"\n' } }], [dpkgCataloger]);
    expect(byName(ubuntu.packages, 'dpkg')[0].purl).toBe('pkg:deb/ubuntu/dpkg@1.21.22?arch=amd64&distro=ubuntu-24.04');
  });

  it('resolves Depends/Pre-Depends to installed packages: alternatives, Provides, arch', () => {
    const { packages } = catalogLayers([base], [dpkgCataloger]);
    const ref = (name: string, arch = 'amd64') => packages.find((p) => p.name === name && p.arch === arch)!.ref;
    expect(byName(packages, 'dpkg')[0].dependsOn).toEqual([ref('tar')]);
    expect(byName(packages, 'base-files')[0].dependsOn).toEqual([ref('mawk')]);
    expect(byName(packages, 'bsdutils')[0].dependsOn).toEqual([ref('libc6')]);
    expect(packages.find((p) => p.name === 'libc6' && p.arch === 'i386')!.dependsOn).toEqual([ref('libgcc-s1')]);
    expect(byName(packages, 'libgcc-s1')[0].dependsOn).toEqual([]);
  });

  it('reads licenses from machine-readable copyright files only', () => {
    const { packages } = catalogLayers([base], [dpkgCataloger]);
    expect(byName(packages, 'libc6')[0].licenses).toEqual(['LGPL-2.1-or-later', 'GPL-2.0-or-later']);
    expect(byName(packages, 'tar')[0].licenses).toEqual([]);
  });

  it('attributes packages to the first layer they stay present from, when a later layer rewrites the database', () => {
    const upper = { files: { 'var/lib/dpkg/status': `${BASE_STATUS}\n${para('curl', '7.88.1-10', 'amd64', 'Depends: libc6\n')}` } };
    const { packages } = catalogLayers([base, upper], [dpkgCataloger]);
    expect(byName(packages, 'curl')[0].layer?.index).toBe(1);
    expect(byName(packages, 'dpkg')[0].layer?.index).toBe(0);
  });

  it('an upgraded package is attributed to the upgrading layer', () => {
    const upper = { files: { 'var/lib/dpkg/status': BASE_STATUS.replace('Version: 12.4\n', 'Version: 12.4+deb12u1\n') } };
    const { packages } = catalogLayers([base, upper], [dpkgCataloger]);
    expect(byName(packages, 'base-files')[0]).toMatchObject({ version: '12.4+deb12u1', layer: { index: 1 } });
  });

  it('a database deleted in a later layer reports nothing; an opaque directory hides it too', () => {
    expect(catalogLayers([base, { whiteouts: ['var/lib/dpkg/status'] }], [dpkgCataloger]).packages).toEqual([]);
    expect(catalogLayers([base, { opaqueDirs: ['var/lib/dpkg'] }], [dpkgCataloger]).packages).toEqual([]);
    expect(catalogLayers([base, { whiteouts: ['var/lib'] }], [dpkgCataloger]).packages).toEqual([]);
  });

  it('reads distroless status.d files, which may lack Status, and skips their md5sums', () => {
    const distroless = {
      files: {
        'etc/os-release': OS_RELEASE_DEBIAN,
        'var/lib/dpkg/status.d/base': 'Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\n',
        'var/lib/dpkg/status.d/libc6': 'Package: libc6\nVersion: 2.36-9+deb12u4\nArchitecture: amd64\nDepends: base-files\n',
        'var/lib/dpkg/status.d/libc6.md5sums': 'd41d8cd98f00b204e9800998ecf8427e  usr/lib/x86_64-linux-gnu/libc.so.6\n',
        'var/lib/dpkg/status.d/gone': 'Package: gone\nStatus: deinstall ok config-files\nVersion: 1\nArchitecture: amd64\n',
      },
    };
    const { packages, warnings } = catalogLayers([distroless], [dpkgCataloger]);
    expect(warnings).toEqual([]);
    expect(packages.map((p) => [p.name, p.location])).toEqual([
      ['base-files', 'var/lib/dpkg/status.d/base'],
      ['libc6', 'var/lib/dpkg/status.d/libc6'],
    ]);
    expect(byName(packages, 'libc6')[0].dependsOn).toEqual([byName(packages, 'base-files')[0].ref]);
  });

  it('turns a truncated or binary database into warnings, never a throw', () => {
    const truncated = BASE_STATUS.slice(0, BASE_STATUS.indexOf('Version: 2.36-9') + 5);
    const r = catalogLayers([{ files: { 'var/lib/dpkg/status': truncated } }], [dpkgCataloger]);
    expect(r.packages.map((p) => p.name)).toEqual(['dpkg', 'tar']);
    expect(r.warnings.join('\n')).toMatch(/libc6.*no Version/);
    const binary = catalogLayers([{ files: { 'var/lib/dpkg/status': Buffer.from([0, 255, 10, 1, 2, 58, 10, 0]) } }], [dpkgCataloger]);
    expect(binary.packages).toEqual([]);
  });

  it('globs: status, status.d entries, copyright files (read only), not md5sums', () => {
    expect(globHit(dpkgCataloger, 'var/lib/dpkg/status')).toEqual({ captured: true, parsed: true });
    expect(globHit(dpkgCataloger, 'var/lib/dpkg/status.d/libc6')).toEqual({ captured: true, parsed: true });
    expect(globHit(dpkgCataloger, 'var/lib/dpkg/status.d/libc6.md5sums').parsed).toBe(false);
    expect(globHit(dpkgCataloger, 'var/lib/dpkg/status-old').captured).toBe(false);
    expect(globHit(dpkgCataloger, 'usr/share/doc/libc6/copyright')).toEqual({ captured: true, parsed: false });
    expect(globHit(dpkgCataloger, 'var/lib/dpkg/info/libc6:amd64.list')).toEqual({ captured: true, parsed: false });
  });
});
