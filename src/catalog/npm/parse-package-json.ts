/** The parts of a package.json manifest the SBOM uses, read defensively: installed manifests are not validated. */
import { normaliseLicense } from '../../license/license.js';

export interface PackageManifest {
  name?: string;
  version?: string;
  licenses: string[];
  description?: string;
  homepage?: string;
  author?: string;
  dependencies: string[];
  optionalDependencies: string[];
  peerDependencies: string[];
  devDependencies: string[];
  private?: boolean;
}

export function parsePackageJson(text: string): PackageManifest {
  const raw: unknown = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  if (!isObject(raw)) throw new Error('package.json is not a JSON object');
  return {
    name: nonEmptyString(raw.name),
    version: nonEmptyString(raw.version),
    licenses: licensesOf(raw),
    description: nonEmptyString(raw.description),
    homepage: nonEmptyString(raw.homepage),
    author: personOf(raw.author),
    dependencies: keysOf(raw.dependencies),
    optionalDependencies: keysOf(raw.optionalDependencies),
    peerDependencies: keysOf(raw.peerDependencies),
    devDependencies: keysOf(raw.devDependencies),
    private: raw.private === true ? true : undefined,
  };
}

/**
 * `"license": "MIT"`, the deprecated `"license": {"type": "MIT", "url": …}`, and the legacy `"licenses": [{type}]`
 * (or a bare string list) that old packages still ship.
 */
function licensesOf(raw: Record<string, unknown>): string[] {
  const out: string[] = [];
  const add = (v: unknown) => {
    const declared = typeof v === 'string' ? v : isObject(v) && typeof v.type === 'string' ? v.type : undefined;
    if (declared !== undefined) for (const l of normaliseLicense(declared)) out.push(l);
  };
  add(raw.license);
  if (Array.isArray(raw.license)) raw.license.forEach(add);
  if (Array.isArray(raw.licenses)) raw.licenses.forEach(add);
  else add(raw.licenses);
  return [...new Set(out)];
}

function personOf(v: unknown): string | undefined {
  if (typeof v === 'string') return nonEmptyString(v);
  if (isObject(v)) return nonEmptyString(v.name);
  return undefined;
}

function keysOf(v: unknown): string[] {
  return isObject(v) ? Object.keys(v) : [];
}

function nonEmptyString(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
