/**
 * Running the catalogers over a squashed image: find each cataloger's files in the final view, parse them, attribute
 * every package to the first layer from which it stays present, link dependencies. A parser that throws costs a
 * warning on that file, never the analysis.
 */
import type { CapturedView } from '../image/squash.js';
import { identityOf, type LayerRef, type Package } from '../sbom/package.js';
import type { Cataloger, CatalogContext } from './cataloger.js';
import { compileGlobs } from './catalogers.js';
import type { Distro } from './distro.js';
import { detectDistro } from './os-release/os-release.js';

export interface CatalogResult {
  distro?: Distro;
  packages: Package[];
  warnings: string[];
}

export function catalogImage(view: CapturedView, layers: readonly LayerRef[], catalogers: readonly Cataloger[]): CatalogResult {
  const distro = detectDistro(view);
  const ctx: CatalogContext = { distro, files: view };
  const warnings: string[] = [];
  const byCataloger = new Map<Cataloger, Package[]>();
  for (const cataloger of catalogers) {
    const matches = compileGlobs(cataloger.globs);
    const found: Package[] = [];
    for (const path of view.paths(matches)) {
      const parse = memoParse(cataloger, path, ctx, warnings);
      const final = view.files.get(path)!;
      const packages = parse(final.layer, final.content);
      for (const p of packages) p.layer = layers[attributeLayer(view, path, p, parse)];
      // A loop, not push(...packages): spreading 200 000 packages into one call overflows the stack.
      for (const p of packages) found.push(p);
    }
    byCataloger.set(cataloger, found);
  }
  const all = [...byCataloger.values()].flat();
  uniqueRefs(all);
  for (const [cataloger, own] of byCataloger) {
    try {
      cataloger.relate?.(own, all, ctx);
    } catch (e) {
      warnings.push(`${cataloger.name}: linking dependencies failed: ${(e as Error).message}`);
    }
  }
  return { distro, packages: all, warnings };
}

type Parse = (layer: number, content: Buffer) => Package[];

/** Parses each version of a file once; failures become a warning for the final version only. */
function memoParse(cataloger: Cataloger, path: string, ctx: CatalogContext, warnings: string[]): Parse {
  const cache = new Map<number, Package[]>();
  let finalSeen = false;
  return (layer, content) => {
    const hit = cache.get(layer);
    if (hit) return hit;
    let packages: Package[] = [];
    const isFinal = !finalSeen;
    finalSeen = true;
    try {
      const result = cataloger.parse({ path, content }, ctx);
      packages = result.packages;
      if (isFinal) for (const w of result.warnings ?? []) warnings.push(`${cataloger.name}: ${path}: ${w}`);
    } catch (e) {
      if (isFinal) warnings.push(`${cataloger.name}: ${path}: ${(e as Error).message}`);
    }
    cache.set(layer, packages);
    return packages;
  };
}

/**
 * The earliest layer L such that the package (same name, version, arch) is in every visible version of its file
 * from L to the end. Trivy's rule: blaming the last layer that rewrote a shared database (Syft) points users at the
 * wrong Dockerfile step.
 */
function attributeLayer(view: CapturedView, path: string, pkg: Package, parse: Parse): number {
  const steps = view.timeline(path);
  const id = identityOf(pkg);
  let since = steps[steps.length - 1].layer;
  for (let i = steps.length - 2; i >= 0; i--) {
    const version = steps[i].version;
    if (!version) break;
    if (!parse(version.layer, version.content).some((q) => identityOf(q) === id)) break;
    since = steps[i].layer;
  }
  return since;
}

/** A purl installed at two locations (nested npm copies) gets the location appended so every ref is unique. */
function uniqueRefs(packages: Package[]): void {
  const counts = new Map<string, number>();
  for (const p of packages) counts.set(p.ref, (counts.get(p.ref) ?? 0) + 1);
  for (const p of packages) if ((counts.get(p.ref) ?? 0) > 1) p.ref = `${p.ref}#${p.location}`;
}
