import { describe, expect, it } from 'vitest';
import { isInstalledStatus, parseDpkgStatus, parseRelations, parseSource } from '../../../../src/catalog/dpkg/parse-dpkg-status.js';

const STATUS = `Package: bsdutils
Status: install ok installed
Priority: required
Architecture: amd64
Multi-Arch: foreign
Source: util-linux (2.38.1-5+deb12u3)
Version: 1:2.38.1-5+deb12u3
Pre-Depends: libc6 (>= 2.34), libsystemd0
Description: basic utilities from 4.4BSD-Lite
 This package contains the bits.

Package: removed-but-configured
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1

Package: half
Status: install ok half-installed
Architecture: amd64
Version: 2.0-1

Package: unpacked
Status: install ok unpacked
Architecture: amd64
Version: 3.0-1

Package: held
Status: hold ok installed
Architecture: all
Version: 4.0
Depends: awk | mawk:any, perl:native (>= 5) [linux-any] <!nocheck>
Provides: held-virtual (= 4.0), other

Package: broken
Status: install reinstreq installed
Architecture: amd64
Version: 5.0
`;

describe('isInstalledStatus (claircore rule)', () => {
  it.each([
    ['install ok installed', true],
    ['hold ok installed', true],
    ['deinstall ok config-files', false],
    ['install ok half-installed', false],
    ['install ok unpacked', false],
    ['install reinstreq installed', false],
    ['purge ok not-installed', false],
    ['', false],
  ])('%s → %s', (status, expected) => expect(isInstalledStatus(status)).toBe(expected));
});

describe('parseDpkgStatus', () => {
  const { entries, warnings } = parseDpkgStatus(STATUS);

  it('keeps only installed entries', () => {
    expect(warnings).toEqual([]);
    expect(entries.map((e) => e.name)).toEqual(['bsdutils', 'held']);
  });

  it('keeps the epoch in the version and reads Source with its version', () => {
    const e = entries[0];
    expect(e.version).toBe('1:2.38.1-5+deb12u3');
    expect(e).toMatchObject({ source: 'util-linux', sourceVersion: '2.38.1-5+deb12u3', sourceDeclared: true, arch: 'amd64', multiArch: 'foreign' });
    expect(e.description).toBe('basic utilities from 4.4BSD-Lite');
    expect(e.depends).toEqual([[{ name: 'libc6' }], [{ name: 'libsystemd0' }]]);
  });

  it('defaults Source to the package itself', () => {
    expect(entries[1]).toMatchObject({ source: 'held', sourceVersion: '4.0', sourceDeclared: false });
  });

  it('parses alternatives, arch qualifiers and Provides', () => {
    expect(entries[1].depends).toEqual([[{ name: 'awk' }, { name: 'mawk', archQualifier: 'any' }], [{ name: 'perl', archQualifier: 'native' }]]);
    expect(entries[1].provides).toEqual(['held-virtual', 'other']);
  });

  it('requires Status in the real database but not in distroless status.d files', () => {
    const text = 'Package: libc6\nVersion: 2.36-9\nArchitecture: amd64\n';
    expect(parseDpkgStatus(text).entries).toEqual([]);
    expect(parseDpkgStatus(text, { statusOptional: true }).entries.map((e) => e.name)).toEqual(['libc6']);
  });

  it('warns about an installed paragraph without Version', () => {
    const r = parseDpkgStatus('Package: x\nStatus: install ok installed\n');
    expect(r.entries).toEqual([]);
    expect(r.warnings[0]).toMatch(/\(x\) has no Version/);
  });
});

describe('relation helpers', () => {
  it('parseSource', () => {
    expect(parseSource('util-linux (2.38.1-5)')).toEqual({ name: 'util-linux', version: '2.38.1-5' });
    expect(parseSource('bash')).toEqual({ name: 'bash', version: undefined });
    expect(parseSource(undefined)).toBeUndefined();
  });

  it('parseRelations drops constraints and empty alternatives', () => {
    expect(parseRelations('a (>= 1) , , b:amd64 | (junk)')).toEqual([[{ name: 'a' }], [{ name: 'b', archQualifier: 'amd64' }]]);
  });
});
