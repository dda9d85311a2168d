/**
 * The layer-size report: what Dive shows a person, as data. Built from the LayerSummaries the analysis already has
 * (one streaming pass per layer, nothing re-read), in layer order, with one path table for the whole image, keyed by
 * the summaries' own PathLists: building the report creates a string only for the paths it names in its output or
 * has to check by name (whiteouts, hidden and replaced paths, hard links).
 *
 * Two sets of image figures, because Dive's definitions are not "what is wasted":
 * - `totals` are exact for the filesystem a container gets: wasted bytes = bytes stored in the layers that are not
 *   visible in the final filesystem (overwritten, whited out, hidden by an opaque directory, replaced by a
 *   directory), with hard links keeping their target's bytes alive. stored = visible + wasted, to the byte.
 * - `dive` is Dive's efficiency, wasted bytes and user-wasted percent, computed as Dive computes them (see dive.ts),
 *   so that existing `.dive-ci` thresholds keep their meaning. Dive ignores opaque directories and charges deleted
 *   directories nothing; the CI gate uses these figures by default for that reason.
 */
import type { LayerSummary } from '../image/layer-summary.js';
import type { ImageConfig } from '../registry/manifest.js';
import { DiveEfficiency, type DiveMetrics } from './dive.js';
import { historyPerLayer } from './history.js';
import { PathTable } from './path-table.js';
import { LayerStack, type ChangeCount } from './stack.js';
import { TopN, type SizedPath } from './top-n.js';

export interface LayerReportOptions {
  /** How many largest files per layer, and wasted paths / Dive inefficiencies for the image (default 10). */
  top?: number;
}

export interface LayerEntryCounts {
  files: number;
  dirs: number;
  symlinks: number;
  hardlinks: number;
  other: number;
}

export interface LayerInfo {
  index: number;
  digest: string;
  diffId: string;
  mediaType: string;
  /** Size of the blob (descriptor). */
  compressedSize: number;
  /** Σ sizes of the tar entries (Dive's layer size). */
  size: number;
  /** Bytes of the uncompressed tar stream (headers and padding included). */
  tarBytes: number;
  entries: LayerEntryCounts;
  /** From the config history; null when the history has no entry for this layer. */
  createdBy: string | null;
  created: string | null;
  comment: string | null;
  added: ChangeCount;
  modified: ChangeCount & { previousBytes: number };
  removed: ChangeCount;
  whiteouts: number;
  opaqueDirs: number;
  largestFiles: SizedPath[];
}

export interface ImageTotals {
  layers: number;
  compressedSize: number;
  /** Σ layer sizes: every byte stored in the layers. */
  size: number;
  tarBytes: number;
  /** The final filesystem: non-directory entries, directories, and bytes (linked content counted once). */
  visibleFiles: number;
  visibleDirs: number;
  visibleBytes: number;
  /** size − visibleBytes: stored but not visible at the end. */
  wastedBytes: number;
  /** Biggest wasted paths: the path whose tar entries stored the bytes, with all its lost versions summed. */
  wastedPaths: { path: string; bytes: number }[];
  /** visibleBytes / size (1 for an empty image). */
  efficiency: number;
  /** Σ size of the layers after the first. */
  userSize: number;
  /** wastedBytes / userSize; null when userSize is 0. */
  userWastedPercent: number | null;
}

export interface LayerReport {
  layers: LayerInfo[];
  totals: ImageTotals;
  dive: DiveMetrics;
}

export function buildLayerReport(summaries: readonly LayerSummary[], config: ImageConfig, opts: LayerReportOptions = {}): LayerReport {
  const top = opts.top ?? 10;
  const history = historyPerLayer(config, summaries.length);
  // One path table for both (each path keyed once), sized for every distinct path the layers can name.
  let entries = 0;
  for (const s of summaries) entries += s.files.paths.length + s.whiteouts.length + s.opaqueDirs.length;
  const table = new PathTable(entries);
  const stack = new LayerStack(table);
  const dive = new DiveEfficiency(table);
  const layers = summaries.map((summary, index): LayerInfo => {
    const changes = stack.apply(summary);
    dive.visitLayer(summary, index, changes.diveWhiteoutSizes);
    const contents = layerContents(summary, top);
    const h = history[index];
    return {
      index,
      digest: summary.digest,
      diffId: summary.diffId,
      mediaType: summary.mediaType,
      compressedSize: summary.compressedSize,
      size: contents.size,
      tarBytes: summary.tarBytes,
      entries: contents.entries,
      createdBy: h?.created_by ?? null,
      created: h?.created ?? null,
      comment: h?.comment ?? null,
      added: changes.added,
      modified: changes.modified,
      removed: changes.removed,
      whiteouts: summary.whiteouts.length,
      opaqueDirs: summary.opaqueDirs.length,
      largestFiles: contents.largest,
    };
  });

  const size = sum(layers.map((l) => l.size));
  const userSize = size - (layers[0]?.size ?? 0);
  const visible = stack.totals();
  const worst = new TopN(top);
  for (const [path, bytes] of stack.wasted) worst.offer(path, bytes); // only positive amounts are recorded
  return {
    layers,
    totals: {
      layers: layers.length,
      compressedSize: sum(layers.map((l) => l.compressedSize)),
      size,
      tarBytes: sum(layers.map((l) => l.tarBytes)),
      visibleFiles: visible.files,
      visibleDirs: visible.dirs,
      visibleBytes: visible.bytes,
      wastedBytes: stack.wastedBytes,
      wastedPaths: worst.list().map(({ path, size: bytes }) => ({ path, bytes })),
      efficiency: size === 0 ? 1 : visible.bytes / size,
      userSize,
      userWastedPercent: userSize === 0 ? null : stack.wastedBytes / userSize,
    },
    dive: dive.result(
      layers.map((l) => l.size),
      top,
    ),
  };
}

function layerContents(summary: Pick<LayerSummary, 'files'>, top: number) {
  const { paths, sizes, kinds } = summary.files;
  const entries: LayerEntryCounts = { files: 0, dirs: 0, symlinks: 0, hardlinks: 0, other: 0 };
  const largest = new TopN(top);
  let size = 0;
  for (let i = 0; i < paths.length; i++) {
    const kind = kinds.charCodeAt(i);
    if (kind === 0x66) entries.files++; // f
    else if (kind === 0x64) entries.dirs++; // d
    else if (kind === 0x6c) entries.symlinks++; // l
    else if (kind === 0x68) entries.hardlinks++; // h
    else entries.other++;
    const s = sizes[i];
    size += s;
    if (s > 0 && largest.accepts(s)) largest.offer(paths.at(i), s);
  }
  return { entries, size, largest: largest.list() };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
