/**
 * The layer report's one per-path table, shared by LayerStack and DiveEfficiency so that each path is keyed once:
 * an open-addressing hash table from path to an integer slot (a slot per distinct path, never freed), with the
 * per-path numbers in typed columns indexed by slot. Sized up front by the report (Σ entries of the layers), it
 * never grows, so building it leaves no garbage.
 *
 * Keys are references, not strings: a layer's paths are registered as a whole (`slotsOf(list)`, once per layer,
 * each path hashed once, from its UTF-8 bytes in the PathList) and a slot's key is (list, index) — compared in
 * place, so the report creates no string per path; `key(slot)` materialises one where the report needs it (wasted
 * paths, largest files, whiteout handling). Whiteouts, opaque directories and lookups by name use the string API
 * (`intern`, `find`, `get`, `set`), which hashes a string as its UTF-8 bytes, so both kinds of key meet in one table.
 * New slots are numbered in the order their paths come, so the keys are stored as runs — "slots s… are entries
 * i… of list l" — a handful per layer rather than two numbers a slot; a bucket holds a slot, and a one-byte tag
 * of each slot's hash spares nearly every key comparison that would fail. A path costs 1 (tag) + 8–16 (buckets,
 * load ≤ 0.5) + 20 (columns) bytes, and the report keeps the slots of the layer in hand (4 bytes an entry) while it
 * applies it.
 *
 * Columns: `visible`, the size of the visible tar entry in the stacked filesystem (LayerStack's DIR for
 * directories, NaN when not visible); `dive`, Dive's packed minimum size and last layer (NaN before its first
 * visit); `order`, when the path last became visible, so that the stack can visit visible paths in the order a
 * Map<string, size> would have them (ties in the report keep the first seen).
 */
import { hashBytes, hashString, stringEqualsBytes, type PathList } from '../image/path-list.js';
import { lastAtMost } from '../util/sorted-search.js';

/** The bits of a 31-bit hash kept as a slot's tag: the top 8, which no bucket index below 2²³ uses. */
const tagOf = (h: number) => h >>> 23;

export class PathTable {
  /** Per slot: visible size, or NaN. */
  visible: Float64Array;
  /** Per slot: Dive's packed state, or NaN. */
  dive: Float64Array;
  /** Per slot: sequence number of the last time the path became visible (< Σ entries of the layers). */
  order: Uint32Array;
  /** Registered path lists (one per layer); a key is an index in one of them, or a string in `strings`. */
  private readonly lists: PathList[] = [];
  private readonly strings: string[] = [];
  /** Key runs, by first slot (ascending): slots runSlot[r] … are entries runIndex[r] … of list runList[r] (−1: strings). */
  private runSlot = new Int32Array(16);
  private runList = new Int32Array(16);
  private runIndex = new Int32Array(16);
  private runs = 0;
  /** The run found last: lookups tend to go slot by slot. */
  private lastRun = 0;
  /** Per slot: tagOf(its hash). */
  private tags: Uint8Array;
  /** slot + 1 per bucket, 0 when empty. */
  private buckets: Int32Array;
  private mask: number;
  private count = 0;
  private sequence = 0;
  /** The last list registered and its slots: stack and Dive ask for the same layer one after the other. */
  private lastList: PathList | undefined;
  private lastSlots = new Int32Array(0);

  /** `capacity`: an upper bound on the distinct paths, when known (the table grows past it otherwise). */
  constructor(capacity = 1024) {
    const n = Math.max(16, capacity);
    this.tags = new Uint8Array(n);
    this.visible = new Float64Array(n).fill(NaN);
    this.dive = new Float64Array(n).fill(NaN);
    this.order = new Uint32Array(n);
    let b = 32;
    while (b < n * 2) b *= 2;
    this.buckets = new Int32Array(b);
    this.mask = b - 1;
  }

  /** Slots in use: 0 … slots − 1. */
  get slots(): number {
    return this.count;
  }

  /** The path of `slot`, as a string. */
  key(slot: number): string {
    const r = this.runOf(slot);
    const index = this.runIndex[r] + slot - this.runSlot[r];
    const l = this.runList[r];
    return l < 0 ? this.strings[index] : this.lists[l].at(index);
  }

  /**
   * The slot of every path of `list`, in list order, interning the paths the table has not seen (not visible, not
   * visited by Dive). The table keeps `list` as the key of those. Asking again for the same list is free.
   */
  slotsOf(list: PathList): Int32Array {
    if (list === this.lastList) return this.lastSlots;
    const id = this.lists.length;
    this.lists.push(list);
    const n = list.length;
    const slots = new Int32Array(n);
    const { chunks, firsts, offsets } = list;
    for (let c = 0; c < chunks.length; c++) {
      const bytes = chunks[c];
      const base = offsets[firsts[c]];
      const last = c + 1 < chunks.length ? firsts[c + 1] : n;
      for (let i = firsts[c]; i < last; i++) slots[i] = this.internBytes(id, i, bytes, offsets[i] - base, offsets[i + 1] - 1 - base);
    }
    this.lastList = list;
    this.lastSlots = slots;
    return slots;
  }

  /** The slot of the path held in bytes[start, end) (UTF-8), −1 when the table has never seen it. */
  findBytes(bytes: Buffer, start: number, end: number): number {
    const h = hashBytes(bytes, start, end);
    const tag = tagOf(h);
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = this.buckets[i] - 1;
      if (s < 0) return -1;
      if (this.tags[s] === tag && this.keyEqualsBytes(s, bytes, start, end)) return s;
    }
  }

  /** The slot of `path`, −1 when the table has never seen it. */
  find(path: string): number {
    const h = hashString(path);
    const tag = tagOf(h);
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = this.buckets[i] - 1;
      if (s < 0) return -1;
      if (this.tags[s] === tag && this.keyEquals(s, path)) return s;
    }
  }

  /** The slot of `path`, added (not visible, not visited by Dive) when new. */
  intern(path: string): number {
    const s = this.find(path);
    if (s >= 0) return s;
    this.strings.push(path);
    return this.add(-1, this.strings.length - 1, hashString(path));
  }

  /** The visible size of `path`, undefined when not visible. */
  get(path: string): number | undefined {
    const s = this.find(path);
    if (s < 0) return undefined;
    const v = this.visible[s];
    return v === v ? v : undefined;
  }

  /** Makes `path` visible with `value` (a path already visible keeps its place in the order). */
  setAt(slot: number, value: number): void {
    if (this.visible[slot] !== this.visible[slot]) this.order[slot] = ++this.sequence;
    this.visible[slot] = value;
  }

  set(path: string, value: number): void {
    this.setAt(this.intern(path), value);
  }

  hideAt(slot: number): void {
    this.visible[slot] = NaN;
  }

  /** hashString of the first segment of `slot`'s path (up to its first `/`), without materialising the path. */
  firstSegmentHash(slot: number): number {
    const r = this.runOf(slot);
    const index = this.runIndex[r] + slot - this.runSlot[r];
    const l = this.runList[r];
    if (l >= 0) return this.lists[l].firstSegmentHash(index);
    const p = this.strings[index];
    const i = p.indexOf('/');
    return hashString(i === -1 ? p : p.slice(0, i));
  }

  /** The slot of path `index` of list `id`, held in bytes[start, end); added when new. */
  private internBytes(id: number, index: number, bytes: Buffer, start: number, end: number): number {
    const h = hashBytes(bytes, start, end);
    const tag = tagOf(h);
    // Probe once: the first empty bucket is where a new path goes (unless the table has to grow first).
    const mask = this.mask;
    let b = h & mask;
    for (;;) {
      const s = this.buckets[b] - 1;
      if (s < 0) break;
      if (this.tags[s] === tag && this.keyEqualsBytes(s, bytes, start, end)) return s;
      b = (b + 1) & mask;
    }
    if (this.count === this.tags.length) return this.add(id, index, h);
    const s = this.newSlot(id, index, tag);
    this.buckets[b] = s + 1;
    return s;
  }

  /** The run holding `slot`. */
  private runOf(slot: number): number {
    const runSlot = this.runSlot;
    let r = this.lastRun;
    if (runSlot[r] <= slot && (r + 1 === this.runs || runSlot[r + 1] > slot)) return r;
    r = lastAtMost(runSlot, this.runs, slot);
    this.lastRun = r;
    return r;
  }

  private keyEquals(slot: number, path: string): boolean {
    const r = this.runOf(slot);
    const index = this.runIndex[r] + slot - this.runSlot[r];
    const l = this.runList[r];
    return l < 0 ? this.strings[index] === path : this.lists[l].equalsString(index, path);
  }

  private keyEqualsBytes(slot: number, bytes: Buffer, start: number, end: number): boolean {
    const r = this.runOf(slot);
    const index = this.runIndex[r] + slot - this.runSlot[r];
    const l = this.runList[r];
    return l < 0 ? stringEqualsBytes(this.strings[index], bytes, start, end) : this.lists[l].equalsBytes(index, bytes, start, end);
  }

  private keyHash(slot: number): number {
    const r = this.runOf(slot);
    const index = this.runIndex[r] + slot - this.runSlot[r];
    const l = this.runList[r];
    return l < 0 ? hashString(this.strings[index]) : this.lists[l].hash(index);
  }

  /** Numbers the next slot, keyed by entry `index` of list `list` (−1: of `strings`): a run goes on or a new one starts. */
  private newSlot(list: number, index: number, tag: number): number {
    const s = this.count++;
    const r = this.runs - 1;
    if (r < 0 || this.runList[r] !== list || this.runIndex[r] + s - this.runSlot[r] !== index) {
      if (this.runs === this.runSlot.length) {
        const widen = (a: Int32Array) => {
          const grown = new Int32Array(a.length * 2);
          grown.set(a);
          return grown;
        };
        this.runSlot = widen(this.runSlot);
        this.runList = widen(this.runList);
        this.runIndex = widen(this.runIndex);
      }
      this.runSlot[this.runs] = s;
      this.runList[this.runs] = list;
      this.runIndex[this.runs] = index;
      this.runs++;
    }
    this.tags[s] = tag;
    return s;
  }

  /** A new slot for a key known to be absent, with hash `h`. */
  private add(list: number, index: number, h: number): number {
    if (this.count === this.tags.length) this.grow();
    const mask = this.mask;
    let i = h & mask;
    while (this.buckets[i] !== 0) i = (i + 1) & mask;
    const s = this.newSlot(list, index, tagOf(h));
    this.buckets[i] = s + 1;
    return s;
  }

  private grow(): void {
    const n = this.tags.length * 2;
    const tags = new Uint8Array(n);
    tags.set(this.tags);
    this.tags = tags;
    const visible = new Float64Array(n).fill(NaN);
    visible.set(this.visible);
    this.visible = visible;
    const dive = new Float64Array(n).fill(NaN);
    dive.set(this.dive);
    this.dive = dive;
    const order = new Uint32Array(n);
    order.set(this.order);
    this.order = order;
    // Slots keep only a tag of their hash: the buckets are refilled from the keys.
    const buckets = new Int32Array(this.buckets.length * 2);
    const mask = buckets.length - 1;
    for (let s = 0; s < this.count; s++) {
      let i = this.keyHash(s) & mask;
      while (buckets[i] !== 0) i = (i + 1) & mask;
      buckets[i] = s + 1;
    }
    this.buckets = buckets;
    this.mask = mask;
  }
}
