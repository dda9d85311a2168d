/** dpkg status entry → Package, with purl-spec's deb conventions (epoch kept in the version). */
import { buildPurl, newPackage, type Package } from '../../sbom/package.js';
import { distroQualifier, type Distro } from '../../sbom/distro.js';
import type { DpkgEntry } from './parse-dpkg-status.js';

/**
 * `upstream` follows Syft: the source name, with `@version` when the Source field names a version (binNMUs such as
 * `bash 5.2.15-2+b13` from source `bash 5.2.15-2`); absent when the package is its own source.
 */
export function upstreamQualifier(e: DpkgEntry): string | undefined {
  if (!e.sourceDeclared) return undefined;
  return e.sourceVersion !== e.version ? `${e.source}@${e.sourceVersion}` : e.source;
}

export function dpkgPackage(e: DpkgEntry, location: string, distro: Distro | undefined, foundBy: string, licenses: string[]): Package {
  const namespace = distro?.id ?? 'debian';
  const purl = buildPurl('deb', namespace, e.name, e.version, { arch: e.arch, distro: distroQualifier(distro), upstream: upstreamQualifier(e) });
  const properties: Record<string, string> = {
    'layerlens:deb:source': e.source,
    'layerlens:deb:sourceVersion': e.sourceVersion,
  };
  if (e.multiArch) properties['layerlens:deb:multiArch'] = e.multiArch;
  if (e.installedSize) properties['layerlens:deb:installedSizeKiB'] = String(e.installedSize);
  return newPackage({
    type: 'deb',
    name: e.name,
    version: e.version,
    arch: e.arch,
    purl,
    licenses,
    location,
    foundBy,
    description: e.description,
    supplier: e.maintainer,
    homepage: e.homepage,
    properties,
  });
}
