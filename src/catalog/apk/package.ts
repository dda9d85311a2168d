/** apk database entry → Package, with the purl conventions of purl-spec and Syft/Trivy. */
import { buildPurl, newPackage, type Package } from '../../sbom/package.js';
import { distroQualifier, type Distro } from '../../sbom/distro.js';
import { normaliseLicense } from '../../license/license.js';
import type { ApkDbEntry } from './parse-apk-db.js';

export function apkPackage(e: ApkDbEntry, location: string, distro: Distro | undefined, foundBy: string): Package {
  const namespace = distro?.id ?? 'alpine';
  const upstream = e.origin && e.origin !== e.name ? e.origin : undefined;
  const purl = buildPurl('apk', namespace, e.name, e.version, { arch: e.arch, distro: distroQualifier(distro), upstream });
  const properties: Record<string, string> = {};
  if (e.origin) properties['layerlens:apk:origin'] = e.origin;
  if (e.commit) properties['layerlens:apk:commit'] = e.commit;
  if (e.installedSize) properties['layerlens:apk:installedSize'] = String(e.installedSize);
  return newPackage({
    type: 'apk',
    name: e.name,
    version: e.version,
    arch: e.arch,
    purl,
    licenses: normaliseLicense(e.license),
    location,
    foundBy,
    description: e.description,
    supplier: e.maintainer,
    homepage: e.url,
    properties,
  });
}
