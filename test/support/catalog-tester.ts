/**
 * Helpers for cataloger tests: in-memory layers (files, whiteouts, opaque dirs) squashed and cataloged exactly as an
 * image would be, direct parser calls with a file lookup, and the real corpus (../shared/corpus) walked from its
 * tarballs and compared with its `.truth.tsv` files.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Cataloger, CatalogContext, ParseResult } from '../../src/catalog/cataloger.js';
import { CATALOGERS, captureMatcher, compileGlobs } from '../../src/catalog/catalogers.js';
import type { Distro } from '../../src/sbom/distro.js';
import { catalogImage, type CatalogResult } from '../../src/catalog/run.js';
import type { LayerSummary } from '../../src/image/layer-summary.js';
import { CapturedView } from '../../src/image/squash.js';
import { walkLayerStream } from '../../src/image/walk-layer.js';
import type { LayerRef, Package } from '../../src/sbom/package.js';
import { pep503 } from './truth.js';

export { corpusDir, hasCorpus, repoRoot } from './paths.js';

export interface FakeLayer {
  files?: Record<string, string | Buffer>;
  whiteouts?: string[];
  opaqueDirs?: string[];
}

type SquashInput = Pick<LayerSummary, 'captured' | 'whiteouts' | 'opaqueDirs' | 'shadowed'>;

export function fakeSummary(layer: FakeLayer): SquashInput {
  return {
    captured: Object.entries(layer.files ?? {}).map(([p, c]) => ({ path: p, content: Buffer.isBuffer(c) ? c : Buffer.from(c) })),
    whiteouts: layer.whiteouts ?? [],
    opaqueDirs: layer.opaqueDirs ?? [],
    shadowed: [],
  };
}

export function layerRefs(count: number): LayerRef[] {
  return Array.from({ length: count }, (_, index) => ({ index, digest: `sha256:${'0'.repeat(63)}${index}`, diffId: `sha256:${'d'.repeat(63)}${index}` }));
}

/** Squash in-memory layers and run the catalogers over them, as `analyzeImage` does. */
export function catalogLayers(layers: FakeLayer[], catalogers: readonly Cataloger[] = CATALOGERS): CatalogResult {
  return catalogImage(CapturedView.fromLayers(layers.map(fakeSummary)), layerRefs(layers.length), catalogers);
}

export const DEBIAN_12: Distro = { id: 'debian', versionId: '12', location: 'etc/os-release' };
export const OS_RELEASE_DEBIAN = 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n';

/** One parse call with a lookup over `files`, as the core makes it. */
export function parseFile(cataloger: Cataloger, filePath: string, content: string | Buffer, files: Record<string, string | Buffer> = {}, distro?: Distro): ParseResult {
  const view = CapturedView.fromLayers([fakeSummary({ files: { ...files, [filePath]: content } })]);
  const ctx: CatalogContext = { distro, files: view };
  return cataloger.parse({ path: filePath, content: Buffer.isBuffer(content) ? content : Buffer.from(content) }, ctx);
}

/** Would the walker keep this file's body, and would this cataloger parse it (not only read it)? */
export function globHit(cataloger: Cataloger, filePath: string): { captured: boolean; parsed: boolean } {
  return { captured: captureMatcher(CATALOGERS)(filePath), parsed: compileGlobs(cataloger.globs)(filePath) };
}

export function byName(packages: readonly Package[], name: string): Package[] {
  return packages.filter((p) => p.name === name);
}

// ---- the real corpus ----

/** Walk a layer tarball from the corpus as the service would walk the blob. */
export async function summarizeTarball(file: string): Promise<LayerSummary> {
  const [digest, diffId] = await Promise.all([sha256Of(fs.createReadStream(file)), sha256Of(fs.createReadStream(file).pipe(createGunzip()))]);
  return walkLayerStream(
    fs.createReadStream(file),
    { digest, diffId, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: fs.statSync(file).size },
    { capture: captureMatcher(CATALOGERS), limits: { maxFileBytes: 64 * 1024 * 1024, maxUncompressedBytes: 8 * 1024 ** 3 } },
  );
}

async function sha256Of(stream: NodeJS.ReadableStream): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

export function catalogSummaries(summaries: readonly LayerSummary[]): CatalogResult {
  const refs = summaries.map((s, index) => ({ index, digest: s.digest, diffId: s.diffId }));
  return catalogImage(CapturedView.fromLayers(summaries), refs, CATALOGERS);
}

export { readTruth, type TruthRow } from './truth.js';
import type { TruthRow } from './truth.js';

/** How the ecosystem compares names: pypi by PEP 503, the others exactly. */
function keyOf(type: string, name: string, version: string, arch?: string): string {
  const n = type === 'pypi' ? pep503(name) : name;
  return [type, n, version, arch ?? ''].join(' ');
}

export interface Accuracy {
  type: string;
  expected: number;
  found: number;
  missing: string[];
  extra: string[];
  recall: number;
  precision: number;
}

/**
 * Distinct (type, name, version, arch) reported vs. the truth; optional (`?type`) rows count neither way. npm's
 * truth lists name+version pairs, so the same version installed in two places is one row.
 */
export function accuracy(packages: readonly Package[], truth: readonly TruthRow[], type: string): Accuracy {
  const withArch = truth.some((t) => t.type === type && t.arch);
  const key = (t: string, n: string, v: string, a?: string) => keyOf(t, n, v, withArch ? a : undefined);
  const required = new Set(truth.filter((t) => t.type === type && !t.optional).map((t) => key(t.type, t.name, t.version, t.arch)));
  const optional = new Set(truth.filter((t) => t.type === type && t.optional).map((t) => key(t.type, t.name, t.version, t.arch)));
  const found = new Set(packages.filter((p) => p.type === type).map((p) => key(p.type, p.name, p.version, p.arch)));
  const missing = [...required].filter((k) => !found.has(k));
  const extra = [...found].filter((k) => !required.has(k) && !optional.has(k));
  const reported = [...found].filter((k) => !optional.has(k)).length;
  return {
    type,
    expected: required.size,
    found: reported,
    missing,
    extra,
    recall: required.size ? (required.size - missing.length) / required.size : 1,
    precision: reported ? (reported - extra.length) / reported : 1,
  };
}
