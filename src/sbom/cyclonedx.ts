/**
 * CycloneDX (1.6 and 1.5; JSON and XML), built with @cyclonedx/cyclonedx-library. Byte-stable for the same image:
 * the serial number is a UUIDv5 of the manifest digest and analyzer version, the timestamp is the image's creation
 * time, and every list is sorted. CycloneDX 1.6 JSON is what the result store keeps (decode-cyclonedx.ts reads it
 * back); the other encodings are made from the same Bom model by the library's serializers.
 */
// Subpath imports: the library's root also loads its validators (ajv and the JSON schemas), which only tests need.
import * as Enums from '@cyclonedx/cyclonedx-library/Enums';
import * as Models from '@cyclonedx/cyclonedx-library/Models';
import * as Serialize from '@cyclonedx/cyclonedx-library/Serialize';
import * as Spec from '@cyclonedx/cyclonedx-library/Spec';
import { createHash } from 'node:crypto';
import type { Distro } from './distro.js';
import { classifyLicense, type LicenseForm } from '../license/license.js';
import { formatPlatform, type Platform } from '../registry/platform.js';
import { TOOL_VERSION } from '../version.js';
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
  /** The analyzer that made it (ANALYZER_VERSION of src/catalog/catalogers.ts): part of the serial number. */
  analyzerVersion: string;
}

export type CycloneDxVersion = '1.6' | '1.5';

const SPECS: Record<CycloneDxVersion, typeof Spec.Spec1dot6> = { '1.6': Spec.Spec1dot6, '1.5': Spec.Spec1dot5 };

/** CycloneDX JSON: 1.6 (the stored form, default) or 1.5 for older consumers. */
export function encodeCycloneDx(input: SbomInput, version: CycloneDxVersion = '1.6'): string {
  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(SPECS[version]));
  return serializer.serialize(buildBom(input), { sortLists: true, space: 2 });
}

/** CycloneDX XML (needs the optional xmlbuilder2 the library's XML serializer loads). */
export function encodeCycloneDxXml(input: SbomInput, version: CycloneDxVersion = '1.6'): string {
  const serializer = new Serialize.XmlSerializer(new Serialize.XML.Normalize.Factory(SPECS[version]));
  return serializer.serialize(buildBom(input), { sortLists: true, space: 2 });
}

function buildBom(input: SbomInput): Models.Bom {
  const bom = new Models.Bom();
  bom.serialNumber = `urn:uuid:${uuidV5(`${input.subject.digest}|${input.analyzerVersion}`)}`;
  const created = input.subject.created ? new Date(input.subject.created) : undefined;
  if (created && !Number.isNaN(created.getTime())) bom.metadata.timestamp = created;
  bom.metadata.tools.components.add(
    new Models.Component(Enums.ComponentType.Application, 'layerlens', { version: TOOL_VERSION, group: undefined }),
  );
  const image = imageComponent(input.subject);
  bom.metadata.component = image;
  bom.metadata.properties.add(new Models.Property('layerlens:analyzer:version', input.analyzerVersion));
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
  return bom;
}

/** The last path segment of the reference, without tag or digest: `alpine` for `host:5000/library/alpine:3.20`. */
export function imageShortName(name: string): string {
  return name.replace(/[@].*$/, '').replace(/:[^/:]*$/, '').split('/').pop() || name;
}

/** `pkg:oci/NAME@sha256%3A…?arch=…&os=…&repository_url=…`, the image's purl in every format. */
export function imagePurl(s: SbomSubject): string {
  return buildPurl('oci', undefined, imageShortName(s.name).toLowerCase(), s.digest, {
    repository_url: s.repositoryUrl,
    arch: s.platform.architecture,
    os: s.platform.os,
  });
}

function imageComponent(s: SbomSubject): Models.Component {
  const c = new Models.Component(Enums.ComponentType.Container, s.name, { version: s.digest, bomRef: `image:${s.digest}` });
  c.purl = imagePurl(s) as unknown as Models.Component['purl'];
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

/**
 * CycloneDX allows either license entries or exactly one expression: several declarations with an expression are
 * ANDed into one. Shared with the SPDX encoder, so both formats of one result say the same.
 */
export function licenseChoice(licenses: readonly string[]): { expression: string } | { entries: LicenseForm[] } {
  const forms = licenses.map(classifyLicense);
  if (forms.some((f) => f.kind === 'expression') && forms.every((f) => f.kind !== 'name')) {
    const parts = forms.map((f) => (f.kind === 'id' ? f.id : f.kind === 'expression' ? f.expression : ''));
    return { expression: parts.length === 1 ? parts[0] : parts.map((x) => `(${x})`).join(' AND ') };
  }
  return { entries: forms };
}

function addLicenses(c: Models.Component, licenses: readonly string[]): void {
  const choice = licenseChoice(licenses);
  if ('expression' in choice) {
    c.licenses.add(new Models.LicenseExpression(choice.expression));
    return;
  }
  for (const f of choice.entries) {
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

/** Validates against the CycloneDX JSON schema (1.6 by default); resolves to undefined when valid, else the errors. */
export async function validateCycloneDx(json: string, version: CycloneDxVersion = '1.6'): Promise<unknown> {
  const { JsonStrictValidator } = await import('@cyclonedx/cyclonedx-library/Validation');
  const validator = new JsonStrictValidator(SPECS[version].version);
  return (await validator.validate(json)) ?? undefined;
}

/** Validates against the CycloneDX XML schema (needs libxmljs2, a dev dependency); undefined when valid. */
export async function validateCycloneDxXml(xml: string, version: CycloneDxVersion = '1.6'): Promise<unknown> {
  const { XmlValidator } = await import('@cyclonedx/cyclonedx-library/Validation');
  return (await new XmlValidator(SPECS[version].version).validate(xml)) ?? undefined;
}
