/**
 * Node's module resolution over the image's files: a `require('x')` from a package in directory D finds
 * `D/node_modules/x`, then the `node_modules/x` of each ancestor (skipping ancestors that are `node_modules`
 * themselves), up to the root. So a dependency resolves to the copy actually loaded, which differs from the hoisted
 * one whenever npm had to nest a second version.
 */
import { parentDir } from './location.js';

export function resolveFrom<T>(installedByDir: ReadonlyMap<string, T>, fromDir: string, request: string): T | undefined {
  let dir = fromDir;
  for (;;) {
    const base = dir.slice(dir.lastIndexOf('/') + 1);
    if (base !== 'node_modules') {
      const hit = installedByDir.get(dir ? `${dir}/node_modules/${request}` : `node_modules/${request}`);
      if (hit !== undefined) return hit;
    }
    if (dir === '') return undefined;
    dir = parentDir(dir);
  }
}
