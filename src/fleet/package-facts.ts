/**
 * What the fleet questions need of one package, kept per analysed image: its identity (purl type, namespace, name
 * and arch — "the same package" across images), its version, its licenses, the layer that added it and the OS
 * package that owns it. Small and flat, so an index entry and a diff read no SBOM.
 */
import { PackageURL } from 'packageurl-js';
import type { Package } from '../sbom/package.js';

export interface PackageFact {
  /** `type/namespace/name` of the purl, without version or qualifiers: the index key. */
  identity: string;
  purl: string;
  type: string;
  name: string;
  version: string;
  arch?: string;
  licenses: string[];
  /** Index of the layer that added it. */
  layer?: number;
  /** purl of the OS package that installed it (Debian-packaged Python distributions, for example). */
  ownedBy?: string;
}

const OWNED_BY_PROPERTY = 'layerlens:ownedBy';

export class PurlError extends Error {}

/** `type/namespace/name` of a purl as the index keys it (canonical spelling, so `pkg:NPM/Lodash`… finds lodash). */
export function purlIdentity(purl: string): { identity: string; type: string; version?: string } {
  let parsed: PackageURL;
  try {
    parsed = PackageURL.fromString(purl);
  } catch (e) {
    throw new PurlError(`"${purl.slice(0, 200)}" is not a valid purl: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { identity: `${parsed.type}/${parsed.namespace ?? ''}/${parsed.name}`, type: parsed.type, version: parsed.version ?? undefined };
}

export function factsOf(packages: readonly Package[]): PackageFact[] {
  const facts: PackageFact[] = [];
  for (const p of packages) {
    const { identity, type } = purlIdentity(p.purl);
    const fact: PackageFact = { identity, purl: p.purl, type, name: p.name, version: p.version, licenses: p.licenses };
    if (p.arch) fact.arch = p.arch;
    if (p.layer) fact.layer = p.layer.index;
    const owner = p.properties[OWNED_BY_PROPERTY];
    if (owner) fact.ownedBy = owner;
    facts.push(fact);
  }
  return facts;
}
