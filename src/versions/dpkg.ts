/**
 * Debian version order, as `dpkg --compare-versions` defines it (deb-version(7)): `[epoch:]upstream[-revision]`,
 * each part compared as alternating non-digit and digit runs, where `~` sorts before everything (even the end),
 * letters before other characters, and digit runs numerically.
 */

export interface DebianVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

export function parseDebianVersion(version: string): DebianVersion | undefined {
  const v = version.trim();
  if (v === '') return undefined;
  const colon = v.indexOf(':');
  let epoch = 0;
  if (colon >= 0) {
    const e = v.slice(0, colon);
    if (!/^\d{1,9}$/.test(e)) return undefined;
    epoch = Number(e);
  }
  const rest = v.slice(colon + 1);
  const dash = rest.lastIndexOf('-');
  const upstream = dash >= 0 ? rest.slice(0, dash) : rest;
  const revision = dash >= 0 ? rest.slice(dash + 1) : '';
  if (upstream === '' || !/^[0-9]/.test(upstream)) return undefined;
  if (!/^[A-Za-z0-9.+~:-]*$/.test(upstream) || !/^[A-Za-z0-9.+~]*$/.test(revision)) return undefined;
  return { epoch, upstream, revision };
}

/** Sort weight of one character of a non-digit run: `~` < end < letters < everything else. */
function weight(s: string, i: number): number {
  if (i >= s.length) return 0;
  const c = s.charCodeAt(i);
  if (c === 0x7e) return -1; // '~'
  if (c >= 0x30 && c <= 0x39) return 0;
  if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) return c;
  return c + 256;
}

const isDigit = (s: string, i: number) => i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39;

function compareRuns(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a, i)) || (j < b.length && !isDigit(b, j))) {
      const d = weight(a, i) - weight(b, j);
      if (d !== 0) return d < 0 ? -1 : 1;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    let first = 0;
    while (isDigit(a, i) && isDigit(b, j)) {
      if (first === 0) first = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a, i)) return 1;
    if (isDigit(b, j)) return -1;
    if (first !== 0) return first < 0 ? -1 : 1;
  }
  return 0;
}

/** -1, 0 or 1; versions dpkg would reject compare as plain strings after all valid ones. */
export function compareDebianVersions(a: string, b: string): number {
  const x = parseDebianVersion(a);
  const y = parseDebianVersion(b);
  if (!x || !y) return x ? -1 : y ? 1 : a < b ? -1 : a > b ? 1 : 0;
  if (x.epoch !== y.epoch) return x.epoch < y.epoch ? -1 : 1;
  return compareRuns(x.upstream, y.upstream) || compareRuns(x.revision, y.revision);
}
