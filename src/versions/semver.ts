/**
 * npm version order: SemVer 2.0 precedence (build metadata ignored), as npm's own `semver` package implements it.
 */
import semver from 'semver';

/** -1, 0 or 1; versions that are not SemVer sort after valid ones, among themselves as strings. */
export function compareSemver(a: string, b: string): number {
  const x = semver.parse(a, { loose: true });
  const y = semver.parse(b, { loose: true });
  if (!x || !y) return x ? -1 : y ? 1 : a < b ? -1 : a > b ? 1 : 0;
  return x.compare(y);
}

export function isValidSemver(version: string): boolean {
  return semver.parse(version, { loose: true }) !== null;
}
