/**
 * Every SBOM encoding from the one registry: schema-valid (CycloneDX JSON 1.6/1.5 and XML by the library's
 * validators, SPDX 2.3 by the official schema), byte-identical on a rescan, and the same from the analysis as from
 * the stored CycloneDX (decode → encode). Synthetic input covers every license form and relationship; the corpus
 * images cover real catalogs.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CatalogResult } from '../../../src/catalog/run.js';
import { classifyLicense } from '../../../src/license/license.js';
import { encodeCycloneDx, type SbomInput } from '../../../src/sbom/cyclonedx.js';
import { ANALYZER_VERSION } from '../../../src/catalog/catalogers.js';
import { decodeCycloneDx } from '../../../src/sbom/decode-cyclonedx.js';
import { SBOM_FORMATS, sbomFormat } from '../../../src/sbom/formats/index.js';
import { catalogSummaries, corpusDir, hasCorpus, summarizeTarball } from '../../support/catalog-tester.js';
import { hasSpdxSchema, spdxSkipMessage, validateFormat } from '../../support/sbom-validate.js';
import { SAMPLE_DIGEST, sampleSbomInput as synthetic } from '../../support/sbom-sample.js';

const DIGEST = SAMPLE_DIGEST;

const ids = [...SBOM_FORMATS.keys()];

async function expectValid(id: string, body: string, what: string) {
  const errors = await validateFormat(id as never, body);
  expect(errors, `${what} ${id}: ${JSON.stringify(errors)?.slice(0, 2000)}`).toBeUndefined();
}

/** What each format names as the packages: purl → sorted license terms (LicenseRef- mapped back to their text). */
function cdxPackages(cdx: string): Map<string, string[]> {
  const bom = JSON.parse(cdx) as { components: { type: string; purl?: string; licenses?: { license?: { id?: string; name?: string }; expression?: string }[] }[] };
  const out = new Map<string, string[]>();
  for (const c of bom.components) {
    if (c.type === 'operating-system') continue;
    const terms = (c.licenses ?? []).flatMap((l) => (l.expression ? licenseTerms(l.expression) : [l.license?.id ?? classified(l.license!.name!)]));
    out.set(c.purl!, [...new Set(terms.flatMap((t) => licenseTerms(t)))].sort());
  }
  return out;
}

function classified(name: string): string {
  const f = classifyLicense(name);
  return f.kind === 'id' ? f.id : f.kind === 'expression' ? f.expression : name;
}

function spdxPackages(spdx: string): Map<string, string[]> {
  const doc = JSON.parse(spdx) as {
    packages: { SPDXID: string; licenseDeclared: string; externalRefs?: { referenceType: string; referenceLocator: string }[]; primaryPackagePurpose: string }[];
    hasExtractedLicensingInfos?: { licenseId: string; extractedText: string }[];
  };
  const text = new Map((doc.hasExtractedLicensingInfos ?? []).map((l) => [l.licenseId, l.extractedText]));
  const out = new Map<string, string[]>();
  for (const p of doc.packages) {
    if (p.primaryPackagePurpose === 'CONTAINER' || p.primaryPackagePurpose === 'OPERATING_SYSTEM') continue;
    const purl = p.externalRefs?.find((r) => r.referenceType === 'purl')?.referenceLocator;
    const terms = p.licenseDeclared === 'NOASSERTION' ? [] : licenseTerms(p.licenseDeclared).map((t) => text.get(t) ?? t);
    out.set(purl!, [...new Set(terms)].sort());
  }
  return out;
}

/** The ids and names of an expression, without operators or parentheses; a name with spaces stays whole. */
function licenseTerms(expr: string): string[] {
  const f = classifyLicense(expr);
  if (f.kind === 'name') return [expr];
  return expr.replace(/[()]/g, ' ').split(/\s+/).filter((t) => t && !/^(AND|OR|WITH)$/.test(t));
}

function checkAgreement(input: SbomInput): void {
  const cdx = encodeCycloneDx(input);
  const spdx = sbomFormat('spdx-json')!.encode(input);
  const a = cdxPackages(cdx);
  const b = spdxPackages(spdx);
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  for (const [purl, terms] of a) expect(b.get(purl), purl).toEqual(terms);
}

describe('SBOM formats (synthetic image)', () => {
  it('every format is schema-valid', async () => {
    if (!hasSpdxSchema) console.warn(spdxSkipMessage);
    for (const id of ids) await expectValid(id, SBOM_FORMATS.get(id)!.encode(synthetic()), 'synthetic');
  });

  it('the stored CycloneDX 1.6 decodes to a model that re-encodes every format byte for byte', () => {
    const input = synthetic();
    const stored = encodeCycloneDx(input);
    const decoded = decodeCycloneDx(stored);
    expect(encodeCycloneDx(decoded)).toBe(stored);
    for (const id of ids) expect(SBOM_FORMATS.get(id)!.encode(decoded), id).toBe(SBOM_FORMATS.get(id)!.encode(input));
  });

  it('a rescan is byte-identical whatever order the catalogers returned packages in', () => {
    const a = synthetic();
    const b: SbomInput = { ...synthetic(), packages: [...a.packages].reverse(), warnings: [...a.warnings].reverse() };
    for (const id of ids) expect(SBOM_FORMATS.get(id)!.encode(b), id).toBe(SBOM_FORMATS.get(id)!.encode(a));
  });

  it('SPDX: namespace from digest and analyzer version, image described, graph mirrored, LicenseRefs extracted', () => {
    const doc = JSON.parse(sbomFormat('spdx-json')!.encode(synthetic()));
    const other = JSON.parse(sbomFormat('spdx-json')!.encode({ ...synthetic(), subject: { ...synthetic().subject, digest: `sha256:${'ef'.repeat(32)}` } }));
    expect(doc.documentNamespace).toMatch(/^https:\/\/layerlens\.dev\/spdx\/demo-[0-9a-f-]{36}$/);
    expect(other.documentNamespace).not.toBe(doc.documentNamespace);
    expect(doc.creationInfo.created).toBe('2024-05-01T12:00:00Z');
    const byName = new Map<string, { SPDXID: string; licenseDeclared: string; annotations?: { comment: string }[]; homepage?: string }>(
      doc.packages.map((p: { name: string }) => [p.name, p]),
    );
    const image = byName.get('127.0.0.1:5000/library/demo:1.0')!;
    const rel = (a: string, t: string, b: string) => doc.relationships.some((r: Record<string, string>) => r.spdxElementId === a && r.relationshipType === t && r.relatedSpdxElement === b);
    expect(rel('SPDXRef-DOCUMENT', 'DESCRIBES', image.SPDXID)).toBe(true);
    const busybox = byName.get('busybox')!;
    const musl = byName.get('musl')!;
    expect(rel(image.SPDXID, 'CONTAINS', busybox.SPDXID)).toBe(true);
    expect(rel(busybox.SPDXID, 'DEPENDS_ON', musl.SPDXID)).toBe(true);
    expect(rel(image.SPDXID, 'DEPENDS_ON', byName.get('alpine')!.SPDXID)).toBe(true);
    // busybox's unresolved dependency is dropped, as in CycloneDX; 6 packages contained + os
    expect(doc.relationships.filter((r: Record<string, string>) => r.relationshipType === 'DEPENDS_ON')).toHaveLength(2);
    expect(busybox.licenseDeclared).toBe('(GPL-2.0-only) AND (MIT OR Apache-2.0)');
    const odd = byName.get('odd')!;
    expect(odd.licenseDeclared).toMatch(/^LicenseRef-BSD AND LicenseRef-Custom-license-see-COPYING-[0-9a-f]{8}$/);
    expect(odd.homepage).toBeUndefined();
    const extracted = new Map(doc.hasExtractedLicensingInfos.map((l: { licenseId: string; extractedText: string }) => [l.licenseId, l.extractedText]));
    expect(extracted.get('LicenseRef-BSD')).toBe('BSD');
    expect([...extracted.values()]).toContain('Custom license (see COPYING)');
    expect(byName.get('mixed')!.licenseDeclared).toBe('(MIT AND BSD-3-Clause) AND LicenseRef-Some-Name-' + byName.get('mixed')!.licenseDeclared.slice(-8));
    const jinja = byName.get('jinja2')!;
    expect(jinja.annotations!.map((a) => a.comment)).toContain('layerlens:ownedBy=pkg:deb/debian/python3-jinja2@3.1.2-1');
    expect(musl.annotations!.map((a) => a.comment)).toContain('layerlens:layer:index=0');
  });

  it('SPDX and CycloneDX list the same packages, purls and licenses', () => {
    checkAgreement(synthetic());
  });

  it('table: NAME VERSION TYPE LAYER, sorted, python for pypi; purls sorted', () => {
    const table = sbomFormat('table')!.encode(synthetic()).split('\n');
    expect(table[0]).toMatch(/^NAME\s+VERSION\s+TYPE\s+LAYER$/);
    expect(table.slice(1, -1).map((l) => l.split(/\s+/)[0])).toEqual(['@scope/app', 'busybox', 'jinja2', 'mixed', 'musl', 'odd']);
    expect(table.find((l) => l.startsWith('jinja2'))!.split(/\s+/)).toEqual(['jinja2', '3.1.2', 'python']);
    expect(table.find((l) => l.startsWith('musl'))!.split(/\s+/)).toEqual(['musl', '1.2.5-r0', 'apk', '0']);
    const purls = sbomFormat('purls')!.encode(synthetic()).trim().split('\n');
    expect(purls).toEqual([...purls].sort());
    expect(purls).toHaveLength(6);
    expect(sbomFormat('table')!.encode({ ...synthetic(), packages: [] })).toBe('No packages discovered\n');
  });
});

const images: Record<string, string[]> = {
  'alpine-3.19.4': ['alpine/alpine-minirootfs-3.19.4-x86_64.tar.gz'],
  'alpine-3.20.3-arm64': ['alpine/alpine-minirootfs-3.20.3-aarch64.tar.gz'],
  'debian-minbase': ['debian/debian-bookworm-minbase-rootfs.tar.gz'],
  'debian-python': ['debian/debian-bookworm-minbase-rootfs.tar.gz', 'debian/debian-bookworm-python-layer.tar.gz'],
  'alpine-npm': ['alpine/alpine-minirootfs-3.19.4-x86_64.tar.gz', 'npm-app-layer.tar.gz'],
};

if (!hasCorpus) console.warn(`sbom formats: ${corpusDir} is absent; the corpus-image format tests are skipped`);

describe.skipIf(!hasCorpus)('SBOM formats on the corpus images (../shared/corpus)', () => {
  const inputs = new Map<string, SbomInput>();
  beforeAll(async () => {
    const summaries = new Map<string, ReturnType<typeof summarizeTarball>>();
    for (const [name, layers] of Object.entries(images)) {
      const result: CatalogResult = catalogSummaries(
        await Promise.all(layers.map((l) => summaries.get(l) ?? (summaries.set(l, summarizeTarball(path.join(corpusDir, l))), summaries.get(l)!))),
      );
      inputs.set(name, {
        subject: { name: `127.0.0.1:5000/corpus/${name}:latest`, digest: DIGEST, platform: { os: 'linux', architecture: name.includes('arm64') ? 'arm64' : 'amd64' }, created: '2024-01-02T03:04:05.678Z' },
        distro: result.distro,
        packages: result.packages,
        warnings: result.warnings,
        analyzerVersion: ANALYZER_VERSION,
      });
    }
  }, 120_000);

  for (const name of Object.keys(images)) {
    it(`${name}: every format schema-valid, the same from the stored CycloneDX, SPDX agreeing with CycloneDX`, async () => {
      const input = inputs.get(name)!;
      expect(input.packages.length).toBeGreaterThan(5);
      const decoded = decodeCycloneDx(encodeCycloneDx(input));
      for (const id of ids) {
        const body = SBOM_FORMATS.get(id)!.encode(input);
        await expectValid(id, body, name);
        expect(SBOM_FORMATS.get(id)!.encode(decoded), `${name} ${id} from the stored CycloneDX`).toBe(body);
      }
      checkAgreement(input);
    }, 60_000);
  }
});
