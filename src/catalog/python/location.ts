/**
 * Where installed Python distributions are recorded, as importlib.metadata finds them: a `NAME.dist-info/METADATA`
 * (wheels, PEP 376/627), a `NAME.egg-info/PKG-INFO` directory or a `NAME.egg-info` file (setuptools, distutils),
 * directly inside a `site-packages` or `dist-packages` directory. The suffix is matched case-insensitively, as
 * importlib does. Metadata elsewhere is not an installed distribution: vendored copies
 * (`pip/_vendor/x.dist-info`), build trees, and the interpreter's own `lib-dynload/Python-X.egg-info` (which is why
 * no `Name: Python` special case is needed).
 */

export type InfoKind = 'dist-info' | 'egg-info-dir' | 'egg-info-file';

export interface InfoLocation {
  kind: InfoKind;
  /** The `.dist-info` / `.egg-info` directory, or the egg-info file itself. */
  infoPath: string;
  /** The site-packages directory holding it. */
  sitePackages: string;
}

/** `*.dist-info` with any case, as a glob (picomatch has no per-glob case flag). */
function anyCase(s: string): string {
  return [...s].map((c) => (/[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c)).join('');
}

const SITE = '**/{site,dist}-packages';
export const PYTHON_GLOBS = [
  `${SITE}/*${anyCase('.dist-info')}/METADATA`,
  `${SITE}/*${anyCase('.egg-info')}/PKG-INFO`,
  `${SITE}/*${anyCase('.egg-info')}`,
] as const;
/** setuptools keeps an egg's requirements out of PKG-INFO, in requires.txt. */
export const PYTHON_AUX_GLOBS = [`${SITE}/*${anyCase('.egg-info')}/requires.txt`] as const;

export function infoLocation(path: string): InfoLocation | undefined {
  const parts = path.split('/');
  const base = parts[parts.length - 1];
  let kind: InfoKind;
  let infoIndex: number;
  if (base === 'METADATA' && /\.dist-info$/i.test(parts[parts.length - 2] ?? '')) [kind, infoIndex] = ['dist-info', parts.length - 2];
  else if (base === 'PKG-INFO' && /\.egg-info$/i.test(parts[parts.length - 2] ?? '')) [kind, infoIndex] = ['egg-info-dir', parts.length - 2];
  else if (/\.egg-info$/i.test(base)) [kind, infoIndex] = ['egg-info-file', parts.length - 1];
  else return undefined;
  const site = parts[infoIndex - 1];
  if (site !== 'site-packages' && site !== 'dist-packages') return undefined;
  return { kind, infoPath: parts.slice(0, infoIndex + 1).join('/'), sitePackages: parts.slice(0, infoIndex).join('/') };
}
