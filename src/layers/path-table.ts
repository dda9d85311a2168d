/**
 * The layer report's one per-path table, shared by LayerStack and DiveEfficiency so that each path is keyed once:
 * an open-addressing hash table from path to an integer slot (a slot per distinct path, never freed), with the
 * per-path numbers in typed columns indexed by slot. Sized up front by the report (Σ entries of the layers), it
 * never grows, so building it leaves no garbage; a Map<string, number> costs ~28 bytes an entry (Node runs V8
 * without pointer compression) plus as much again in the hash tables it outgrows, and the report used to need two.
 * Here a path costs 8 (key) + 4 (hash) + ~16 (buckets at load ≤ 0.5) + 20 (columns) bytes, and the path string is
 * the summary's own.
 *
 * Columns: `visible`, the size of the visible tar entry in the stacked filesystem (LayerStack's DIR for
 * directories, NaN when not visible); `dive`, Dive's packed minimum size and last layer (NaN before its first
 * visit); `order`, when the path last became visible, so that the stack can visit visible paths in the order a
 * Map<string, size> would have them (ties in the report keep the first seen).
 */
export class PathTable {
  /** Per slot: visible size, or NaN. */
  visible: Float64Array;
  /** Per slot: Dive's packed state, or NaN. */
  dive: Float64Array;
  /** Per slot: sequence number of the last time the path became visible (< Σ entries of the layers). */
  order: Uint32Array;
  private keys: string[];
  private hashes: Int32Array;
  /** slot + 1 per bucket, 0 when empty. */
  private buckets: Int32Array;
  private mask: number;
  private count = 0;
  private sequence = 0;

  /** `capacity`: an upper bound on the distinct paths, when known (the table grows past it otherwise). */
  constructor(capacity = 1024) {
    const n = Math.max(16, capacity);
    this.keys = new Array<string>(n);
    this.hashes = new Int32Array(n);
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

  key(slot: number): string {
    return this.keys[slot];
  }

  /** The slot of `path`, −1 when the table has never seen it. */
  find(path: string): number {
    const h = hash(path);
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = this.buckets[i] - 1;
      if (s < 0) return -1;
      if (this.hashes[s] === h && this.keys[s] === path) return s;
    }
  }

  /** The slot of `path`, added (not visible, not visited by Dive) when new. */
  intern(path: string): number {
    const h = hash(path);
    const mask = this.mask;
    let i = h & mask;
    for (; ; i = (i + 1) & mask) {
      const s = this.buckets[i] - 1;
      if (s < 0) break;
      if (this.hashes[s] === h && this.keys[s] === path) return s;
    }
    if (this.count === this.keys.length) {
      this.grow();
      return this.intern(path);
    }
    const s = this.count++;
    this.keys[s] = path;
    this.hashes[s] = h;
    this.buckets[i] = s + 1;
    return s;
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

  private grow(): void {
    const n = this.keys.length * 2;
    const keys = new Array<string>(n);
    for (let s = 0; s < this.count; s++) keys[s] = this.keys[s];
    this.keys = keys;
    const hashes = new Int32Array(n);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const visible = new Float64Array(n).fill(NaN);
    visible.set(this.visible);
    this.visible = visible;
    const dive = new Float64Array(n).fill(NaN);
    dive.set(this.dive);
    this.dive = dive;
    const order = new Uint32Array(n);
    order.set(this.order);
    this.order = order;
    const buckets = new Int32Array(this.buckets.length * 2);
    const mask = buckets.length - 1;
    for (let s = 0; s < this.count; s++) {
      let i = this.hashes[s] & mask;
      while (buckets[i] !== 0) i = (i + 1) & mask;
      buckets[i] = s + 1;
    }
    this.buckets = buckets;
    this.mask = mask;
  }
}

/** FNV-1a over UTF-16 code units, with a final avalanche so that linear probing spreads similar paths. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h & 0x7fffffff;
}
