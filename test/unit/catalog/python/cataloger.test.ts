import { describe, expect, it } from 'vitest';
import { apkCataloger } from '../../../../src/catalog/apk/cataloger.js';
import { dpkgCataloger } from '../../../../src/catalog/dpkg/cataloger.js';
import { OWNED_BY_PROPERTY, pythonCataloger } from '../../../../src/catalog/python/cataloger.js';
import { byName, catalogLayers, globHit, OS_RELEASE_DEBIAN } from '../../../support/catalog-tester.js';

const SITE = 'usr/local/lib/python3.12/site-packages';
const DIST = 'usr/lib/python3/dist-packages';

const metadata = (name: string, version: string, extra = '') => `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n${extra}\nLong description\nName: not-a-header\n`;

const layer = {
  files: {
    [`${SITE}/requests-2.31.0.dist-info/METADATA`]: metadata(
      'requests',
      '2.31.0',
      'License: Apache 2.0\nRequires-Dist: charset-normalizer (<4,>=2)\nRequires-Dist: urllib3<3,>=1.21.1\nRequires-Dist: PySocks!=1.5.7,>=1.5.6 ; extra == "socks"\n',
    ),
    [`${SITE}/charset_normalizer-3.3.2.dist-info/METADATA`]: metadata('charset-normalizer', '3.3.2', 'License-Expression: MIT\n'),
    [`${SITE}/URLLIB3-2.2.1.DIST-INFO/METADATA`]: metadata('urllib3', '2.2.1', 'Classifier: License :: OSI Approved :: MIT License\n'),
    [`${SITE}/PySocks-1.7.1.dist-info/METADATA`]: metadata('PySocks', '1.7.1'),
    [`${SITE}/pip/_vendor/packaging-24.0.dist-info/METADATA`]: metadata('packaging', '24.0'),
    [`${DIST}/six-1.16.0.egg-info`]: metadata('six', '1.16.0', 'License: MIT\n'),
    [`${DIST}/Jinja2-3.1.2.egg-info/PKG-INFO`]: metadata('Jinja2', '3.1.2', 'License: BSD-3-Clause\n'),
    [`${DIST}/Jinja2-3.1.2.egg-info/requires.txt`]: 'MarkupSafe>=2.0\n\n[i18n]\nBabel>=2.7\n',
    [`${DIST}/MarkupSafe-2.1.2.egg-info/PKG-INFO`]: metadata('MarkupSafe', '2.1.2'),
    [`${DIST}/Babel-2.10.3.egg-info/PKG-INFO`]: metadata('Babel', '2.10.3'),
    [`${DIST}/broken-1.0.dist-info/METADATA`]: 'Metadata-Version: 2.1\nName: broken\n',
    'usr/lib/python2.7/lib-dynload/Python-2.7.egg-info': metadata('Python', '2.7.18'),
  },
};

describe('python cataloger', () => {
  const { packages, warnings } = catalogLayers([layer], [pythonCataloger]);

  it('finds dist-info, egg-info dirs and files in site-packages and dist-packages, any suffix case', () => {
    expect(packages.map((p) => `${p.name}@${p.version}`).sort()).toEqual(
      ['Babel@2.10.3', 'Jinja2@3.1.2', 'MarkupSafe@2.1.2', 'PySocks@1.7.1', 'charset-normalizer@3.3.2', 'requests@2.31.0', 'six@1.16.0', 'urllib3@2.2.1'].sort(),
    );
  });

  it('skips vendored metadata and the interpreter egg-info, and warns about metadata without a version', () => {
    expect(byName(packages, 'packaging')).toEqual([]);
    expect(byName(packages, 'Python')).toEqual([]);
    expect(warnings).toEqual([`python-installed-cataloger: ${DIST}/broken-1.0.dist-info/METADATA: no Version in the metadata; not a component`]);
  });

  it('purl uses the PEP 503 name; the component keeps the declared one', () => {
    expect(byName(packages, 'Jinja2')[0]).toMatchObject({ purl: 'pkg:pypi/jinja2@3.1.2', location: `${DIST}/Jinja2-3.1.2.egg-info/PKG-INFO` });
    expect(byName(packages, 'PySocks')[0].purl).toBe('pkg:pypi/pysocks@1.7.1');
  });

  it('licenses from License-Expression, License, classifiers', () => {
    expect(byName(packages, 'charset-normalizer')[0].licenses).toEqual(['MIT']);
    expect(byName(packages, 'requests')[0].licenses).toEqual(['Apache 2.0']);
    expect(byName(packages, 'urllib3')[0].licenses).toEqual(['MIT']);
    expect(byName(packages, 'six')[0].licenses).toEqual(['MIT']);
  });

  it('links Requires-Dist and requires.txt to installed distributions, extras excluded', () => {
    const ref = (n: string) => byName(packages, n)[0].ref;
    expect(byName(packages, 'requests')[0].dependsOn).toEqual([ref('charset-normalizer'), ref('urllib3')].sort());
    expect(byName(packages, 'Jinja2')[0].dependsOn).toEqual([ref('MarkupSafe')]);
  });

  it('falls back to another site directory (pip installs over Debian-packaged distributions)', () => {
    const r = catalogLayers([
      layer,
      { files: { 'usr/local/lib/python3.11/dist-packages/flask-3.0.0.dist-info/METADATA': metadata('Flask', '3.0.0', 'Requires-Dist: Jinja2>=3.1.2\n') } },
    ]);
    expect(byName(r.packages, 'Flask')[0].dependsOn).toEqual([byName(r.packages, 'Jinja2')[0].ref]);
  });

  it('globs capture metadata and requires.txt but not the interpreter egg-info', () => {
    expect(globHit(pythonCataloger, `${SITE}/x-1.dist-info/METADATA`)).toEqual({ captured: true, parsed: true });
    expect(globHit(pythonCataloger, `${SITE}/X-1.DIST-INFO/METADATA`)).toEqual({ captured: true, parsed: true });
    expect(globHit(pythonCataloger, `${DIST}/x-1.egg-info`)).toEqual({ captured: true, parsed: true });
    expect(globHit(pythonCataloger, `${DIST}/x-1.egg-info/PKG-INFO`)).toEqual({ captured: true, parsed: true });
    expect(globHit(pythonCataloger, `${DIST}/x-1.egg-info/requires.txt`)).toEqual({ captured: true, parsed: false });
    expect(globHit(pythonCataloger, `${SITE}/x-1.dist-info/RECORD`).captured).toBe(false);
    expect(globHit(pythonCataloger, 'usr/lib/python2.7/lib-dynload/Python-2.7.egg-info').captured).toBe(false);
  });
});

describe('python distributions owned by OS packages', () => {
  it('marks a distribution listed in a dpkg file list with the owning package purl', () => {
    const base = {
      files: {
        'etc/os-release': OS_RELEASE_DEBIAN,
        'var/lib/dpkg/status':
          'Package: python3-jinja2\nStatus: install ok installed\nArchitecture: all\nVersion: 3.1.2-1\nSource: jinja2\n\n' +
          'Package: python3-six\nStatus: install ok installed\nArchitecture: all\nVersion: 1.16.0-4\n',
        'var/lib/dpkg/info/python3-jinja2.list': `/.\n/usr\n/${DIST}/Jinja2-3.1.2.egg-info\n/${DIST}/Jinja2-3.1.2.egg-info/PKG-INFO\n`,
        'var/lib/dpkg/info/python3-six.list': `/${DIST}/six-1.16.0.egg-info\n`,
        [`${DIST}/Jinja2-3.1.2.egg-info/PKG-INFO`]: metadata('Jinja2', '3.1.2'),
        [`${DIST}/six-1.16.0.egg-info`]: metadata('six', '1.16.0'),
      },
    };
    const pipLayer = { files: { [`${SITE}/six-1.17.0.dist-info/METADATA`]: metadata('six', '1.17.0') } };
    const { packages } = catalogLayers([base, pipLayer], [dpkgCataloger, pythonCataloger]);
    const deb = (n: string) => packages.find((p) => p.type === 'deb' && p.name === n)!;
    expect(byName(packages, 'Jinja2')[0].properties[OWNED_BY_PROPERTY]).toBe(deb('python3-jinja2').purl);
    const sixes = byName(packages, 'six');
    expect(sixes.find((p) => p.version === '1.16.0')!.properties[OWNED_BY_PROPERTY]).toBe(deb('python3-six').purl);
    expect(sixes.find((p) => p.version === '1.17.0')!.properties[OWNED_BY_PROPERTY]).toBeUndefined();
    expect(sixes.find((p) => p.version === '1.17.0')!.layer?.index).toBe(1);
  });

  it('marks a distribution listed in the apk database R: lines', () => {
    const site = 'usr/lib/python3.11/site-packages';
    const img = {
      files: {
        'etc/os-release': 'ID=alpine\nVERSION_ID=3.19.4\n',
        'lib/apk/db/installed': `P:py3-six\nV:1.16.0-r8\nA:noarch\nF:${site}/six-1.16.0.dist-info\nR:METADATA\nR:RECORD\n\n`,
        [`${site}/six-1.16.0.dist-info/METADATA`]: metadata('six', '1.16.0'),
      },
    };
    const { packages } = catalogLayers([img], [apkCataloger, pythonCataloger]);
    const apk = packages.find((p) => p.type === 'apk')!;
    expect(byName(packages, 'six').find((p) => p.type === 'pypi')!.properties[OWNED_BY_PROPERTY]).toBe(apk.purl);
  });
});
