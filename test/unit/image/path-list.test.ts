import { describe, expect, it } from 'vitest';
import { decodeSummary, encodeSummary } from '../../../src/cache/summary-codec.js';
import { hashBytes, hashString, PathList, PathListBuilder } from '../../../src/image/path-list.js';
import { sampleSummary } from '../cache/sample.js'; // also: fast toEqual for PathLists

/** Every UTF-16 code unit from 1 to 0xff, then some of every UTF-8 length: 2, 3 and 4 (astral, a surrogate pair). */
const EVERY_LATIN1 = Array.from({ length: 255 }, (_, i) => String.fromCharCode(i + 1)).join('');
const UNICODE = ['ünïcode/файл', '日本語/パス.txt', 'emoji/😀/🎉.bin', 'e\u0301combining', 'a/ß/ǅ/Ω'];

function check(list: PathList, paths: string[]): void {
  expect(list.length).toBe(paths.length);
  expect([...list]).toEqual(paths);
  expect(list.toArray()).toEqual(paths);
  const bytes = list.concat();
  expect(bytes.length).toBe(paths.reduce((n, p) => n + Buffer.byteLength(p) + 1, 0));
  expect(list.byteLength).toBe(bytes.length);
  expect(list.textBytes).toBe(bytes.length - paths.length);
  const wrong: string[] = [];
  paths.forEach((p, i) => {
    if (list.at(i) !== p) wrong.push(`at ${i}`);
    if (list.hash(i) !== hashString(p)) wrong.push(`hash ${i}`);
    if (!list.equalsString(i, p)) wrong.push(`equalsString ${i}`);
    if (list.equalsString(i, `${p}x`)) wrong.push(`equalsString longer ${i}`);
    if (p.length && list.equalsString(i, p.slice(0, -1))) wrong.push(`equalsString shorter ${i}`);
    if (bytes.subarray(list.offsets[i], list.offsets[i + 1] - 1).toString() !== p) wrong.push(`range ${i}`);
    if (bytes[list.offsets[i + 1] - 1] !== 0) wrong.push(`NUL ${i}`);
    if (list.firstSegmentHash(i) !== hashString(p.split('/')[0])) wrong.push(`firstSegmentHash ${i}`);
    if (!list.equalsBytes(i, bytes, list.offsets[i], list.offsets[i + 1] - 1)) wrong.push(`equalsBytes ${i}`);
  });
  expect(wrong).toEqual([]);
  const again = PathList.decode(Buffer.from(bytes), paths.length)!;
  expect(again.chunks.length).toBeLessThanOrEqual(1);
  expect(again).toEqual(list); // one chunk against the builder's several: the same list
  for (let i = 0; i < paths.length; i += Math.max(1, Math.floor(paths.length / 500))) {
    if (!again.equals(i, list, i) || !list.equals(i, again, i) || again.hash(i) !== list.hash(i)) wrong.push(`decoded ${i}`);
  }
  expect(wrong).toEqual([]);
}

describe('PathList', () => {
  it('holds an empty layer and a layer of one entry', () => {
    check(PathList.from([]), []);
    expect(PathList.from([]).byteLength).toBe(0);
    expect(PathList.from([]).concat().length).toBe(0);
    check(PathList.from(['etc']), ['etc']);
    check(PathList.from(['']), ['']);
  });

  it('keeps non-ASCII paths as UTF-8, and every code unit but NUL', () => {
    const paths = ['usr/bin/tool', ...UNICODE, EVERY_LATIN1, `dir/${EVERY_LATIN1}/x`, 'plain'];
    const list = PathList.from(paths);
    check(list, paths);
    expect(list.concat().subarray(list.offsets[1], list.offsets[2] - 1)).toEqual(Buffer.from('ünïcode/файл'));
  });

  it('hashes and compares bytes, including every byte value but NUL, without materialising paths', () => {
    const raw = Buffer.from(Array.from({ length: 255 }, (_, i) => i + 1).concat([0, 0x61, 0x2f, 0xff, 0xfe, 0]));
    const list = PathList.decode(raw, 2)!;
    expect(list.length).toBe(2);
    expect(list.offsets[1] - 1 - list.offsets[0]).toBe(255);
    expect(list.hash(0)).toBe(hashBytes(raw, 0, 255));
    const copy = PathList.decode(Buffer.from(raw), 2)!;
    expect(list.equals(0, copy, 0)).toBe(true);
    expect(list.equals(1, copy, 1)).toBe(true);
    expect(list.equals(0, copy, 1)).toBe(false);
    // Not UTF-8: materialised with replacement characters, the bytes themselves untouched.
    expect(list.at(1)).toBe('a/\ufffd\ufffd');
    expect(Buffer.from(list.concat())).toEqual(raw);
  });

  it('compares across lists and against strings', () => {
    const a = PathList.from(['x', 'etc/passwd', 'ünï']);
    const b = PathList.from(['etc/passwd', 'ünï', 'etc/passw']);
    expect(a.equals(1, b, 0)).toBe(true);
    expect(a.equals(2, b, 1)).toBe(true);
    expect(a.equals(1, b, 2)).toBe(false);
    expect(a.equalsString(2, 'ünï')).toBe(true);
    expect(a.equalsString(2, 'uni')).toBe(false);
    expect(a.equalsString(0, 'ü')).toBe(false);
    expect(a.hash(1)).toBe(b.hash(0));
    expect(a.hash(1)).not.toBe(b.hash(2));
  });

  it('builds across chunk boundaries and with paths longer than a chunk', () => {
    const b = new PathListBuilder();
    const paths: string[] = [];
    for (let i = 0; i < 30_000; i++) {
      const p = i % 10_000 === 5 ? `long/${'p'.repeat(300_000 + i)}` : `srv/data/d${i % 100}/file-${i}${i % 777 === 0 ? '-ü' : ''}.txt`;
      paths.push(p);
      b.push(p);
    }
    expect(b.length).toBe(paths.length);
    const list = b.finish();
    expect(list.chunks.length).toBeGreaterThan(3); // paths never span two chunks; the long ones get their own
    check(list, paths);
  });

  it('refuses a path containing NUL, and bytes that do not hold the stated paths', () => {
    expect(() => PathList.from(['a\0b'])).toThrow(/NUL/);
    expect(() => PathList.from(['ü\0'])).toThrow(/NUL/);
    expect(PathList.decode(Buffer.from('a\0b\0'), 1)).toBeUndefined();
    expect(PathList.decode(Buffer.from('a\0b\0'), 3)).toBeUndefined();
    expect(PathList.decode(Buffer.from('a\0b'), 2)).toBeUndefined();
    expect(PathList.decode(Buffer.from('a\0b'), 1)).toBeUndefined();
    expect(PathList.decode(Buffer.alloc(0), 0)!.length).toBe(0);
    expect(PathList.decode(Buffer.from('\0'), 1)!.at(0)).toBe('');
  });

  it('round-trips through the summary codec as one block', async () => {
    const paths = ['', 'a', ...UNICODE, EVERY_LATIN1];
    const s = { ...sampleSummary(), files: { paths: PathList.from(paths), sizes: new Float64Array(paths.length).fill(2 ** 33), kinds: 'f'.repeat(paths.length), links: [] } };
    for (const compress of [true, false]) {
      const back = await decodeSummary(await encodeSummary(s, { compress }));
      expect(back).toEqual(s);
      expect([...back!.files.paths]).toEqual(paths);
      expect(back!.files.sizes[0]).toBe(2 ** 33);
    }
  });
});
