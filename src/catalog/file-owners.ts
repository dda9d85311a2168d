/**
 * Which OS package owns a file, across package managers: language catalogers use it to mark what the OS installed
 * (Debian's python3-jinja2 ships the Jinja2 distribution), so consumers can de-duplicate without losing either view.
 */
import type { Package } from '../sbom/package.js';
import { apkOwnersOf } from './apk/file-owners.js';
import type { FileLookup } from './cataloger.js';
import { dpkgOwnersOf } from './dpkg/file-lists.js';

/** For each wanted path (no leading slash) owned by an OS package present in `all`, that package. */
export function osPackageOwners(wanted: Iterable<string>, all: readonly Package[], files: FileLookup): Map<string, Package> {
  const set = new Set(wanted);
  const out = new Map<string, Package>();
  if (set.size === 0) return out;
  const debs = all.filter((p) => p.type === 'deb');
  if (debs.length) {
    for (const [path, o] of dpkgOwnersOf(files, set)) {
      const pkg = debs.find((p) => p.name === o.name && (!o.arch || p.arch === o.arch));
      if (pkg) out.set(path, pkg);
    }
  }
  const apks = all.filter((p) => p.type === 'apk');
  if (apks.length) {
    for (const [path, o] of apkOwnersOf(files, set)) {
      const pkg = apks.find((p) => p.name === o.name && p.version === o.version);
      if (pkg && !out.has(path)) out.set(path, pkg);
    }
  }
  return out;
}
