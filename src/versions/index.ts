/**
 * Version order per ecosystem, keyed by the purl type that names it (and the vers scheme names that are aliases
 * of it). Each comparator is the package manager's own rule, so "below 3.0.13" means what apt, apk, npm or pip
 * would say.
 */
import { compareApkVersions, isValidApkVersion } from './apk.js';
import { compareDebianVersions, parseDebianVersion } from './dpkg.js';
import { comparePep440, parsePep440 } from './pep440.js';
import { compareSemver, isValidSemver } from './semver.js';

export interface VersionScheme {
  /** The vers scheme name (purl-spec's vers). */
  name: string;
  compare(a: string, b: string): number;
  isValid(version: string): boolean;
}

const SCHEMES: VersionScheme[] = [
  { name: 'deb', compare: compareDebianVersions, isValid: (v) => parseDebianVersion(v) !== undefined },
  { name: 'apk', compare: compareApkVersions, isValid: isValidApkVersion },
  { name: 'npm', compare: compareSemver, isValid: isValidSemver },
  { name: 'pypi', compare: comparePep440, isValid: (v) => parsePep440(v) !== undefined },
];

/** vers scheme names and purl types that use one of the schemes above. */
const ALIASES: Record<string, string> = { debian: 'deb', alpine: 'apk', semver: 'npm', python: 'pypi' };

export function versionScheme(name: string): VersionScheme | undefined {
  const n = name.toLowerCase();
  const canonical = ALIASES[n] ?? n;
  return SCHEMES.find((s) => s.name === canonical);
}

export function supportedVersionSchemes(): string[] {
  return SCHEMES.map((s) => s.name);
}
