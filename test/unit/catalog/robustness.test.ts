/**
 * Parsers meet whatever an image holds: truncated databases, binary junk at a package-database path, huge files.
 * Each parser must return (warnings at most), and catalogImage must never throw, whatever the bytes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseApkDb } from '../../../src/catalog/apk/parse-apk-db.js';
import { CATALOGERS } from '../../../src/catalog/catalogers.js';
import { parseDep5Licenses } from '../../../src/catalog/dpkg/copyright.js';
import { parseDpkgStatus } from '../../../src/catalog/dpkg/parse-dpkg-status.js';
import { manifestRole } from '../../../src/catalog/npm/location.js';
import { parseRequiresTxt, parseRequirement } from '../../../src/catalog/python/names.js';
import { parsePythonMetadata } from '../../../src/catalog/python/parse-metadata.js';
import { parseParagraphs } from '../../../src/catalog/rfc822.js';
import { catalogLayers } from '../../support/catalog-tester.js';

const DPKG = `Package: libc6
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Source: glibc (2.36-9)
Version: 2.36-9+deb12u4
Depends: libgcc-s1, awk | mawk:any (>= 1)
Provides: libc6-x (= 1)
Description: GNU C Library
 Contains the libraries.

Package: old
Status: deinstall ok config-files
Version: 1
`;
const DEP5 = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/

Files: *
License: GPL-2+ or Artistic, and Expat
 text

License: Expat
 Permission …
`;
const APK = 'C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\nL:MIT\nD:so:libc.musl-x86_64.so.1\np:so:libc.musl-x86_64.so.1=1\nF:lib\nR:ld-musl-x86_64.so.1\n\n';
const METADATA = 'Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nLicense: Apache 2.0\nClassifier: License :: OSI Approved :: Apache Software License\nRequires-Dist: urllib3 (<3) ; python_version >= "3"\n\nbody\n';
const PACKAGE_JSON = JSON.stringify({ name: '@s/x', version: '1.0.0', license: { type: 'MIT' }, dependencies: { a: '1' } });

/** A valid sample, then damaged: truncated, bytes overwritten, lines duplicated or dropped, junk spliced in. */
function mutated(sample: string): fc.Arbitrary<string> {
  const truncate = fc.nat({ max: sample.length }).map((n) => sample.slice(0, n));
  const overwrite = fc
    .array(fc.tuple(fc.nat({ max: Math.max(0, sample.length - 1) }), fc.string({ minLength: 1, maxLength: 4, unit: 'binary' })), { maxLength: 8 })
    .map((edits) => edits.reduce((s, [at, junk]) => s.slice(0, at) + junk + s.slice(at + junk.length), sample));
  const shuffleLines = fc
    .array(fc.nat({ max: 50 }), { maxLength: 30 })
    .map((picks) => {
      const lines = sample.split('\n');
      return picks.map((i) => lines[i % lines.length]).join('\n');
    });
  const splice = fc.tuple(fc.nat({ max: sample.length }), fc.string({ unit: 'binary', maxLength: 200 })).map(([at, junk]) => sample.slice(0, at) + junk + sample.slice(at));
  return fc.oneof(truncate, overwrite, shuffleLines, splice, fc.string({ unit: 'binary', maxLength: 500 }));
}

const bytes = fc.uint8Array({ maxLength: 2000 }).map((a) => Buffer.from(a).toString('utf8'));

describe('parsers never throw on damaged input', () => {
  const cases: [string, string, (text: string) => unknown][] = [
    ['rfc822', DPKG, (t) => parseParagraphs(t)],
    ['dpkg status', DPKG, (t) => parseDpkgStatus(t)],
    ['dpkg status.d', DPKG, (t) => parseDpkgStatus(t, { statusOptional: true })],
    ['DEP-5 copyright', DEP5, (t) => parseDep5Licenses(t)],
    ['apk db', APK, (t) => parseApkDb(t)],
    ['python metadata', METADATA, (t) => parsePythonMetadata(t)],
    ['requires.txt', 'a>=1\n[x:os_name == "nt"]\nb\n', (t) => parseRequiresTxt(t)],
    ['requirement', 'urllib3 (<3) ; extra == "x"', (t) => parseRequirement(t)],
    ['npm manifest path', 'app/node_modules/@s/x/package.json', (t) => manifestRole(t)],
  ];
  for (const [name, sample, parse] of cases) {
    it(name, () => {
      fc.assert(fc.property(fc.oneof(mutated(sample), bytes), (text) => void parse(text)), { numRuns: 300 });
    });
  }

  it('parsed dpkg entries always have a name and a version', () => {
    fc.assert(
      fc.property(mutated(DPKG), (text) => {
        for (const e of parseDpkgStatus(text).entries) expect(e.name && e.version).toBeTruthy();
      }),
      { numRuns: 300 },
    );
  });
});

describe('catalogImage never throws, whatever is at a package-database path', () => {
  const paths: [string, string][] = [
    ['var/lib/dpkg/status', DPKG],
    ['var/lib/dpkg/status.d/libc6', DPKG],
    ['usr/share/doc/libc6/copyright', DEP5],
    ['lib/apk/db/installed', APK],
    ['usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA', METADATA],
    ['usr/lib/python3/dist-packages/x.egg-info', METADATA],
    ['usr/lib/python3/dist-packages/x.egg-info/requires.txt', 'a\n'],
    ['var/lib/dpkg/info/libc6:amd64.list', '/usr/lib/python3/dist-packages/x.egg-info\n'],
    ['app/node_modules/@s/x/package.json', PACKAGE_JSON],
    ['app/package.json', PACKAGE_JSON],
    ['etc/os-release', 'ID=debian\nVERSION_ID=12\n'],
  ];
  it('random and mutated bodies at every cataloged path', () => {
    const body = (sample: string) => fc.oneof(mutated(sample), bytes.map((s) => s));
    fc.assert(
      fc.property(fc.tuple(...paths.map(([, sample]) => body(sample))), (bodies) => {
        const files = Object.fromEntries(paths.map(([p], i) => [p, bodies[i]]));
        const r = catalogLayers([{ files }], CATALOGERS);
        for (const p of r.packages) expect(p.name && p.version && p.purl).toBeTruthy();
        for (const w of r.warnings) expect(typeof w).toBe('string');
      }),
      { numRuns: 200 },
    );
  });

  it('huge inputs: many paragraphs and one endless line', () => {
    const many = Array.from({ length: 40_000 }, (_, i) => `Package: p${i}\nStatus: install ok installed\nVersion: 1.${i}\nArchitecture: amd64\nDepends: p${i + 1} | p0\n`).join('\n');
    const started = Date.now();
    const r = catalogLayers([{ files: { 'var/lib/dpkg/status': many, 'usr/lib/python3/dist-packages/x.egg-info': `Name: x\nVersion: 1\nLicense: ${'y'.repeat(5_000_000)}\n` } }]);
    expect(r.packages.filter((p) => p.type === 'deb')).toHaveLength(40_000);
    expect(r.packages.find((p) => p.type === 'pypi')!.licenses).toEqual([]);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
