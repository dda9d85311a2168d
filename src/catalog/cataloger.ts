/**
 * The cataloger contract. A cataloger declares the files it reads (globs over image paths without a leading slash)
 * and parses one file at a time; the core finds the files, squashes layers, attributes packages to layers and turns
 * parse failures into warnings. `relate` runs once over the final package list to link dependencies, because a
 * dependency can only point at what is actually installed.
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

export interface ParseResult {
  packages: Package[];
  warnings?: string[];
}

export interface Cataloger {
  /** kebab-case, ending in `-cataloger`. */
  readonly name: string;
  /** Bump when the output for the same input changes: it is part of every cache key. */
  readonly version: string;
  readonly globs: readonly string[];
  /** Globs of files read through `FileLookup` only (never parsed as package sources). */
  readonly auxiliaryGlobs?: readonly string[];
  parse(file: CatalogFile, ctx: CatalogContext): ParseResult;
  /** Link `dependsOn` among the packages of this cataloger (and, if useful, others). */
  relate?(own: Package[], all: Package[], ctx: CatalogContext): void;
}

export class ParseError extends Error {}
