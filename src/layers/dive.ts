/**
 * Dive's image efficiency, re-implemented from wagoodman/dive `dive/filetree/efficiency.go` and
 * `dive/image/docker/image_archive.go` so that a team's `.dive-ci` thresholds give the same verdict here.
 *
 * What Dive does, in our words:
 * - Each layer is its own tree of its tar entries. Only the leaves of that tree are visited (a directory entry that
 *   has entries below it in the same layer is not), one visit per node, per layer.
 * - A visit of path P with size S adds S to P's cumulative size and lowers P's minimum size to S.
 * - A whiteout `.wh.NAME` is a node too, visited as path NAME. Its size is the sum of all sizes below NAME in the
 *   stack of the lower layers when NAME is a directory there, and 0 otherwise (so deleting a file costs its earlier
 *   versions via the cumulative size, with a minimum of 0).
 * - Opaque markers `.wh..wh..opq` are dropped when the tree is built: Dive never hides anything for them.
 * - efficiency = Σ minimum / Σ cumulative over all paths (1 when nothing was seen);
 *   wasted bytes = Σ cumulative over the paths visited at least twice ("inefficiencies");
 *   user-wasted percent = wasted bytes / Σ size of the layers after the first, where a layer's size is the sum
 *   of its tar entries' sizes.
 * Consequences worth knowing: deleting a whole directory in a later layer usually costs nothing in Dive (the
 * directory path was not a leaf below, so it is seen once), and replaced files count all their versions as wasted.
 *
 * Where we cannot or do not follow Dive (documented, all rare in built images):
 * - a whiteout of a path that does not exist below makes Dive's visitor fail and stop visiting the rest of that
 *   layer; we charge it 0 and go on;
 * - Dive gives directories implied by a deeper entry (no entry of their own in that layer) an empty payload in its
 *   stacked tree, so a later whiteout of such a directory costs 0 in Dive; we keep the last explicit entry. Docker,
 *   BuildKit and debootstrap always write the parent directories, so the two agree on their layers;
 * - a whiteout in the first layer is looked up in that same layer by Dive; we charge it 0.
 *
 * Memory: one slot per path visited in the report's PathTable (shared with LayerStack; the minimum and the layer of
 * the last visit packed into one number), plus the cumulative size and count of the paths visited more than once,
 * by slot. A layer's tree is found from its PathList without strings: each entry's ancestors are looked up in the
 * table by their byte prefixes (a directory no layer names has no slot, and needs none: only the layer's own paths
 * and opaque directories, interned first, are asked whether they are parents).
 */
import type { LayerSummary } from '../image/layer-summary.js';
import { bytesEqual } from '../image/path-list.js';
import { PathTable } from './path-table.js';
import { TopN } from './top-n.js';

/** Layer numbers are kept modulo this (to recognise a second visit within one layer); Docker allows 127 layers. */
const LAYER_SLOTS = 1024;

export interface DiveInefficiency {
  path: string;
  /** How many times Dive saw the path (layers it appears in, whiteouts included). */
  count: number;
  cumulativeSize: number;
}

export interface DiveMetrics {
  efficiency: number;
  wastedBytes: number;
  /** Σ size of all layers (Dive's `SizeBytes`). */
  sizeBytes: number;
  /** Σ size of the layers after the first (Dive's `UserSizeByes`). */
  userSizeBytes: number;
  /** wastedBytes / userSizeBytes; null when there are no user bytes (Dive divides by zero: see the CI gate). */
  userWastedPercent: number | null;
  /** Paths visited at least twice, largest cumulative size first (Dive's "Inefficient Files"), top N. */
  inefficiencies: DiveInefficiency[];
  inefficientPaths: number;
}

export class DiveEfficiency {
  /** path → minimum size × LAYER_SLOTS + layer of the last visit (in the report, the LayerStack's table). */
  private readonly table: PathTable;
  /** Slot → cumulative size and visit count, for the paths visited more than once. */
  private readonly cumulative = new Map<number, number>();
  private readonly counts = new Map<number, number>();
  private sumCumulative = 0;

  constructor(table: PathTable = new PathTable()) {
    this.table = table;
  }

  /** Visits one layer's tree: entries, directories created by opaque markers, whiteouts (sized by the caller). */
  visitLayer(layer: Pick<LayerSummary, 'files' | 'whiteouts' | 'opaqueDirs'>, index: number, whiteoutSizes: ReadonlyMap<string, number>): void {
    const { paths, sizes } = layer.files;
    const table = this.table;
    const whiteouts = new Set(layer.whiteouts);
    const opaque = layer.opaqueDirs.filter((d) => d !== '');
    // Opaque directories first, so that the ancestor lookups below find them when an entry lies below one.
    const opaqueSlots = opaque.map((d) => table.intern(d));
    const slots = table.slotsOf(paths);
    // parent[slot] = 1: the path has entries, whiteouts or opaque markers below it in this layer (not a leaf).
    const parent = new Uint8Array(table.slots);
    // The previous entry's directory, [dirStart, dirEnd) in dirBytes: entries of one directory usually follow each
    // other in a tar, and their ancestors are marked already.
    let dirBytes: Buffer | undefined;
    let dirStart = 0;
    let dirEnd = -1;
    const { chunks, firsts, offsets } = paths;
    for (let c = 0; c < chunks.length; c++) {
      const bytes = chunks[c];
      const base = offsets[firsts[c]];
      const last = c + 1 < chunks.length ? firsts[c + 1] : slots.length;
      for (let i = firsts[c]; i < last; i++) {
        const start = offsets[i] - base;
        let end = offsets[i + 1] - 1 - base;
        do end--;
        while (end > start && bytes[end] !== 0x2f);
        if (end <= start) continue; // top level: no ancestor
        if (end - start === dirEnd - dirStart && bytesEqual(bytes, start, end, dirBytes!, dirStart, dirEnd)) continue;
        dirBytes = bytes;
        dirStart = start;
        dirEnd = end;
        // Each proper prefix ending before a `/` (not at position 0), nearest first; stop at one already marked.
        for (;;) {
          const s = table.findBytes(bytes, start, end);
          if (s >= 0) {
            if (parent[s] === 1) break;
            parent[s] = 1;
          }
          do end--;
          while (end > start && bytes[end] !== 0x2f);
          if (end <= start) break;
        }
      }
    }
    for (const w of whiteouts) markAncestors(w, table, parent);
    for (const d of opaque) markAncestors(d, table, parent);
    // Backwards, so that of a path written twice in one tar the last entry counts (Dive's node keeps the last payload).
    for (let i = slots.length - 1; i >= 0; i--) {
      if (parent[slots[i]] !== 1) this.visit(slots[i], sizes[i], index, true);
    }
    // `d/.wh..wh..opq` makes Dive create node `d` (with an empty payload when the layer has no `d/` entry).
    for (const s of opaqueSlots) if (parent[s] !== 1) this.visit(s, 0, index, true);
    for (const w of whiteouts) this.visit(table.intern(w), whiteoutSizes.get(w) ?? 0, index, false);
  }

  result(layerSizes: readonly number[], top: number): DiveMetrics {
    let sumMin = 0;
    const column = this.table.dive;
    for (let slot = 0, n = this.table.slots; slot < n; slot++) {
      const v = column[slot];
      if (v === v) sumMin += Math.floor(v / LAYER_SLOTS); // NaN: never visited by Dive
    }
    let wastedBytes = 0;
    const worst = new TopN(top);
    const slotOf = new Map<string, number>();
    for (const [slot, cum] of this.cumulative) {
      wastedBytes += cum;
      if (!worst.accepts(cum)) continue;
      const path = this.table.key(slot);
      slotOf.set(path, slot);
      worst.offer(path, cum);
    }
    const sizeBytes = layerSizes.reduce((a, b) => a + b, 0);
    const userSizeBytes = sizeBytes - (layerSizes[0] ?? 0);
    return {
      efficiency: this.sumCumulative === 0 ? 1 : sumMin / this.sumCumulative,
      wastedBytes,
      sizeBytes,
      userSizeBytes,
      userWastedPercent: userSizeBytes === 0 ? null : wastedBytes / userSizeBytes,
      inefficiencies: worst.list().map(({ path, size }) => ({ path, count: this.counts.get(slotOf.get(path)!)!, cumulativeSize: size })),
      inefficientPaths: this.cumulative.size,
    };
  }

  /** `once`: a second visit of the same path in the same layer is the same Dive node, not a new one. */
  private visit(slot: number, size: number, layer: number, once: boolean): void {
    const tag = layer % LAYER_SLOTS;
    this.sumCumulative += size;
    const dive = this.table.dive;
    const v = dive[slot];
    if (v !== v) {
      dive[slot] = size * LAYER_SLOTS + tag;
      return;
    }
    const min = Math.floor(v / LAYER_SLOTS);
    if (once && v - min * LAYER_SLOTS === tag) {
      this.sumCumulative -= size;
      return;
    }
    const cum = this.cumulative.get(slot);
    this.cumulative.set(slot, (cum ?? min) + size);
    this.counts.set(slot, (this.counts.get(slot) ?? 1) + 1);
    dive[slot] = Math.min(min, size) * LAYER_SLOTS + tag;
  }
}

/** Marks the slots of `p`'s proper ancestors (those the table knows), nearest first, stopping at one already marked. */
function markAncestors(p: string, table: PathTable, parent: Uint8Array): void {
  for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) {
    const s = table.find(p.slice(0, i));
    if (s < 0 || s >= parent.length) continue;
    if (parent[s] === 1) return;
    parent[s] = 1;
  }
}
