/**
 * The package model every cataloger produces and every encoder reads. Flat and ecosystem-neutral; what is specific
 * to one ecosystem goes into `properties` under names the SBOM keeps.
 */
import { PackageURL } from 'packageurl-js';

/** The ecosystems of the bundled catalogers. */
export type KnownPackageType = 'apk' | 'deb' | 'npm' | 'pypi';
/** Open: a new cataloger brings its own type (its purl type, `gem`, `cargo` …) without touching this file. */
export type PackageType = KnownPackageType | (string & {});

export interface LayerRef {
  index: number;
  digest: string;
  diffId: string;
}

export interface Package {
  type: PackageType;
  name: string;
  version: string;
  arch?: string;
  purl: string;
  /** SPDX ids or expressions where the declaration maps to one, the declared text otherwise. */
  licenses: string[];
  /** The file the package was found in (package DB, package.json, METADATA), no leading slash. */
  location: string;
  /** The first layer from which the package stays present up to the final image. */
  layer?: LayerRef;
  foundBy: string;
  /** Unique within one SBOM: the purl plus the location when one purl is installed in several places. */
  ref: string;
  /** refs of packages this one depends on (only packages present in the image). */
  dependsOn: string[];
  /** `library` for installed packages; `application` for an app's own manifest. */
  componentType?: 'library' | 'application';
  description?: string;
  supplier?: string;
  homepage?: string;
  /** Ecosystem-specific facts kept as CycloneDX properties (`layerlens:apk:origin`, …). */
  properties: Record<string, string>;
}

/** What a cataloger says about a package; newPackage() fills in the rest. */
export type PackageFields = Pick<Package, 'type' | 'name' | 'version' | 'purl' | 'location' | 'foundBy'> & Partial<Omit<Package, 'type' | 'name' | 'version' | 'purl' | 'location' | 'foundBy'>>;

/**
 * The one way a cataloger makes a Package: `ref` is the purl (run.ts makes refs unique across locations), no
 * dependencies yet (`relate` links them), no licenses or properties unless given.
 */
export function newPackage(f: PackageFields): Package {
  return { ...f, licenses: f.licenses ?? [], ref: f.ref ?? f.purl, dependsOn: f.dependsOn ?? [], properties: f.properties ?? {} };
}

/** Name, version and arch: what "the same package" means when following it through layers. */
export function identityOf(p: Pick<Package, 'type' | 'name' | 'version' | 'arch'>): string {
  return `${p.type}\u0000${p.name}\u0000${p.version}\u0000${p.arch ?? ''}`;
}

export function buildPurl(
  type: string,
  namespace: string | undefined,
  name: string,
  version: string | undefined,
  qualifiers?: Record<string, string | undefined>,
): string {
  const q: Record<string, string> = {};
  for (const [k, v] of Object.entries(qualifiers ?? {})) if (v) q[k] = v;
  return new PackageURL(type, namespace, name, version, Object.keys(q).length ? q : undefined, undefined).toString();
}

/** Canonical form, for comparisons: parse and re-serialise. */
export function canonicalPurl(purl: string): string {
  return PackageURL.fromString(purl).toString();
}
