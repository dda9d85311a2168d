/**
 * The conformance suite every cataloger runs (test/unit/catalog/conformance.test.ts runs it for each entry of
 * CATALOGERS; a new cataloger's own test calls it too). It checks the contract of src/catalog/cataloger.ts on real
 * files — an image of test/fixtures/oci, or layers a test builds — not the ecosystem's details, which the
 * cataloger's own tests own.
 */
import path from 'node:path';
import { PackageURL } from 'packageurl-js';
import { expect, it } from 'vitest';
import type { Cataloger, CatalogContext } from '../../src/catalog/cataloger.js';
import { captureMatcher, CATALOGERS, compileGlobs } from '../../src/catalog/catalogers.js';
import { catalogImage } from '../../src/catalog/run.js';
import { defaultLimits } from '../../src/config.js';
import { directoryStore, openLayoutImage } from '../../src/image/oci-layout-source.js';
import { CapturedView } from '../../src/image/squash.js';
import { walkLayer } from '../../src/image/walk-layer.js';
import type { LayerRef } from '../../src/sbom/package.js';
import { fakeSummary, layerRefs, type FakeLayer } from './catalog-tester.js';

export const FIXTURE_IMAGES = path.resolve(import.meta.dirname, '../fixtures/oci');

export interface ConformanceImage {
  view: CapturedView;
  layers: readonly LayerRef[];
  /** For a cataloger with ownedFiles: paths of this image (captured or not) and the package name that installed each. */
  owned?: Record<string, string>;
}

/** A committed fixture layout, walked as analyzeImage walks an image (capturing what `catalogers` ask for). */
export async function fixtureImage(name: string, owned?: Record<string, string>, catalogers: readonly Cataloger[] = CATALOGERS): Promise<ConformanceImage> {
  const source = await openLayoutImage(directoryStore(path.join(FIXTURE_IMAGES, name)), {}, name);
  const capture = captureMatcher(catalogers);
  const summaries = [];
  for (const layer of source.layers) summaries.push(await walkLayer(layer, { capture, limits: defaultLimits }));
  return { view: CapturedView.fromLayers(summaries), layers: source.layers.map((l) => ({ index: l.index, digest: l.digest, diffId: l.diffId })), owned };
}

/** In-memory layers, for catalogers whose files no fixture image holds. */
export function layersImage(layers: FakeLayer[]): ConformanceImage {
  return { view: CapturedView.fromLayers(layers.map(fakeSummary)), layers: layerRefs(layers.length) };
}

/**
 * Registers the suite's tests (call inside a describe). `image` holds files this cataloger reads; `companions` are
 * the other catalogers it is run beside (the OS catalogers, for a language cataloger that asks who owns a file).
 */
export function catalogerConformance(cataloger: Cataloger, image: () => Promise<ConformanceImage>, companions: readonly Cataloger[] = CATALOGERS): void {
  const all = [cataloger, ...companions.filter((c) => c !== cataloger)];
  const run = async (catalogers: readonly Cataloger[] = all) => {
    const { view, layers } = await image();
    return { view, result: catalogImage(view, layers, catalogers) };
  };

  it('names itself and its inputs as the contract says', () => {
    expect(cataloger.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*-cataloger$/);
    expect(cataloger.version).toMatch(/^\S+$/);
    expect(cataloger.globs.length).toBeGreaterThan(0);
    expect(CATALOGERS.filter((c) => c !== cataloger).map((c) => c.name)).not.toContain(cataloger.name);
  });

  it('finds packages in its files, each found by it, at a file its globs match, with a purl of its type', async () => {
    const { result } = await run();
    const own = result.packages.filter((p) => p.foundBy === cataloger.name);
    expect(own.length).toBeGreaterThan(0);
    const parsed = compileGlobs(cataloger.globs);
    for (const p of own) {
      expect(parsed(p.location), p.location).toBe(true);
      const purl = PackageURL.fromString(p.purl);
      expect(purl.type, p.purl).toBe(p.type);
      expect(purl.name.length).toBeGreaterThan(0);
      expect(p.ref.startsWith(p.purl), p.ref).toBe(true);
      expect(Array.isArray(p.licenses) && Array.isArray(p.dependsOn) && typeof p.properties === 'object').toBe(true);
      expect(p.layer, `${p.purl} is attributed to a layer`).toBeDefined();
    }
  });

  it('links dependencies only to packages present, never to itself, in a stable order', async () => {
    const { result } = await run();
    const refs = new Set(result.packages.map((p) => p.ref));
    for (const p of result.packages.filter((q) => q.foundBy === cataloger.name)) {
      for (const d of p.dependsOn) expect(refs.has(d), `${p.ref} → ${d}`).toBe(true);
      expect(p.dependsOn).not.toContain(p.ref);
      expect([...p.dependsOn].sort()).toEqual(p.dependsOn);
    }
    expect(result.warnings.filter((w) => w.startsWith(`${cataloger.name}: linking`))).toEqual([]);
  });

  it('returns relation data only for the packages it returns, and parses the same bytes the same way', async () => {
    const { view } = await image();
    const ctx: CatalogContext = { files: view };
    const paths = view.paths(compileGlobs(cataloger.globs));
    expect(paths.length).toBeGreaterThan(0);
    for (const p of paths) {
      const content = view.files.get(p)!.content;
      const first = cataloger.parse({ path: p, content }, ctx);
      for (const key of first.relations?.keys() ?? []) expect(first.packages).toContain(key);
      expect(cataloger.parse({ path: p, content }, ctx).packages).toEqual(first.packages);
    }
  });

  it('runs alone, without the other catalogers, and still finds its packages', async () => {
    const { result } = await run([cataloger]);
    expect(result.packages.length).toBeGreaterThan(0);
    expect(result.packages.every((p) => p.foundBy === cataloger.name)).toBe(true);
  });

  it('turns garbage in its files into warnings, never a failed analysis', async () => {
    const { view } = await image();
    const target = view.paths(compileGlobs(cataloger.globs))[0];
    for (const junk of [Buffer.alloc(0), Buffer.from('\u0000\uffff{{{ not a package database\n\n\n'), Buffer.from(JSON.stringify({ name: 1, version: {} }))]) {
      const { view: broken, layers } = layersImage([{ files: { [target]: junk } }]);
      expect(() => catalogImage(broken, layers, all)).not.toThrow();
    }
  });

  if (cataloger.ownedFiles) {
    it('answers "which of its packages installed this path" only for wanted paths and its own packages', async () => {
      const { owned = {} } = await image();
      const { view, result } = await run();
      const own = result.packages.filter((p) => p.foundBy === cataloger.name);
      expect(Object.keys(owned).length, 'the conformance image names paths its packages installed').toBeGreaterThan(0);
      const wanted = new Set([...view.paths(() => true), ...Object.keys(owned), 'no/such/path']);
      const owners = cataloger.ownedFiles!(own, wanted, { files: view });
      for (const [p, pkg] of owners) {
        expect(wanted.has(p)).toBe(true);
        expect(own).toContain(pkg);
      }
      for (const [p, name] of Object.entries(owned)) expect(owners.get(p)?.name, p).toBe(name);
      expect(owners.has('no/such/path')).toBe(false);
      expect(cataloger.ownedFiles!(own, new Set(), { files: view }).size).toBe(0);
    });
  }
}
