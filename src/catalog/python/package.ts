/** Core metadata → Package: `pkg:pypi/NAME@VERSION` with the PEP 503 name; the component keeps the declared Name. */
import { buildPurl, newPackage, type Package } from '../../sbom/package.js';
import { pythonLicenses } from './license.js';
import { normalizePyName } from './names.js';
import type { PythonMetadata } from './parse-metadata.js';

export function pythonPackage(m: PythonMetadata & { name: string; version: string }, location: string, foundBy: string): Package {
  const purl = buildPurl('pypi', undefined, normalizePyName(m.name), m.version);
  return newPackage({
    type: 'pypi',
    name: m.name,
    version: m.version,
    purl,
    licenses: pythonLicenses({ expression: m.licenseExpression, license: m.license, classifiers: m.classifiers }),
    location,
    foundBy,
    componentType: 'library',
    description: m.summary,
    supplier: m.author,
    homepage: m.homePage,
  });
}
