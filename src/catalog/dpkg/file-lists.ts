/**
 * Which dpkg package installed a file: `var/lib/dpkg/info/NAME.list` (or `NAME:ARCH.list` for Multi-Arch: same
 * packages) lists every path the package unpacked, absolute, one per line.
 */
import type { FileLookup } from '../cataloger.js';

export const DPKG_FILE_LIST_GLOB = 'var/lib/dpkg/info/*.list';
const LIST_PATH = /^var\/lib\/dpkg\/info\/([^/]+)\.list$/;

export interface DpkgOwner {
  name: string;
  arch?: string;
}

/** For each wanted path (no leading slash) that some package's file list names, that package. */
export function dpkgOwnersOf(files: FileLookup, wanted: ReadonlySet<string>): Map<string, DpkgOwner> {
  const owners = new Map<string, DpkgOwner>();
  if (wanted.size === 0) return owners;
  for (const listPath of files.paths((p) => LIST_PATH.test(p))) {
    const [name, arch] = LIST_PATH.exec(listPath)![1].split(':');
    const body = files.get(listPath);
    if (!body) continue;
    for (const raw of body.toString('utf8').split('\n')) {
      for (const path of candidatesOf(raw.trim())) {
        if (wanted.has(path) && !owners.has(path)) owners.set(path, arch ? { name, arch } : { name });
      }
    }
  }
  return owners;
}

/**
 * `/usr/lib/x` → `usr/lib/x`. On merged-/usr systems a list may still say `/lib/x` for a file reached through
 * the `/lib → usr/lib` symlink, so the `usr/` form is tried too.
 */
function candidatesOf(line: string): string[] {
  if (!line.startsWith('/')) return [];
  const rel = line.slice(1);
  return /^(?:lib|lib32|lib64|bin|sbin)\//.test(rel) ? [rel, `usr/${rel}`] : [rel];
}
