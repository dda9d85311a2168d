/**
 * Which package.json files are packages. npm installs a package into `node_modules/NAME` or
 * `node_modules/@scope/NAME`, so an installed package's manifest sits exactly one (two for scopes) directory below
 * its last `node_modules/`. Anything deeper (`node_modules/rxjs/ajax/package.json`, `dist/esm/package.json`,
 * test fixtures) is a helper file inside a package, not a package. A package.json with no `node_modules/` in its
 * path at all is a project's own manifest.
 */

export type ManifestRole =
  | { kind: 'installed'; /** Directory name(s) below node_modules: the name it is required by (an alias too). */ installName: string; dir: string }
  | { kind: 'project'; dir: string }
  | { kind: 'helper' };

// npm names never start with `.` or `_`; `node_modules/.bin`, `.pnpm` and `.cache` are npm's own directories.
const INSTALLED = /(?:^|\/)node_modules\/((?:@[^/@._][^/]*\/)?[^/@._][^/]*)\/package\.json$/;

/**
 * JavaScript shipped by the OS (Debian's `usr/share/nodejs/NAME/package.json`) belongs to the OS package that
 * installed it; only manifests elsewhere are taken as a project's own.
 */
const OS_TREES = /^usr\/(?:share|lib|lib64|include)\//;

export function manifestRole(path: string): ManifestRole {
  if (path !== 'package.json' && !path.endsWith('/package.json')) return { kind: 'helper' };
  const dir = path === 'package.json' ? '' : path.slice(0, -'/package.json'.length);
  const m = INSTALLED.exec(path);
  if (m) return { kind: 'installed', installName: m[1], dir };
  if (!/(?:^|\/)node_modules\//.test(path) && !OS_TREES.test(path)) return { kind: 'project', dir };
  return { kind: 'helper' };
}

/** Parent directory of a path without a leading slash; '' is the root. */
export function parentDir(dir: string): string {
  const i = dir.lastIndexOf('/');
  return i === -1 ? '' : dir.slice(0, i);
}
