/**
 * SPDX 2.3 JSON from the same SbomInput as CycloneDX. Byte-stable for the same image: the document namespace is a
 * UUIDv5 of the manifest digest and analyzer version, every date is the image's creation time (the epoch when the
 * config has none), and every list is sorted. The image is the described package (DESCRIBES); it CONTAINS every
 * component, and DEPENDS_ON mirrors CycloneDX's dependency graph. Declared licenses become one SPDX expression per
 * package, names that are no SPDX id becoming LicenseRef- entries with their text in hasExtractedLicensingInfos.
 * Layer attribution, location and ownership (what CycloneDX keeps as layerlens: properties) become annotations, one
 * `name=value` per fact, so a consumer reads the same facts from either format.
 */
import { createHash } from 'node:crypto';
import type { Distro } from './distro.js';
import type { LicenseForm } from '../license/license.js';
import { formatPlatform } from '../registry/platform.js';
import { TOOL_VERSION } from '../version.js';
import { imagePurl, imageShortName, licenseChoice, uuidV5, type SbomInput, type SbomSubject } from './cyclonedx.js';
import type { Package } from './package.js';

export const SPDX_MEDIA_TYPE = 'application/spdx+json';

const NOASSERTION = 'NOASSERTION';

interface SpdxAnnotation {
  annotationDate: string;
  annotationType: 'OTHER';
  annotator: string;
  comment: string;
}

interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  downloadLocation: string;
  filesAnalyzed: false;
  licenseConcluded: string;
  licenseDeclared: string;
  copyrightText: string;
  primaryPackagePurpose: string;
  description?: string;
  homepage?: string;
  sourceInfo?: string;
  externalRefs?: { referenceCategory: string; referenceType: string; referenceLocator: string }[];
  annotations?: SpdxAnnotation[];
}

interface SpdxRelationship {
  spdxElementId: string;
  relationshipType: 'DESCRIBES' | 'CONTAINS' | 'DEPENDS_ON';
  relatedSpdxElement: string;
}

export function encodeSpdx(input: SbomInput): string {
  const s = input.subject;
  const created = creationTime(s.created);
  const annotator = `Tool: layerlens-${TOOL_VERSION}`;
  const annotate = (facts: [string, string | undefined][]): SpdxAnnotation[] | undefined => {
    const list = facts
      .filter((f): f is [string, string] => !!f[1])
      .map(([k, v]) => `${k}=${v}`)
      .sort(compare)
      .map((comment) => ({ annotationDate: created, annotationType: 'OTHER' as const, annotator, comment }));
    return list.length ? list : undefined;
  };
  const licenses = new LicenseRefs();
  const imageId = 'SPDXRef-Image';
  const image: SpdxPackage = {
    SPDXID: imageId,
    name: s.name,
    versionInfo: s.digest,
    downloadLocation: NOASSERTION,
    filesAnalyzed: false,
    licenseConcluded: NOASSERTION,
    licenseDeclared: NOASSERTION,
    copyrightText: NOASSERTION,
    primaryPackagePurpose: 'CONTAINER',
    externalRefs: [purlRef(imagePurl(s))],
    annotations: annotate([
      ['layerlens:image:platform', formatPlatform(s.platform)],
      ['layerlens:image:indexDigest', s.indexDigest],
    ]),
  };
  const relationships: SpdxRelationship[] = [{ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: imageId }];
  const packages: SpdxPackage[] = [];
  if (input.distro) {
    const os = osPackage(input.distro, annotate);
    packages.push(os);
    relationships.push({ spdxElementId: imageId, relationshipType: 'CONTAINS', relatedSpdxElement: os.SPDXID });
    relationships.push({ spdxElementId: imageId, relationshipType: 'DEPENDS_ON', relatedSpdxElement: os.SPDXID });
  }
  const ids = new Map(input.packages.map((p) => [p.ref, packageId(p)]));
  for (const p of input.packages) {
    const id = ids.get(p.ref)!;
    packages.push({
      SPDXID: id,
      name: p.name,
      versionInfo: p.version || undefined,
      downloadLocation: NOASSERTION,
      filesAnalyzed: false,
      licenseConcluded: NOASSERTION,
      licenseDeclared: licenses.expression(p.licenses),
      copyrightText: NOASSERTION,
      primaryPackagePurpose: p.componentType === 'application' ? 'APPLICATION' : 'LIBRARY',
      description: p.description || undefined,
      // CycloneDX keeps only http(s) homepages; the same rule here keeps both formats of one result in step.
      homepage: p.homepage && /^https?:\/\//.test(p.homepage) ? p.homepage : undefined,
      sourceInfo: p.location ? `found by ${p.foundBy} in /${p.location}` : undefined,
      externalRefs: p.purl ? [purlRef(p.purl)] : undefined,
      annotations: annotate([
        ['layerlens:package:type', p.type],
        ['layerlens:location', p.location],
        ['layerlens:foundBy', p.foundBy],
        ['layerlens:layer:index', p.layer ? String(p.layer.index) : undefined],
        ['layerlens:layer:digest', p.layer?.digest],
        ['layerlens:layer:diffId', p.layer?.diffId],
        ['layerlens:arch', p.arch],
        ...Object.entries(p.properties),
      ]),
    });
    relationships.push({ spdxElementId: imageId, relationshipType: 'CONTAINS', relatedSpdxElement: id });
    for (const dep of p.dependsOn) {
      const target = ids.get(dep);
      if (target) relationships.push({ spdxElementId: id, relationshipType: 'DEPENDS_ON', relatedSpdxElement: target });
    }
  }
  packages.sort((a, b) => compare(a.SPDXID, b.SPDXID));
  const doc = {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: s.name,
    documentNamespace: documentNamespace(s, input.analyzerVersion),
    creationInfo: {
      created,
      creators: [annotator],
      comment: `layerlens analyzer ${input.analyzerVersion}; created is the image's creation time, so a rescan is byte-identical`,
    },
    comment: input.warnings.length ? [...input.warnings].sort(compare).map((w) => `warning: ${w}`).join('\n') : undefined,
    packages: [image, ...packages],
    relationships: dedupeSorted(relationships),
    hasExtractedLicensingInfos: licenses.extracted(),
  };
  return JSON.stringify(doc, null, 2);
}

/** `https://layerlens.dev/spdx/NAME-UUID`: a URI unique per image digest × analyzer version, the same on every rescan. */
export function documentNamespace(s: Pick<SbomSubject, 'name' | 'digest'>, analyzerVersion: string): string {
  const short = imageShortName(s.name).replace(/[^A-Za-z0-9._-]/g, '-');
  return `https://layerlens.dev/spdx/${short}-${uuidV5(`spdx|${s.digest}|${analyzerVersion}`)}`;
}

function creationTime(created: string | undefined): string {
  const d = created ? new Date(created) : undefined;
  // SPDX dates are `YYYY-MM-DDThh:mm:ssZ` (no fraction).
  const date = d && !Number.isNaN(d.getTime()) ? d : new Date(0);
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function osPackage(d: Distro, annotate: (facts: [string, string | undefined][]) => SpdxAnnotation[] | undefined): SpdxPackage {
  return {
    SPDXID: `SPDXRef-OperatingSystem-${idSafe(d.id)}`,
    name: d.id,
    versionInfo: d.versionId,
    downloadLocation: NOASSERTION,
    filesAnalyzed: false,
    licenseConcluded: NOASSERTION,
    licenseDeclared: NOASSERTION,
    copyrightText: NOASSERTION,
    primaryPackagePurpose: 'OPERATING_SYSTEM',
    description: d.prettyName,
    annotations: annotate([['layerlens:location', d.location]]),
  };
}

/** Readable and unique: type and name for people, a hash of the ref (purl + location) for uniqueness. */
function packageId(p: Package): string {
  const hash = createHash('sha256').update(p.ref).digest('hex').slice(0, 16);
  return `SPDXRef-Package-${p.type}-${idSafe(p.name)}-${hash}`;
}

function idSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9.-]+/g, '-').slice(0, 64);
}

function purlRef(purl: string) {
  return { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: purl };
}

/** Declared licenses → one SPDX expression; names that are no SPDX id get a LicenseRef- and an extracted text. */
class LicenseRefs {
  private readonly refs = new Map<string, string>(); // LicenseRef id → the declared text

  expression(declared: readonly string[]): string {
    const choice = licenseChoice(declared);
    if ('expression' in choice) return choice.expression;
    // Sorted: CycloneDX sorts its license entries, so the order declared does not survive the stored result.
    const parts = [...new Set(choice.entries.map((form) => this.term(form)))];
    if (parts.length === 0) return NOASSERTION;
    if (parts.length === 1) return parts[0];
    // Several declarations: all of them apply (as Syft reads several CycloneDX license entries).
    return parts.map((x) => (/\s/.test(x) ? `(${x})` : x)).sort(compare).join(' AND ');
  }

  /** The LicenseRef id of a name: its characters where SPDX allows them, plus a hash when that lost something. */
  private term(form: LicenseForm): string {
    if (form.kind === 'id') return form.id;
    if (form.kind === 'expression') return form.expression;
    const safe = idSafe(form.name).replace(/^-+|-+$/g, '') || 'unnamed';
    const exact = safe === form.name;
    const id = `LicenseRef-${safe}${exact ? '' : `-${createHash('sha256').update(form.name).digest('hex').slice(0, 8)}`}`;
    this.refs.set(id, form.name);
    return id;
  }

  /** The LicenseRef- ids an expression from `classifyLicense` may already hold have no text to give: not listed. */
  extracted(): { licenseId: string; extractedText: string; name: string }[] | undefined {
    const list = [...this.refs].sort((a, b) => compare(a[0], b[0])).map(([licenseId, text]) => ({ licenseId, extractedText: text, name: text }));
    return list.length ? list : undefined;
  }
}

function dedupeSorted(list: SpdxRelationship[]): SpdxRelationship[] {
  const key = (r: SpdxRelationship) => `${r.spdxElementId}\u0000${r.relationshipType}\u0000${r.relatedSpdxElement}`;
  const seen = new Map(list.map((r) => [key(r), r]));
  return [...seen.keys()].sort(compare).map((k) => seen.get(k)!);
}

/** Code-unit order: the same on every machine and locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
