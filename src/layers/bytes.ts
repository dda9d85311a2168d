/**
 * Byte sizes the way Dive writes and reads them. Dive formats with go-humanize's `Bytes` (SI units: 3.2 MB, 12 kB)
 * and parses `highestWastedBytes` with `ParseBytes`, where a bare `K`/`M`/`G` is SI (1000-based) and only `Ki`/`MiB`
 * are binary. `parseByteSize` in src/config.ts reads `20M` as MiB, so a `.dive-ci` threshold parsed with it would
 * give a different verdict than Dive: that is why this module has its own parser.
 */

const SI_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/** `3_200_000` → `3.2 MB`, `12_345` → `12 kB`, `999` → `999 B` (go-humanize `Bytes`). */
export function formatBytes(n: number): string {
  if (n < 10) return `${n} B`;
  const e = Math.min(Math.floor(Math.log(n) / Math.log(1000)), SI_UNITS.length - 1);
  const val = Math.floor((n / 1000 ** e) * 10 + 0.5) / 10;
  return `${val < 10 ? val.toFixed(1) : val.toFixed(0)} ${SI_UNITS[e]}`;
}

const K = 1000;
const KI = 1024;
const PARSE_UNITS: Record<string, number> = {
  '': 1, b: 1,
  k: K, kb: K, ki: KI, kib: KI,
  m: K ** 2, mb: K ** 2, mi: KI ** 2, mib: KI ** 2,
  g: K ** 3, gb: K ** 3, gi: KI ** 3, gib: KI ** 3,
  t: K ** 4, tb: K ** 4, ti: KI ** 4, tib: KI ** 4,
  p: K ** 5, pb: K ** 5, pi: KI ** 5, pib: KI ** 5,
  e: K ** 6, eb: K ** 6, ei: KI ** 6, eib: KI ** 6,
};

/**
 * go-humanize `ParseBytes`: a number (digits, `.`, `,` as thousands separators) then an optional unit, case and
 * surrounding space ignored; the product is truncated to whole bytes. Undefined when it is not a size.
 */
export function parseDiveBytes(text: string): number | undefined {
  const m = /^([\d.,]*)(.*)$/s.exec(text);
  if (!m || m[1] === '') return undefined;
  const digits = m[1].replaceAll(',', '');
  if (!/^(\d+\.?\d*|\.\d+)$/.test(digits)) return undefined;
  const unit = PARSE_UNITS[m[2].trim().toLowerCase()];
  if (unit === undefined) return undefined;
  return Math.trunc(Number(digits) * unit);
}
