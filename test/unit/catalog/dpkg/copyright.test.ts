import { describe, expect, it } from 'vitest';
import { dep5ToSpdx, parseDep5Licenses, splitDep5Expression } from '../../../../src/catalog/dpkg/copyright.js';

const DEP5 = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: sample

Files: *
Copyright: 2000 Someone
License: GPL-2+

Files: lib/*
Copyright: 2001 Other
License: LGPL-2.1+ or BSD-3-clause

Files: doc/*
License: public-domain
 Free to everyone.

Files: m4/*
License: GPL-3+ with Autoconf exception

License: GPL-2+
 This program is free software ...

License: Expat
 Permission is hereby granted ...
`;

describe('DEP-5 copyright', () => {
  it('collects every License field, mapped to SPDX where it maps', () => {
    expect(parseDep5Licenses(DEP5)).toEqual(['GPL-2.0-or-later', 'LGPL-2.1-or-later', 'BSD-3-Clause', 'public-domain', 'GPL-3+ with Autoconf exception', 'MIT']);
  });

  it('ignores copyright files that are not machine-readable', () => {
    expect(parseDep5Licenses('This is the Debian prepackaged version of foo.\n\nLicense: GPL\n')).toBeUndefined();
  });

  it.each([
    ['GPL-2', 'GPL-2.0-only'],
    ['GPL-2+', 'GPL-2.0-or-later'],
    ['GPL-2.0+', 'GPL-2.0-or-later'],
    ['GPLv3+', 'GPL-3.0-or-later'],
    ['LGPL-2.1+', 'LGPL-2.1-or-later'],
    ['LGPL-2', 'LGPL-2.0-only'],
    ['LGPL-3+', 'LGPL-3.0-or-later'],
    ['GFDL-NIV-1.3+', 'GFDL-1.3-no-invariants-or-later'],
    ['Expat', 'MIT'],
    ['BSD-3-clause', 'BSD-3-Clause'],
    ['Apache-2', 'Apache-2.0'],
    ['Apache-2.0', 'Apache-2.0'],
    ['Artistic', 'Artistic-1.0'],
    ['zlib', 'Zlib'],
    ['CC0-1.0', 'CC0-1.0'],
    ['public-domain', undefined],
    ['GPL', undefined],
    ['permissive', undefined],
  ])('%s → %s', (name, id) => expect(dep5ToSpdx(name)).toBe(id));

  it('splits expressions and rejects prose', () => {
    expect(splitDep5Expression('GPL-1+ or Artistic, and Expat')).toEqual(['GPL-1+', 'Artistic', 'Expat']);
    expect(splitDep5Expression('ISC and/or LGPL-2.1+')).toEqual(['ISC', 'LGPL-2.1+']);
    expect(splitDep5Expression('Permission to use, copy, modify, and distribute this software')).toEqual([]);
  });
});
