/**
 * CycloneDX 1.6 JSON, built with @cyclonedx/cyclonedx-library. Byte-stable for the same image: the serial number
 * is a UUIDv5 of the manifest digest and analyzer version, the timestamp is the image's creation time, and every
 * list is sorted.
 */
// Subpath imports: the library's root also loads its validators (ajv and the JSON schemas), which only tests need.
import * as Enums from '@cyclonedx/cyclonedx-library/Enums';
import * as Models from '@cyclonedx/cyclonedx-library/Models';
import * as Serialize from '@cyclonedx/cyclonedx-library/Serialize';
import * as Spec from '@cyclonedx/cyclonedx-library/Spec';
import { createHash } from 'node:crypto';
import type { Distro } from '../catalog/distro.js';
import { classifyLicense } from '../catalog/license.js';
import { formatPlatform, type Platform } from '../registry/platform.js';
import { ANALYZER_VERSION, TOOL_VERSION } from '../version.js';
import { buildPurl, type Package } from './package.js';

export const CYCLONEDX_MEDIA_TYPE = 'application/vnd.cyclonedx+json; version=1.6';

export interface SbomSubject {
  /** The reference as analysed (`127.0.0.1:5000/library/alpine:3.20`). */
  name: string;
  digest: string;
  indexDigest?: string;
  platform: Platform;
  repositoryUrl?: string;
  created?: string;
}

export interface SbomInput {
  subject: SbomSubject;
  distro?: Distro;
  packages: readonly Package[];
  warnings: readonly string[];
}

const spec = Spec.Spec1dot6;

export function encodeCycloneDx(input: SbomInput): string {
  const bom = new Models.Bom();
  bom.serialNumber = `urn:uuid:${uuidV5(`${input.subject.digest}|${ANALYZER_VERSION}`)}`;
  const created = input.subject.created ? new Date(input.subject.created) : undefined;
  if (created && !Number.isNaN(created.getTime())) bom.metadata.timestamp = created;
  bom.metadata.tools.components.add(
    new Models.Component(Enums.ComponentType.Application, 'layerlens', { version: TOOL_VERSION, group: undefined }),
  );
  const image = imageComponent(input.subject);
  bom.metadata.component = image;
  bom.metadata.properties.add(new Models.Property('layerlens:analyzer:version', ANALYZER_VERSION));
  for (const w of input.warnings) bom.metadata.properties.add(new Models.Property('layerlens:warning', w));

  const components = new Map<string, Models.Component>();
  if (input.distro) {
    const os = osComponent(input.distro);
    bom.components.add(os);
    image.dependencies.add(os.bomRef);
  }
  for (const p of input.packages) {
    const c = packageComponent(p);
    components.set(p.ref, c);
    bom.components.add(c);
  }
  for (const p of input.packages) {
    const c = components.get(p.ref)!;
    for (const dep of p.dependsOn) {
      const target = components.get(dep);
      if (target) c.dependencies.add(target.bomRef);
    }
  }
  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(spec));
  return serializer.serialize(bom, { sortLists: true, space: 2 });
}

function imageComponent(s: SbomSubject): Models.Component {
  const shortName = s.name.replace(/[@].*$/, '').replace(/:[^/:]*$/, '').split('/').pop() || s.name;
  const c = new Models.Component(Enums.ComponentType.Container, s.name, { version: s.digest, bomRef: `image:${s.digest}` });
  c.purl = buildPurl('oci', undefined, shortName.toLowerCase(), s.digest, {
    repository_url: s.repositoryUrl,
    arch: s.platform.architecture,
    os: s.platform.os,
  }) as unknown as Models.Component['purl'];
  c.properties.add(new Models.Property('layerlens:image:platform', formatPlatform(s.platform)));
  if (s.indexDigest) c.properties.add(new Models.Property('layerlens:image:indexDigest', s.indexDigest));
  return c;
}

function osComponent(d: Distro): Models.Component {
  const c = new Models.Component(Enums.ComponentType.OperatingSystem, d.id, {
    version: d.versionId,
    bomRef: `os:${d.id}@${d.versionId ?? ''}`,
    description: d.prettyName,
  });
  c.properties.add(new Models.Property('layerlens:location', d.location));
  return c;
}

function packageComponent(p: Package): Models.Component {
  const type = p.componentType === 'application' ? Enums.ComponentType.Application : Enums.ComponentType.Library;
  const c = new Models.Component(type, p.name, { version: p.version, bomRef: p.ref, description: p.description });
  c.purl = p.purl as unknown as Models.Component['purl'];
  addLicenses(c, p.licenses);
  if (p.homepage && /^https?:\/\//.test(p.homepage)) {
    c.externalReferences.add(new Models.ExternalReference(p.homepage, Enums.ExternalReferenceType.Website));
  }
  const props: [string, string | undefined][] = [
    ['layerlens:package:type', p.type],
    ['layerlens:location', p.location],
    ['layerlens:foundBy', p.foundBy],
    ['layerlens:layer:index', p.layer ? String(p.layer.index) : undefined],
    ['layerlens:layer:digest', p.layer?.digest],
    ['layerlens:layer:diffId', p.layer?.diffId],
    ['layerlens:arch', p.arch],
    ...Object.entries(p.properties),
  ];
  for (const [k, v] of props) if (v) c.properties.add(new Models.Property(k, v));
  return c;
}

/** CycloneDX allows either license entries or exactly one expression: several declarations with an expression are ANDed. */
function addLicenses(c: Models.Component, licenses: readonly string[]): void {
  const forms = licenses.map(classifyLicense);
  if (forms.some((f) => f.kind === 'expression') && forms.every((f) => f.kind !== 'name')) {
    const parts = forms.map((f) => (f.kind === 'id' ? f.id : f.kind === 'expression' ? f.expression : ''));
    const expression = parts.length === 1 ? parts[0] : parts.map((x) => `(${x})`).join(' AND ');
    c.licenses.add(new Models.LicenseExpression(expression));
    return;
  }
  for (const f of forms) {
    if (f.kind === 'id') c.licenses.add(new Models.SpdxLicense(f.id));
    else c.licenses.add(new Models.NamedLicense(f.kind === 'expression' ? f.expression : f.name));
  }
}

/** RFC 4122 name-based UUID (SHA-1), in the URL namespace. */
export function uuidV5(name: string): string {
  const namespace = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');
  const hash = createHash('sha1').update(namespace).update(name).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Validates against the CycloneDX 1.6 JSON schema; resolves to undefined when valid, else the errors. */
export async function validateCycloneDx(json: string): Promise<unknown> {
  const { JsonStrictValidator } = await import('@cyclonedx/cyclonedx-library/Validation');
  const validator = new JsonStrictValidator(spec.version);
  return (await validator.validate(json)) ?? undefined;
}
