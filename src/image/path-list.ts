/**
 * PathList: a layer's entry paths as a few blocks of bytes instead of one string each. A layer can hold a million
 * entries; as strings they cost ~56 bytes a path (a heap string plus its array slot) and, built during the walk, they
 * outlive V8's young generation and fill the old one. Here a path costs its UTF-8 bytes, a NUL and a 4-byte offset:
 *
 *   bytes    "etc\0etc/os-release\0usr\0…"      every path's UTF-8 bytes, each followed by NUL
 *   offsets  [0, 4, 19, 23, …, byteLength]      path i is bytes[offsets[i], offsets[i + 1] − 1)
 *
 * The bytes are held in chunks (a path never spans two): the walker appends to 1 MiB chunks and never copies what
 * it wrote, so building a list needs no memory beyond the list. Offsets are positions in the concatenation of the
 * chunks, which is also the summary codec's wire form (tar names cannot contain NUL): encoded and decoded as one
 * block, no split; a decoded list is one chunk. Paths are hashed and compared in place (hash, equals,
 * equalsString, equalsBytes) so that the layer report keys its path table by (list, index) without creating a
 * string per path; `at(i)` materialises one. Hashes are MurmurHash3 over the UTF-8 bytes, and hashString gives the
 * same hash for the same path held as a string.
 */
import { lastAtMost } from '../util/sorted-search.js';

export class PathList implements Iterable<string> {
  /**
   * `chunks`: the paths' bytes, each path followed by NUL, none spanning two chunks; `firsts`: the first path of each
   * chunk (ascending, 0 first); `offsets`: where each path starts in the concatenation of the chunks, then the total.
   * Not checked: use PathList.from, PathListBuilder or PathList.decode.
   */
  constructor(
    readonly chunks: readonly Buffer[],
    readonly firsts: Uint32Array,
    readonly offsets: Uint32Array,
  ) {}

  /** Builds a list from strings (tests, small lists). Throws on a path containing NUL. */
  static from(paths: Iterable<string>): PathList {
    const b = new PathListBuilder();
    for (const p of paths) b.push(p);
    return b.finish();
  }

  /**
   * The inverse of `concat()`: `count` NUL-terminated paths, one chunk. Undefined when the bytes do not hold exactly
   * `count` paths. The list keeps `bytes` (pass a copy to avoid pinning a larger buffer).
   */
  static decode(bytes: Buffer, count: number): PathList | undefined {
    const offsets = new Uint32Array(count + 1);
    let n = 0;
    let from = 0;
    for (;;) {
      const nul = bytes.indexOf(0, from);
      if (nul === -1) break;
      if (n === count) return undefined;
      from = nul + 1;
      offsets[++n] = from;
    }
    if (n !== count || from !== bytes.length) return undefined;
    return new PathList(count === 0 ? [] : [bytes], count === 0 ? new Uint32Array(0) : new Uint32Array(1), offsets);
  }

  get length(): number {
    return this.offsets.length - 1;
  }

  /** Bytes of all paths with their NULs: the length of `concat()`. */
  get byteLength(): number {
    return this.offsets[this.offsets.length - 1];
  }

  /** Bytes of the paths themselves (NULs not counted). */
  get textBytes(): number {
    return this.byteLength - this.length;
  }

  /** The chunk holding path `i`. */
  chunkOf(i: number): number {
    return lastAtMost(this.firsts, this.firsts.length, i);
  }

  /** Path `i` as a string (0 ≤ i < length). */
  at(i: number): string {
    const c = this.chunkOf(i);
    const base = this.offsets[this.firsts[c]];
    return this.chunks[c].toString('utf8', this.offsets[i] - base, this.offsets[i + 1] - 1 - base);
  }

  /** The same number as hashString(this.at(i)). */
  hash(i: number): number {
    const c = this.chunkOf(i);
    const base = this.offsets[this.firsts[c]];
    return hashBytes(this.chunks[c], this.offsets[i] - base, this.offsets[i + 1] - 1 - base);
  }

  /** hashString of path `i`'s first segment (up to its first `/`, or all of it). */
  firstSegmentHash(i: number): number {
    const c = this.chunkOf(i);
    const bytes = this.chunks[c];
    const start = this.offsets[i] - this.offsets[this.firsts[c]];
    let end = start;
    while (bytes[end] !== 0x2f && bytes[end] !== 0) end++;
    return hashBytes(bytes, start, end);
  }

  /** True when path `i` is the path in bytes[start, end). */
  equalsBytes(i: number, bytes: Uint8Array, start: number, end: number): boolean {
    const c = this.chunkOf(i);
    const base = this.offsets[this.firsts[c]];
    return bytesEqual(this.chunks[c], this.offsets[i] - base, this.offsets[i + 1] - 1 - base, bytes, start, end);
  }

  /** True when path `i` equals path `j` of `other`. */
  equals(i: number, other: PathList, j: number): boolean {
    const c = other.chunkOf(j);
    const base = other.offsets[other.firsts[c]];
    return this.equalsBytes(i, other.chunks[c], other.offsets[j] - base, other.offsets[j + 1] - 1 - base);
  }

  /** True when path `i` equals `s`. */
  equalsString(i: number, s: string): boolean {
    const c = this.chunkOf(i);
    const base = this.offsets[this.firsts[c]];
    return stringEqualsBytes(s, this.chunks[c], this.offsets[i] - base, this.offsets[i + 1] - 1 - base);
  }

  /** Every path's bytes and NUL, as one buffer (the codec's form). */
  concat(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks as Buffer[], this.byteLength);
  }

  toArray(): string[] {
    const out = new Array<string>(this.length);
    for (let i = 0; i < out.length; i++) out[i] = this.at(i);
    return out;
  }

  *[Symbol.iterator](): Iterator<string> {
    for (let i = 0, n = this.length; i < n; i++) yield this.at(i);
  }
}

/** Largest byte length of a list: offsets are 32-bit. */
const MAX_BYTES = 0xffff_ffff;
/** Chunks grow from 4 KiB to this size (by doubling), then stay at it. */
const CHUNK_BYTES = 1024 * 1024;

/**
 * Appends paths one by one (the layer walker); `finish` gives the list. Keeps no per-path string and never copies
 * the bytes it wrote: a full chunk is kept as it is (its unused tail is shorter than the path that did not fit) and
 * the next path goes into a new one. A list of one small chunk is copied to size at the end.
 */
export class PathListBuilder {
  private readonly chunks: Buffer[] = [];
  private firsts: number[] = [0];
  private buf: Buffer = Buffer.allocUnsafeSlow(4096);
  /** Bytes written into `buf`. */
  private at = 0;
  /** Bytes in the chunks before `buf`. */
  private base = 0;
  private offsets = new Uint32Array(1024);
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(path: string): void {
    const len = path.length;
    // UTF-16 to UTF-8 is at most 3 bytes a code unit, plus the NUL.
    if (this.at + len * 3 + 1 > this.buf.length) this.nextChunk(len * 3 + 1);
    const buf = this.buf;
    let at = this.at;
    let k = 0;
    for (; k < len; k++) {
      const c = path.charCodeAt(k);
      if (c >= 0x80 || c === 0) break;
      buf[at++] = c;
    }
    if (k < len) {
      if (path.includes('\0')) throw new RangeError(`a path in a PathList cannot contain NUL: ${JSON.stringify(path)}`);
      at = this.at + buf.write(path, this.at, 'utf8');
    }
    buf[at++] = 0;
    const end = this.base + at;
    if (end > MAX_BYTES) throw new RangeError('the paths of one layer exceed 4 GiB');
    this.at = at;
    if (this.count + 1 === this.offsets.length) {
      const grown = new Uint32Array(Math.floor(this.offsets.length * 1.5));
      grown.set(this.offsets);
      this.offsets = grown;
    }
    this.offsets[++this.count] = end;
  }

  finish(): PathList {
    let list: PathList;
    if (this.count === 0) list = new PathList([], new Uint32Array(0), new Uint32Array(1));
    else {
      const single = this.chunks.length === 0;
      // One small chunk: copied to size (a layer of a few files keeps a few hundred bytes, not 4 KiB or more).
      const last = single && this.buf.length <= 64 * 1024 ? Buffer.from(this.buf.subarray(0, this.at)) : this.buf.subarray(0, this.at);
      const offsets = this.count < 8192 ? this.offsets.slice(0, this.count + 1) : this.offsets.subarray(0, this.count + 1);
      list = new PathList([...this.chunks, last], Uint32Array.from(this.firsts), offsets);
    }
    this.chunks.length = 0;
    this.firsts = [0];
    this.buf = Buffer.alloc(0);
    this.at = 0;
    this.base = 0;
    this.offsets = new Uint32Array(1);
    this.count = 0;
    return list;
  }

  /** Starts a chunk with room for at least `need` bytes (the current one, when empty, is simply replaced). */
  private nextChunk(need: number): void {
    if (this.at > 0) {
      this.chunks.push(this.buf.subarray(0, this.at));
      this.base += this.at;
      this.firsts.push(this.count);
    }
    this.buf = Buffer.allocUnsafeSlow(Math.max(need, Math.min(CHUNK_BYTES, this.buf.length * 2)));
    this.at = 0;
  }
}

/**
 * MurmurHash3 (x86, 32-bit, seed 0) of bytes[start, end), as 31 bits: four bytes a step, well spread in the low bits
 * that pick a bucket (FNV-1a, a byte a step, was 4–5× slower on paths).
 */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0;
  let i = start;
  for (; i + 4 <= end; i += 4) h = mixBlock(h, bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
  const rest = end - i;
  if (rest > 0) {
    let k = bytes[i];
    if (rest > 1) k |= bytes[i + 1] << 8;
    if (rest > 2) k |= bytes[i + 2] << 16;
    h ^= scramble(k);
  }
  return finish(h, end - start);
}

/** hashBytes of the UTF-8 encoding of `s`. */
export function hashString(s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    if (s.charCodeAt(i) >= 0x80) {
      const utf8 = Buffer.from(s, 'utf8');
      return hashBytes(utf8, 0, utf8.length);
    }
  }
  // ASCII: the code units are the bytes.
  let h = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) h = mixBlock(h, s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24));
  const rest = n - i;
  if (rest > 0) {
    let k = s.charCodeAt(i);
    if (rest > 1) k |= s.charCodeAt(i + 1) << 8;
    if (rest > 2) k |= s.charCodeAt(i + 2) << 16;
    h ^= scramble(k);
  }
  return finish(h, n);
}

/** MurmurHash3's per-block key scramble (also applied to the 1–3 tail bytes). */
function scramble(k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, 0x1b873593);
}

/** One 4-byte block into the running hash. */
function mixBlock(h: number, k: number): number {
  h ^= scramble(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finish(h: number, length: number): number {
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & 0x7fffffff;
}

export function bytesEqual(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): boolean {
  const n = aEnd - aStart;
  if (n !== bEnd - bStart) return false;
  for (let k = 0; k < n; k++) if (a[aStart + k] !== b[bStart + k]) return false;
  return true;
}

/** True when the UTF-8 encoding of `s` is bytes[start, end). */
export function stringEqualsBytes(s: string, bytes: Buffer, start: number, end: number): boolean {
  const n = end - start;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c >= 0x80) {
      const utf8 = Buffer.from(s, 'utf8');
      return bytesEqual(utf8, 0, utf8.length, bytes, start, end);
    }
    if (k >= n || bytes[start + k] !== c) return false;
  }
  return s.length === n;
}
