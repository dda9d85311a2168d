/**
 * Python version order, as PEP 440 defines it (the order pip and `packaging.version` use): epoch, release with
 * trailing zeros ignored, then dev < pre (a < b < rc) < final < post, and a local label that sorts after the public
 * version it decorates. Spellings are normalised first (`1.0-alpha1` = `1.0a1`, `1.0.post` = `1.0.post0`).
 */

const VERSION = new RegExp(
  '^v?(?:(?<epoch>[0-9]+)!)?(?<release>[0-9]+(?:\\.[0-9]+)*)' +
    '(?<pre>[-_.]?(?<preL>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<preN>[0-9]+)?)?' +
    '(?<post>(?:-(?<postN1>[0-9]+))|(?:[-_.]?(?<postL>post|rev|r)[-_.]?(?<postN2>[0-9]+)?))?' +
    '(?<dev>[-_.]?(?<devL>dev)[-_.]?(?<devN>[0-9]+)?)?' +
    '(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?$',
  'i',
);

export interface Pep440Version {
  epoch: bigint;
  release: bigint[];
  pre?: [number, bigint];
  post?: bigint;
  dev?: bigint;
  local?: (bigint | string)[];
}

const PRE_RANK: Record<string, number> = { a: 0, alpha: 0, b: 1, beta: 1, c: 2, rc: 2, pre: 2, preview: 2 };

export function parsePep440(version: string): Pep440Version | undefined {
  const m = VERSION.exec(version.trim());
  if (!m?.groups) return undefined;
  const g = m.groups;
  const num = (s: string | undefined) => BigInt(s ?? '0');
  return {
    epoch: num(g.epoch),
    release: g.release!.split('.').map((x) => BigInt(x)),
    pre: g.pre ? [PRE_RANK[g.preL!.toLowerCase()]!, num(g.preN)] : undefined,
    post: g.post ? num(g.postN1 ?? g.postN2) : undefined,
    dev: g.dev ? num(g.devN) : undefined,
    local: g.local?.toLowerCase().split(/[-_.]/).map((p) => (/^[0-9]+$/.test(p) ? BigInt(p) : p)),
  };
}

const cmp = (a: bigint | number | string, b: bigint | number | string) => (a < b ? -1 : a > b ? 1 : 0);

function compareRelease(a: bigint[], b: bigint[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const r = cmp(a[i] ?? 0n, b[i] ?? 0n);
    if (r) return r;
  }
  return 0;
}

/** The pre-release slot: a dev release with no pre or post sorts before every pre-release of its release. */
function preKey(v: Pep440Version): [number, bigint] {
  if (v.pre) return v.pre;
  if (v.dev !== undefined && v.post === undefined) return [-1, 0n];
  return [9, 0n];
}

function compareLocal(a: (bigint | string)[] | undefined, b: (bigint | string)[] | undefined): number {
  if (!a || !b) return a ? 1 : b ? -1 : 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined) return x === undefined ? -1 : 1;
    // Numeric segments sort after alphanumeric ones.
    if (typeof x !== typeof y) return typeof x === 'bigint' ? 1 : -1;
    const r = cmp(x, y);
    if (r) return r;
  }
  return 0;
}

export function comparePep440Parsed(a: Pep440Version, b: Pep440Version): number {
  const [ap, apn] = preKey(a);
  const [bp, bpn] = preKey(b);
  return (
    cmp(a.epoch, b.epoch) ||
    compareRelease(a.release, b.release) ||
    cmp(ap, bp) ||
    cmp(apn, bpn) ||
    cmp(a.post ?? -1n, b.post ?? -1n) ||
    // No dev segment sorts after any dev segment.
    cmp(a.dev ?? BigInt(Number.MAX_SAFE_INTEGER) * 1000n, b.dev ?? BigInt(Number.MAX_SAFE_INTEGER) * 1000n) ||
    compareLocal(a.local, b.local)
  );
}

/** -1, 0 or 1; versions PEP 440 cannot parse sort after valid ones, among themselves as strings. */
export function comparePep440(a: string, b: string): number {
  const x = parsePep440(a);
  const y = parsePep440(b);
  if (!x || !y) return x ? -1 : y ? 1 : cmp(a, b);
  return comparePep440Parsed(x, y);
}
