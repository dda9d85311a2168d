/**
 * The filesystem as the layers stack up, kept in the layer report's one per-path table (PathTable, shared with
 * DiveEfficiency): path → size of the visible tar entry (0 for links and special files, DIR for directories).
 * A layer's entries are looked up once, as a whole (`slotsOf` its PathList), and then handled by slot: an entry
 * costs a slot and typed-array columns, no per-file object and no string. Strings are materialised only for the
 * paths something happens to (hidden, replaced, hard links) and for the whiteout and opaque-directory checks.
 *
 * Applying a layer follows the runtime (containerd's applier and the OCI layer spec), not Dive:
 * - `.wh.NAME` hides NAME and everything below it; `.wh..wh..opq` hides every lower child of its directory;
 * - a non-directory entry over a lower directory replaces the whole directory (its children disappear);
 * - deletions act on lower layers only, so they are applied before the layer's own entries.
 * Every stored version that stops being visible is counted as wasted, by the path that stored it.
 *
 * Dive's stacked tree differs in two ways (it never sees opaque markers, and a file over a directory keeps the
 * children), and Dive sizes a whited-out directory from its own tree. `diveOnly` holds the entries Dive still sees
 * but the runtime does not, so the Dive-compatible figures can be computed from the same pass without a second
 * table: it is empty unless opaque directories or directory-to-file replacements occur.
 */
import type { LayerSummary } from '../image/layer-summary.js';
import { hashString } from '../image/path-list.js';
import { HardLinks, type Release } from './hard-links.js';
import { PathTable } from './path-table.js';

export const DIR = -1;
const KIND_DIR = 0x64; // 'd'
const KIND_HARD_LINK = 0x68; // 'h'

export interface ChangeCount {
  /** Non-directory entries (regular files, links, special files). */
  files: number;
  bytes: number;
}

export interface LayerChanges {
  /** Entries whose path was not visible below. */
  added: ChangeCount;
  /** Entries whose path was visible below as a non-directory (bytes: the new sizes; previousBytes: what they replace). */
  modified: ChangeCount & { previousBytes: number };
  /**
   * Lower non-directories hidden by whiteouts, opaque directories or replacement, and not re-provided by this layer;
   * bytes are the hidden entries' tar sizes (a hard link's is 0: its content is charged where it was stored).
   */
  removed: ChangeCount;
  /** Per whiteout path, the bytes Dive's efficiency.go charges it: a directory's content in Dive's tree, else 0. */
  diveWhiteoutSizes: Map<string, number>;
}

export interface VisibleTotals {
  files: number;
  dirs: number;
  bytes: number;
}

function firstSegment(p: string): string {
  const i = p.indexOf('/');
  return i === -1 ? p : p.slice(0, i);
}

export class LayerStack {
  /** Visible path → size (DIR for directories); shared with DiveEfficiency by the report so paths are keyed once. */
  private readonly visible: PathTable;
  /** Slot → size of the entries Dive still sees but the runtime does not (see above). */
  private readonly diveOnly = new Map<number, number>();
  private readonly links = new HardLinks();
  /** Stored bytes that are not visible any more, by the path whose tar entry stored them. */
  readonly wasted = new Map<string, number>();
  wastedBytes = 0;

  constructor(table: PathTable = new PathTable()) {
    this.visible = table;
  }

  apply(layer: Pick<LayerSummary, 'files' | 'whiteouts' | 'opaqueDirs'>): LayerChanges {
    const { paths, sizes, kinds } = layer.files;
    const table = this.visible;
    const slots = table.slotsOf(paths);
    const column = table.visible;
    const whiteouts = new Set(layer.whiteouts);
    const opaque = new Set(layer.opaqueDirs);
    const rootOpaque = opaque.delete('');
    const replaced = new Set<string>();
    for (let i = 0; i < slots.length; i++) {
      if (kinds.charCodeAt(i) !== KIND_DIR && column[slots[i]] === DIR) replaced.add(paths.at(i));
    }
    // Dive looks a whiteout up in the stack of the layers below: a directory there is charged its content.
    const diveSizes = new Map<string, number>();
    for (const w of whiteouts) diveSizes.set(w, 0);
    const diveDirs = new Set([...whiteouts].filter((w) => this.diveValue(w) === DIR));

    /** Slot → the size it had, for the paths this layer's deletions hid. */
    const hiddenNow = new Map<number, number>();
    if (whiteouts.size || opaque.size || replaced.size || rootOpaque) {
      const roots = new Set<string>();
      for (const set of [whiteouts, opaque, replaced]) for (const p of set) roots.add(firstSegment(p));
      const rootHashes = new Set<number>();
      for (const r of roots) rootHashes.add(hashString(r));
      // Dive's view first: entries only Dive sees still count in its directory sizes, and its whiteouts remove them.
      for (const [slot, v] of this.diveOnly) {
        const q = table.key(slot);
        if (!roots.has(firstSegment(q))) continue;
        if (this.coveredByWhiteout(q, v, whiteouts, diveDirs, diveSizes)) this.diveOnly.delete(slot);
      }
      // Decide for every visible path first (the decisions do not depend on each other), then hide in the order
      // the paths became visible, so that what is recorded first stays first. Paths outside the affected top-level
      // directories are skipped on the hash of their first segment, without materialising them.
      const hidden: number[] = [];
      const byWhiteoutSlots = new Set<number>();
      for (let slot = 0, n = table.slots; slot < n; slot++) {
        const v = column[slot];
        if (v !== v) continue; // not visible
        if (!rootOpaque && !rootHashes.has(table.firstSegmentHash(slot))) continue;
        const q = table.key(slot);
        if (!rootOpaque && !roots.has(firstSegment(q))) continue;
        const byWhiteout = this.coveredByWhiteout(q, v, whiteouts, diveDirs, diveSizes);
        const byBelow = rootOpaque || hasProperAncestorIn(q, opaque) || hasProperAncestorIn(q, replaced);
        if (!byWhiteout && !byBelow) continue;
        hidden.push(slot);
        if (byWhiteout) byWhiteoutSlots.add(slot);
      }
      const order = table.order;
      hidden.sort((a, b) => order[a] - order[b]);
      for (const slot of hidden) {
        const v = column[slot];
        table.hideAt(slot);
        hiddenNow.set(slot, v);
        this.hide(slot, v);
        if (!byWhiteoutSlots.has(slot)) this.diveOnly.set(slot, v);
      }
    }

    const added: ChangeCount = { files: 0, bytes: 0 };
    const modified = { files: 0, bytes: 0, previousBytes: 0 };
    const removed: ChangeCount = { files: 0, bytes: 0 };
    const linkTargets = layer.files.links ?? [];
    let linkIndex = 0;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i];
      const size = sizes[i];
      const kind = kinds.charCodeAt(i);
      if (this.diveOnly.size) this.diveOnly.delete(slot);
      const lowerValue = column[slot];
      const lower = lowerValue === lowerValue ? lowerValue : undefined;
      if (kind === KIND_DIR) {
        if (lower !== undefined && lower !== DIR) {
          // A directory replaces a file: the file is gone.
          this.hide(slot, lower);
          removed.files++;
          removed.bytes += lower;
        }
        table.setAt(slot, DIR);
        continue;
      }
      const hidden = hiddenNow.size ? hiddenNow.get(slot) : undefined;
      if (lower !== undefined && lower !== DIR) {
        modified.files++;
        modified.bytes += size;
        modified.previousBytes += lower;
        this.hide(slot, lower);
      } else if (lower === undefined && hidden !== undefined && hidden !== DIR) {
        // Hidden by this layer's whiteout or opaque directory and provided again: a replacement, not a removal.
        modified.files++;
        modified.bytes += size;
        modified.previousBytes += hidden;
        hiddenNow.delete(slot);
      } else {
        added.files++;
        added.bytes += size;
      }
      table.setAt(slot, size);
      if (kind === KIND_HARD_LINK) {
        const target = linkTargets[linkIndex++];
        if (target !== undefined) this.links.link(paths.at(i), target, (t) => this.fileSize(t));
      }
    }
    for (const v of hiddenNow.values()) {
      if (v === DIR) continue;
      removed.files++;
      removed.bytes += v;
    }
    return { added, modified, removed, diveWhiteoutSizes: diveSizes };
  }

  totals(): VisibleTotals {
    let files = 0;
    let dirs = 0;
    let bytes = this.links.pinnedBytes();
    const column = this.visible.visible;
    for (let slot = 0, n = this.visible.slots; slot < n; slot++) {
      const v = column[slot];
      if (v !== v) continue; // not visible
      if (v === DIR) dirs++;
      else {
        files++;
        bytes += v;
      }
    }
    return { files, dirs, bytes };
  }

  private fileSize(path: string): number | undefined {
    const v = this.visible.get(path);
    return v === undefined || v === DIR ? undefined : v;
  }

  /** What Dive's stacked tree holds at `path`: its own entry, else the visible one (undefined when neither). */
  private diveValue(path: string): number | undefined {
    const slot = this.visible.find(path);
    if (slot < 0) return undefined;
    const own = this.diveOnly.get(slot);
    if (own !== undefined) return own;
    const v = this.visible.visible[slot];
    return v === v ? v : undefined;
  }

  /** The version of `slot`'s path (of size `v`) leaves the final filesystem: its bytes are wasted unless a link keeps them. */
  private hide(slot: number, v: number): void {
    if (v === DIR) return;
    if (v <= 0 && this.links.empty) return; // nothing to waste, no link to release
    const path = this.visible.key(slot);
    const release: Release = this.links.release(path);
    if (release === null) return;
    if (release === undefined) this.waste(path, v);
    else this.waste(release.path, release.size);
  }

  private waste(path: string, bytes: number): void {
    if (bytes <= 0) return;
    this.wasted.set(path, (this.wasted.get(path) ?? 0) + bytes);
    this.wastedBytes += bytes;
  }

  /** True when a whiteout hides `q` (itself or an ancestor); adds `q`'s size to every whited-out Dive directory above it. */
  private coveredByWhiteout(q: string, v: number, whiteouts: Set<string>, diveDirs: Set<string>, diveSizes: Map<string, number>): boolean {
    let covered = whiteouts.has(q);
    for (let i = q.indexOf('/'); i !== -1; i = q.indexOf('/', i + 1)) {
      const a = q.slice(0, i);
      if (!whiteouts.has(a)) continue;
      covered = true;
      if (v > 0 && diveDirs.has(a)) diveSizes.set(a, diveSizes.get(a)! + v);
    }
    return covered;
  }
}

function hasProperAncestorIn(q: string, dirs: Set<string>): boolean {
  if (dirs.size === 0) return false;
  for (let i = q.indexOf('/'); i !== -1; i = q.indexOf('/', i + 1)) if (dirs.has(q.slice(0, i))) return true;
  return false;
}
