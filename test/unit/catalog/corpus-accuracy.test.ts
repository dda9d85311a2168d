/**
 * Accuracy on real images built from ../shared/corpus (never copied into the repo): each catalog must equal what
 * the package managers themselves report (the `.truth.tsv` files), per ecosystem, with recall and precision 1.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CatalogResult } from '../../../src/catalog/run.js';
import type { LayerSummary } from '../../../src/image/layer-summary.js';
import { encodeCycloneDx, validateCycloneDx } from '../../../src/sbom/cyclonedx.js';
import { ANALYZER_VERSION } from '../../../src/catalog/catalogers.js';
import { accuracy, catalogSummaries, corpusDir, hasCorpus, readTruth, summarizeTarball, type Accuracy } from '../../support/catalog-tester.js';

const corpus = (p: string) => path.join(corpusDir, p);

if (!hasCorpus) console.warn(`corpus-accuracy: ${corpusDir} is absent; skipping the real-image accuracy tests`);

function expectExact(image: string, a: Accuracy): void {
  console.info(`accuracy ${image} ${a.type}: expected ${a.expected}, reported ${a.found}, recall ${a.recall}, precision ${a.precision}`);
  expect({ type: a.type, missing: a.missing, extra: a.extra }).toEqual({ type: a.type, missing: [], extra: [] });
  expect(a.expected).toBeGreaterThan(0);
}

function sbomOf(name: string, result: CatalogResult): string {
  return encodeCycloneDx({
    subject: { name, digest: `sha256:${'a'.repeat(64)}`, platform: { os: 'linux', architecture: 'amd64' } },
    distro: result.distro,
    packages: result.packages,
    warnings: result.warnings,
    analyzerVersion: ANALYZER_VERSION,
  });
}

describe.skipIf(!hasCorpus)('corpus accuracy (../shared/corpus)', () => {
  const layers = new Map<string, Promise<LayerSummary>>();
  const layer = (p: string) => {
    if (!layers.has(p)) layers.set(p, summarizeTarball(corpus(p)));
    return layers.get(p)!;
  };
  let minbase: CatalogResult;
  let python: CatalogResult;
  let alpineNpm: CatalogResult;

  beforeAll(async () => {
    const [debBase, debPython, alpine, npmApp] = await Promise.all([
      layer('debian/debian-bookworm-minbase-rootfs.tar.gz'),
      layer('debian/debian-bookworm-python-layer.tar.gz'),
      layer('alpine/alpine-minirootfs-3.19.4-x86_64.tar.gz'),
      layer('npm-app-layer.tar.gz'),
    ]);
    minbase = catalogSummaries([debBase]);
    python = catalogSummaries([debBase, debPython]);
    alpineNpm = catalogSummaries([alpine, npmApp]);
  });

  it('Debian minbase: deb exactly as dpkg-query reports', () => {
    expectExact('debian-minbase', accuracy(minbase.packages, readTruth(corpus('debian/debian-bookworm-minbase.truth.tsv')), 'deb'));
    expect(minbase.packages.every((p) => p.type === 'deb')).toBe(true);
    expect(minbase.distro).toMatchObject({ id: 'debian', versionId: '12' });
    expect(minbase.warnings).toEqual([]);
  });

  it('Debian minbase + python layer: deb and pypi exactly, Debian-owned distributions marked', () => {
    const truth = readTruth(corpus('debian/debian-bookworm-python.truth.tsv'));
    expectExact('debian-python', accuracy(python.packages, truth, 'deb'));
    expectExact('debian-python', accuracy(python.packages, truth, 'pypi'));
    const pypi = python.packages.filter((p) => p.type === 'pypi');
    const debPurls = new Set(python.packages.filter((p) => p.type === 'deb').map((p) => p.purl));
    for (const p of pypi) expect(debPurls.has(p.properties['layerlens:ownedBy']), `${p.name} owned by a deb`).toBe(true);
    expect(python.warnings).toEqual([]);
  });

  it('Debian two-layer image: packages the python layer added are attributed to layer 1, minbase ones to layer 0', async () => {
    const minbaseNames = new Set(minbase.packages.map((p) => `${p.name}\0${p.version}\0${p.arch}`));
    const [base, top] = await Promise.all([layer('debian/debian-bookworm-minbase-rootfs.tar.gz'), layer('debian/debian-bookworm-python-layer.tar.gz')]);
    for (const p of python.packages) {
      const expected = p.type === 'deb' && minbaseNames.has(`${p.name}\0${p.version}\0${p.arch}`) ? base : top;
      expect({ name: p.name, layer: p.layer?.digest }).toEqual({ name: p.name, layer: expected.digest });
      expect(p.layer?.diffId).toBe(expected.diffId);
    }
    expect(python.packages.filter((p) => p.layer?.index === 1 && p.type === 'deb').length).toBeGreaterThan(20);
  });

  it('Alpine 3.19 + npm app layer: apk and npm exactly; the app is the application component', () => {
    expectExact('alpine+npm', accuracy(alpineNpm.packages, readTruth(corpus('alpine/alpine-minirootfs-3.19.4-x86_64.truth.tsv')), 'apk'));
    expectExact('alpine+npm', accuracy(alpineNpm.packages, readTruth(corpus('npm-app-layer.truth.tsv')), 'npm'));
    const app = alpineNpm.packages.filter((p) => p.location === 'app/package.json');
    expect(app).toHaveLength(1);
    expect(app[0]).toMatchObject({ componentType: 'application', layer: { index: 1 } });
    expect(alpineNpm.packages.filter((p) => p.componentType === 'application')).toHaveLength(1);
    expect(alpineNpm.packages.filter((p) => p.type === 'apk').every((p) => p.layer?.index === 0)).toBe(true);
    expect(alpineNpm.warnings).toEqual([]);
  });

  it.each(['alpine-minirootfs-3.20.3-x86_64', 'alpine-minirootfs-3.20.3-aarch64'])('%s: apk exactly', async (name) => {
    const r = catalogSummaries([await layer(`alpine/${name}.tar.gz`)]);
    expectExact(name, accuracy(r.packages, readTruth(corpus(`alpine/${name}.truth.tsv`)), 'apk'));
    expect(r.warnings).toEqual([]);
  });

  it('every component carries purl, layer and location; refs are unique', () => {
    for (const r of [minbase, python, alpineNpm]) {
      for (const p of r.packages) expect(p.purl && p.layer?.digest && p.layer.diffId && p.location, p.ref).toBeTruthy();
      expect(new Set(r.packages.map((p) => p.ref)).size).toBe(r.packages.length);
    }
  });

  it('dependency graphs exist for all four ecosystems and point at reported packages', () => {
    for (const [r, type] of [
      [python, 'deb'],
      [python, 'pypi'],
      [alpineNpm, 'apk'],
      [alpineNpm, 'npm'],
    ] as const) {
      const refs = new Set(r.packages.map((p) => p.ref));
      const withDeps = r.packages.filter((p) => p.type === type && p.dependsOn.length > 0);
      expect(withDeps.length, `${type} packages with dependencies`).toBeGreaterThan(0);
      for (const p of r.packages) for (const d of p.dependsOn) expect(refs.has(d), `${p.ref} → ${d}`).toBe(true);
    }
  });

  it('SBOMs encoded from these catalogs validate against CycloneDX 1.6', async () => {
    for (const [name, r] of [
      ['debian-minbase', minbase],
      ['debian-python', python],
      ['alpine-npm', alpineNpm],
    ] as const) {
      const json = sbomOf(name, r);
      expect(await validateCycloneDx(json), name).toBeUndefined();
      const bom = JSON.parse(json) as { components: unknown[]; dependencies: { dependsOn?: string[] }[] };
      expect(bom.components.length).toBe(r.packages.length + (r.distro ? 1 : 0));
      expect(bom.dependencies.some((d) => (d.dependsOn ?? []).length > 0)).toBe(true);
    }
  });
});
