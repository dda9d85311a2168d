/** The one list of catalogers. Adding an ecosystem is one folder and one line here. */
import picomatch from 'picomatch';
import { apkCataloger } from './apk/cataloger.js';
import type { Cataloger } from './cataloger.js';
import { dpkgCataloger } from './dpkg/cataloger.js';
import { npmCataloger } from './npm/cataloger.js';
import { pythonCataloger } from './python/cataloger.js';
import { OS_RELEASE_GLOBS } from './os-release/os-release.js';
import { composeAnalyzerVersion } from '../version.js';

export const CATALOGERS: readonly Cataloger[] = [apkCataloger, dpkgCataloger, pythonCataloger, npmCataloger];

/** Changes whenever any cataloger's output may change; part of every cache key and job id. */
export function catalogerSetVersion(catalogers: readonly Cataloger[] = CATALOGERS): string {
  return catalogers.map((c) => `${c.name}@${c.version}`).join(',');
}

/** Keys every cache entry and job id: a new release or a changed cataloger makes a new one (src/version.ts). */
export const ANALYZER_VERSION = composeAnalyzerVersion(catalogerSetVersion());

const GLOB_OPTIONS = { dot: true } as const;

export function compileGlobs(globs: readonly string[]): (path: string) => boolean {
  if (globs.length === 0) return () => false;
  const re = new RegExp(globs.map((g) => picomatch.makeRe(g, GLOB_OPTIONS).source).join('|'));
  return (path) => re.test(path);
}

/** The walker's one test per tar entry: does any cataloger (or OS detection) want this file's body? */
export function captureMatcher(catalogers: readonly Cataloger[] = CATALOGERS): (path: string) => boolean {
  return compileGlobs([...OS_RELEASE_GLOBS, ...catalogers.flatMap((c) => [...c.globs, ...(c.auxiliaryGlobs ?? [])])]);
}
