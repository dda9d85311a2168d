/**
 * Licenses from a Debian package's `usr/share/doc/NAME/copyright`, only when it is machine-readable (DEP-5,
 * "copyright-format/1.0"): free-text copyright files have no reliable license field, and guessing from prose is
 * how scanners end up reporting "GPL" for everything. Each `License:` field's first line is a short name or an
 * expression of short names (`GPL-1+ or Artistic`, `LGPL-3+ or GPL-2+`); every short name becomes an SPDX id where
 * DEP-5's name maps onto one, and stays a name otherwise (`public-domain`, `permissive`).
 */
import * as SPDX from '@cyclonedx/cyclonedx-library/SPDX';
import { field, firstLine, parseParagraphs } from '../rfc822.js';

export function copyrightPath(packageName: string): string {
  return `usr/share/doc/${packageName}/copyright`;
}

/** The distinct licenses a DEP-5 file declares, in order of first appearance; undefined when not DEP-5. */
export function parseDep5Licenses(text: string): string[] | undefined {
  const { paragraphs } = parseParagraphs(text, { comments: true });
  const header = paragraphs[0];
  const format = header && field(header, 'Format');
  if (!format || !/copyright-format|dep5|DEP-5/i.test(format)) return undefined;
  const out = new Set<string>();
  for (const p of paragraphs) {
    for (const f of p.fields) {
      if (f.name.toLowerCase() !== 'license') continue;
      for (const name of splitDep5Expression(firstLine(f.value) ?? '')) out.add(dep5ToSpdx(name) ?? name);
    }
  }
  return [...out];
}

/**
 * `GPL-1+ or Artistic, and Expat` → [`GPL-1+`, `Artistic`, `Expat`]. A clause with an exception (`GPL-3+ with
 * Bison exception`) is kept whole, as a name: dropping the exception would claim a plain GPL. A first line that is
 * prose (a license text pasted into the field) yields nothing.
 */
export function splitDep5Expression(line: string): string[] {
  // A short-name expression is a few dozen characters; anything this long is pasted prose, and capping it keeps the
  // split linear in what it reads. Runs of whitespace are collapsed first, so the separator pattern below never
  // backtracks over them (the old `\s*,?\s+` form was super-linear on long runs of spaces: a worker hang).
  if (line.length > MAX_EXPRESSION_CHARS) return [];
  const parts = line
    .replace(/\s+/g, ' ')
    .split(/ ?,? (?:or|and|and\/or) | ?, ?/i)
    .map((s) => s.trim())
    .filter(Boolean);
  const out: string[] = [];
  for (const part of parts) {
    if (/^\S+ with .+ exception$/i.test(part)) out.push(part);
    else if (/^[A-Za-z0-9][A-Za-z0-9.+_-]*$/.test(part)) out.push(part);
    else return [];
  }
  return out;
}

const MAX_EXPRESSION_CHARS = 512;

/** GNU family: DEP-5 writes `GPL-2`, `GPL-2+`, `LGPL-2.1+`; SPDX needs the `-only` / `-or-later` forms. */
const GNU = /^(A?GPL|LGPL|GFDL(?:-NIV)?)-?v?(\d+(?:\.\d+)?)(\+?)$/i;

const DEP5_NAMES: Record<string, string> = {
  expat: 'MIT',
  'mit/x11': 'MIT',
  artistic: 'Artistic-1.0',
  'artistic-1': 'Artistic-1.0',
  'artistic-2': 'Artistic-2.0',
  'apache-1': 'Apache-1.0',
  'apache-1.1': 'Apache-1.1',
  'apache-2': 'Apache-2.0',
  'bsd-2': 'BSD-2-Clause',
  'bsd-3': 'BSD-3-Clause',
  'bsd-4': 'BSD-4-Clause',
  'mpl-1': 'MPL-1.0',
  'mpl-2': 'MPL-2.0',
  'psf-2': 'PSF-2.0',
  psf: 'PSF-2.0',
  'python-2': 'Python-2.0',
  zope: 'ZPL-2.1',
  'zpl-2.1': 'ZPL-2.1',
  perl: 'Artistic-1.0-Perl OR GPL-1.0-or-later',
  cc0: 'CC0-1.0',
};

/** One DEP-5 short name → an SPDX id (or expression for `Perl`), or undefined when none fits. */
export function dep5ToSpdx(name: string): string | undefined {
  const gnu = GNU.exec(name);
  if (gnu) {
    const family = gnu[1].toUpperCase();
    // `GPL-2` → `2.0`, `LGPL-2.1` stays: SPDX always writes a minor version.
    const version = gnu[2].includes('.') ? gnu[2] : `${gnu[2]}.0`;
    const suffix = gnu[3] ? '-or-later' : '-only';
    if (family === 'GFDL-NIV') return known(`GFDL-${version}-no-invariants${suffix}`);
    return known(`${family}-${version}${suffix}`);
  }
  const mapped = DEP5_NAMES[name.toLowerCase()];
  if (mapped) return mapped;
  const id = SPDX.fixupSpdxId(name);
  return id && SPDX.isSupportedSpdxId(id) ? id : undefined;
}

function known(id: string): string | undefined {
  return SPDX.isSupportedSpdxId(id) ? id : undefined;
}
