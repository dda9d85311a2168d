/**
 * Running the catalogers over a squashed image: find each cataloger's files in the final view, parse them, attribute
 * every package to the first layer from which it stays present, link dependencies. A parser that throws costs a
 * warning on that file, never the analysis.
 */
import type { CapturedView } from '../image/squash.js';
import { identityOf, type LayerRef, type Package } from '../sbom/package.js';
import type { Cataloger, CatalogContext, RelateContext } from './cataloger.js';
import { compileGlobs } from './catalogers.js';
import type { Distro } from '../sbom/distro.js';
import { detectDistro } from './os-release/os-release.js';

export interface CatalogResult {
  distro?: Distro;
  packages: Package[];
  warnings: string[];
}

export interface CatalogOptions {
  /**
   * Milliseconds the parsers may spend in all. Checked before each file is parsed: once spent, the remaining files
   * are skipped with one warning (the SBOM is partial, and says so) rather than holding the worker and its job lock.
   */
  timeBudgetMs?: number;
  now?: () => number;
}

/** Longest package name and version kept: no real ecosystem comes near, and a 1 MB name would go into every purl. */
export const MAX_NAME_CHARS = 512;
export const MAX_VERSION_CHARS = 256;
/** Free-text fields beyond this are cut (with an ellipsis): they are for people, and nobody reads 100 kB of them. */
const MAX_TEXT_CHARS = 4096;

export function catalogImage(view: CapturedView, layers: readonly LayerRef[], catalogers: readonly Cataloger[], options: CatalogOptions = {}): CatalogResult {
  const distro = detectDistro(view);
  const ctx: CatalogContext = { distro, files: view };
  const warnings: string[] = [];
  const now = options.now ?? Date.now;
  const budget: ParseBudget = { deadline: options.timeBudgetMs === undefined ? Infinity : now() + options.timeBudgetMs, now, skipped: 0 };
  const byCataloger = new Map<Cataloger, Package[]>();
  const relationsOf = new Map<Cataloger, Map<Package, unknown>>();
  for (const cataloger of catalogers) {
    const matches = compileGlobs(cataloger.globs);
    const found: Package[] = [];
    const relations = new Map<Package, unknown>();
    for (const path of view.paths(matches)) {
      const parse = memoParse(cataloger, path, ctx, warnings, budget);
      const final = view.files.get(path)!;
      const parsed = parse(final.layer, final.content);
      for (const p of parsed.packages) p.layer = layers[attributeLayer(view, path, p, parse)];
      // A loop, not push(...packages): spreading 200 000 packages into one call overflows the stack.
      for (const p of parsed.packages) {
        found.push(p);
        if (parsed.relations?.has(p)) relations.set(p, parsed.relations.get(p));
      }
    }
    byCataloger.set(cataloger, found);
    relationsOf.set(cataloger, relations);
  }
  if (budget.skipped > 0) {
    warnings.push(`cataloging time budget of ${options.timeBudgetMs} ms spent: ${budget.skipped} package file version(s) not parsed, the package list is incomplete`);
  }
  const all = [...byCataloger.values()].flat();
  uniqueRefs(all);
  const ownersOf = fileOwners(byCataloger, ctx);
  for (const [cataloger, own] of byCataloger) {
    try {
      const relateCtx: RelateContext = { ...ctx, relations: relationsOf.get(cataloger)!, ownersOf };
      cataloger.relate?.(own, all, relateCtx);
    } catch (e) {
      warnings.push(`${cataloger.name}: linking dependencies failed: ${(e as Error).message}`);
    }
  }
  return { distro, packages: all, warnings };
}

/**
 * "Which installed package owns these paths", over every cataloger that offers `ownedFiles` (the OS package
 * managers), in the order of the list; the first owner found for a path wins.
 */
function fileOwners(byCataloger: ReadonlyMap<Cataloger, Package[]>, ctx: CatalogContext): (wanted: Iterable<string>) => Map<string, Package> {
  return (wanted) => {
    const set = new Set(wanted);
    const out = new Map<string, Package>();
    if (set.size === 0) return out;
    for (const [cataloger, own] of byCataloger) {
      if (!cataloger.ownedFiles || own.length === 0) continue;
      for (const [path, pkg] of cataloger.ownedFiles(own, set, ctx)) if (!out.has(path)) out.set(path, pkg);
    }
    return out;
  };
}

interface Parsed {
  packages: Package[];
  relations?: ReadonlyMap<Package, unknown>;
}

type Parse = (layer: number, content: Buffer) => Parsed;

interface ParseBudget {
  deadline: number;
  now: () => number;
  skipped: number;
}

/** Parses each version of a file once; failures become a warning for the final version only. */
function memoParse(cataloger: Cataloger, path: string, ctx: CatalogContext, warnings: string[], budget: ParseBudget): Parse {
  const cache = new Map<number, Parsed>();
  let finalSeen = false;
  return (layer, content) => {
    const hit = cache.get(layer);
    if (hit) return hit;
    let parsed: Parsed = { packages: [] };
    const isFinal = !finalSeen;
    finalSeen = true;
    if (budget.now() > budget.deadline) {
      budget.skipped++;
      cache.set(layer, parsed);
      return parsed;
    }
    try {
      const result = cataloger.parse({ path, content }, ctx);
      const packages = boundFields(result.packages, isFinal ? (w) => warnings.push(`${cataloger.name}: ${path}: ${w}`) : () => undefined);
      parsed = { packages, relations: result.relations };
      if (isFinal) for (const w of result.warnings ?? []) warnings.push(`${cataloger.name}: ${path}: ${w}`);
    } catch (e) {
      if (isFinal) warnings.push(`${cataloger.name}: ${path}: ${(e as Error).message}`);
    }
    cache.set(layer, parsed);
    return parsed;
  };
}

/**
 * Drops packages whose name or version is longer than any real one (a hostile database's 1 MB name would otherwise
 * fill the SBOM, its purls and every ref), and cuts over-long free text. One warning per file, with the count.
 */
function boundFields(packages: Package[], warn: (w: string) => void): Package[] {
  let dropped = 0;
  const kept: Package[] = [];
  for (const p of packages) {
    if (p.name.length > MAX_NAME_CHARS || p.version.length > MAX_VERSION_CHARS) {
      dropped++;
      continue;
    }
    if (p.description && p.description.length > MAX_TEXT_CHARS) p.description = `${p.description.slice(0, MAX_TEXT_CHARS)}…`;
    if (p.homepage && p.homepage.length > MAX_TEXT_CHARS) p.homepage = undefined;
    if (p.supplier && p.supplier.length > MAX_TEXT_CHARS) p.supplier = `${p.supplier.slice(0, MAX_TEXT_CHARS)}…`;
    p.licenses = p.licenses.filter((l) => l.length <= MAX_TEXT_CHARS);
    kept.push(p);
  }
  if (dropped > 0) warn(`${dropped} package(s) skipped: name longer than ${MAX_NAME_CHARS} or version longer than ${MAX_VERSION_CHARS} characters`);
  return dropped > 0 ? kept : packages;
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
    if (!parse(version.layer, version.content).packages.some((q) => identityOf(q) === id)) break;
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
