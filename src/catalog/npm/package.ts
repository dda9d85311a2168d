/** package.json manifest → Package: `pkg:npm/%40scope/name@version`, case kept as npm keeps it. */
import { buildPurl, newPackage, type Package } from '../../sbom/package.js';
import type { PackageManifest } from './parse-package-json.js';

export function npmPackage(
  m: PackageManifest & { name: string; version: string },
  location: string,
  foundBy: string,
  options: { application: boolean; installName?: string },
): Package {
  const slash = m.name.startsWith('@') ? m.name.indexOf('/') : -1;
  const [namespace, name] = slash > 0 ? [m.name.slice(0, slash), m.name.slice(slash + 1)] : [undefined, m.name];
  const purl = buildPurl('npm', namespace, name, m.version);
  const properties: Record<string, string> = {};
  // Installed under another name (`npm i alias@npm:real@1`): the directory name is what `require` uses.
  if (options.installName && options.installName !== m.name) properties['layerlens:npm:alias'] = options.installName;
  if (m.private) properties['layerlens:npm:private'] = 'true';
  return newPackage({
    type: 'npm',
    name: m.name,
    version: m.version,
    purl,
    licenses: m.licenses,
    location,
    foundBy,
    componentType: options.application ? 'application' : 'library',
    description: m.description,
    supplier: m.author,
    homepage: m.homepage,
    properties,
  });
}
