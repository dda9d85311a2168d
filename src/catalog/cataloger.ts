/**
 * The cataloger contract. A cataloger declares the files it reads (globs over image paths without a leading slash)
 * and parses one file at a time; the core finds the files, squashes layers, attributes packages to layers and turns
 * parse failures into warnings. `relate` runs once over the final package list to link dependencies, because a
 * dependency can only point at what is actually installed; what it needs beyond the emitted fields (dependency
 * names, directories…) `parse` returns as `relations`, per package, and the core hands back to `relate`.
 * A package manager that records the files it installed (dpkg, apk) offers `ownedFiles`; other catalogers ask
 * `RelateContext.ownersOf` "which installed package owns these paths", without naming any package manager.
 * A new ecosystem is one folder with a Cataloger and one line in catalogers.ts (README: "Add a cataloger").
 */
import type { Package } from '../sbom/package.js';
import type { Distro } from '../sbom/distro.js';

export interface CatalogFile {
  path: string;
  content: Buffer;
}

/** Read-only access to the other captured files of the final image (copyright files, dpkg file lists …). */
export interface FileLookup {
  get(path: string): Buffer | undefined;
  /** Paths of visible captured files matching a predicate. */
  paths(filter: (path: string) => boolean): string[];
}

export interface CatalogContext {
  distro?: Distro;
  files: FileLookup;
}

export interface ParseResult<R = unknown> {
  packages: Package[];
  warnings?: string[];
  /** Per package of `packages`, what `relate` needs and the SBOM does not keep; handed back in RelateContext. */
  relations?: ReadonlyMap<Package, R>;
}

export interface RelateContext<R = unknown> extends CatalogContext {
  /** What `parse` returned as `relations` for this cataloger's packages in the final image. */
  relations: ReadonlyMap<Package, R>;
  /** For each wanted path (no leading slash) installed by a package present in the image, that package. */
  ownersOf(wanted: Iterable<string>): Map<string, Package>;
}

/** The property that links a package another package manager installed to that package's purl. */
export const OWNED_BY_PROPERTY = 'layerlens:ownedBy';

export interface Cataloger<R = unknown> {
  /** kebab-case, ending in `-cataloger`. */
  readonly name: string;
  /** Bump when the output for the same input changes: it is part of every cache key. */
  readonly version: string;
  readonly globs: readonly string[];
  /** Globs of files read through `FileLookup` only (never parsed as package sources). */
  readonly auxiliaryGlobs?: readonly string[];
  parse(file: CatalogFile, ctx: CatalogContext): ParseResult<R>;
  /** Link `dependsOn` among the packages of this cataloger (and, if useful, others). */
  relate?(own: Package[], all: Package[], ctx: RelateContext<R>): void;
  /**
   * Optional capability of package managers that record their files: for each wanted path that one of `own` (this
   * cataloger's packages in the final image) installed, that package. Read its file lists through `ctx.files`
   * (declare them in `auxiliaryGlobs`).
   */
  ownedFiles?(own: readonly Package[], wanted: ReadonlySet<string>, ctx: CatalogContext): Map<string, Package>;
}

export class ParseError extends Error {}
