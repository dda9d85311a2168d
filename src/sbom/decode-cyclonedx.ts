/**
 * The stored CycloneDX 1.6 JSON back to the domain model (SbomInput), so a stored result is re-encoded in any format
 * without pulling the image again. It reads exactly what encodeCycloneDx writes — nothing more is kept — and the
 * round trip is exact: encodeCycloneDx(decodeCycloneDx(stored)) === stored (held by test/unit/sbom/formats.test.ts).
 * Encoders of other formats therefore use only what survives it (no `supplier`, no non-http homepage).
 */
import { LayerlensError } from '../errors.js';
import { parsePlatform, type Platform } from '../registry/platform.js';
import type { SbomInput } from './cyclonedx.js';
import type { Package, PackageType } from './package.js';
import { PackageURL } from 'packageurl-js';
import type { Distro } from './distro.js';

interface CdxProperty {
  name: string;
  value?: string;
}
interface CdxLicense {
  license?: { id?: string; name?: string };
  expression?: string;
}
interface CdxComponent {
  type: string;
  name: string;
  version?: string;
  'bom-ref'?: string;
  description?: string;
  purl?: string;
  licenses?: CdxLicense[];
  externalReferences?: { type: string; url: string }[];
  properties?: CdxProperty[];
}
interface CdxBom {
  metadata?: { timestamp?: string; component?: CdxComponent; properties?: CdxProperty[] };
  components?: CdxComponent[];
  dependencies?: { ref: string; dependsOn?: string[] }[];
}

/** Properties that encodeCycloneDx derives from Package fields; every other property is `Package.properties`. */
const FIELD_PROPERTIES = new Set([
  'layerlens:package:type',
  'layerlens:location',
  'layerlens:foundBy',
  'layerlens:layer:index',
  'layerlens:layer:digest',
  'layerlens:layer:diffId',
  'layerlens:arch',
]);

export function decodeCycloneDx(json: string): SbomInput {
  let bom: CdxBom;
  try {
    bom = JSON.parse(json) as CdxBom;
  } catch (e) {
    throw new LayerlensError('SOURCE_INVALID', `stored SBOM is not JSON: ${(e as Error).message}`);
  }
  const image = bom.metadata?.component;
  if (!image?.version) throw new LayerlensError('SOURCE_INVALID', 'stored SBOM has no image component (metadata.component)');
  const deps = new Map((bom.dependencies ?? []).map((d) => [d.ref, d.dependsOn ?? []]));
  let distro: Distro | undefined;
  const packages: Package[] = [];
  for (const c of bom.components ?? []) {
    if (c.type === 'operating-system') distro = decodeDistro(c);
    else packages.push(decodePackage(c, deps.get(c['bom-ref'] ?? '') ?? []));
  }
  const metaProps = bom.metadata?.properties ?? [];
  const analyzerVersion = metaProps.find((p) => p.name === 'layerlens:analyzer:version')?.value;
  if (!analyzerVersion) throw new LayerlensError('SOURCE_INVALID', 'stored SBOM has no layerlens:analyzer:version property');
  return {
    subject: decodeSubject(image, bom.metadata?.timestamp),
    distro,
    packages,
    warnings: metaProps.filter((p) => p.name === 'layerlens:warning').map((p) => p.value ?? ''),
    analyzerVersion,
  };
}

function decodeSubject(c: CdxComponent, timestamp: string | undefined): SbomInput['subject'] {
  const props = propertyMap(c.properties);
  const purl = c.purl ? PackageURL.fromString(c.purl) : undefined;
  const q = purl?.qualifiers ?? {};
  // The purl keeps os and arch as given; the variant is only in the normalised platform property.
  const formatted = props.get('layerlens:image:platform');
  const normalised: Platform | undefined = formatted ? parsePlatform(formatted) : undefined;
  const platform: Platform = {
    os: q.os ?? normalised?.os ?? 'linux',
    architecture: q.arch ?? normalised?.architecture ?? 'amd64',
    ...(normalised?.variant ? { variant: normalised.variant } : {}),
  };
  return {
    name: c.name,
    digest: c.version!,
    indexDigest: props.get('layerlens:image:indexDigest'),
    platform,
    repositoryUrl: q.repository_url,
    created: timestamp,
  };
}

function decodeDistro(c: CdxComponent): Distro {
  return { id: c.name, versionId: c.version, prettyName: c.description, location: propertyMap(c.properties).get('layerlens:location') ?? '' };
}

function decodePackage(c: CdxComponent, dependsOn: string[]): Package {
  const props = propertyMap(c.properties);
  const index = props.get('layerlens:layer:index');
  const digest = props.get('layerlens:layer:digest');
  const properties: Record<string, string> = {};
  for (const p of c.properties ?? []) if (!FIELD_PROPERTIES.has(p.name) && p.value !== undefined) properties[p.name] = p.value;
  return {
    type: (props.get('layerlens:package:type') ?? 'npm') as PackageType,
    name: c.name,
    version: c.version ?? '',
    arch: props.get('layerlens:arch'),
    purl: c.purl ?? '',
    licenses: (c.licenses ?? []).map((l) => l.expression ?? l.license?.id ?? l.license?.name ?? '').filter(Boolean),
    location: props.get('layerlens:location') ?? '',
    layer: index !== undefined && digest ? { index: Number(index), digest, diffId: props.get('layerlens:layer:diffId') ?? '' } : undefined,
    foundBy: props.get('layerlens:foundBy') ?? '',
    ref: c['bom-ref'] ?? c.purl ?? c.name,
    dependsOn,
    componentType: c.type === 'application' ? 'application' : 'library',
    description: c.description,
    homepage: c.externalReferences?.find((r) => r.type === 'website')?.url,
    properties,
  };
}

function propertyMap(props: CdxProperty[] | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const p of props ?? []) if (p.value !== undefined && !m.has(p.name)) m.set(p.name, p.value);
  return m;
}
