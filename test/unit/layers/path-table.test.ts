import { describe, expect, it } from 'vitest';
import { hashString, PathList } from '../../../src/image/path-list.js';
import { PathTable } from '../../../src/layers/path-table.js';

describe('PathTable', () => {
  it('keys each path once and grows past its capacity', () => {
    const t = new PathTable(16);
    const slots = Array.from({ length: 1000 }, (_, i) => t.intern(`dir/${i % 7}/file-${i}`));
    expect(new Set(slots).size).toBe(1000);
    expect(t.slots).toBe(1000);
    for (let i = 0; i < 1000; i++) {
      expect(t.intern(`dir/${i % 7}/file-${i}`)).toBe(slots[i]);
      expect(t.find(`dir/${i % 7}/file-${i}`)).toBe(slots[i]);
      expect(t.key(slots[i])).toBe(`dir/${i % 7}/file-${i}`);
    }
    expect(t.find('absent')).toBe(-1);
    expect(t.slots).toBe(1000);
  });

  it('tracks visibility, Dive state and the order paths became visible, like a Map', () => {
    const t = new PathTable(4);
    expect(t.get('a')).toBeUndefined();
    t.set('a', 10);
    t.set('b', 0);
    t.set('c', -1);
    t.set('a', 11); // stays first, as Map.set on a present key
    expect(t.get('a')).toBe(11);
    t.hideAt(t.find('b'));
    expect(t.get('b')).toBeUndefined();
    t.set('b', 5); // visible again: now last
    const order = [0, 1, 2].map((s) => [t.key(s), t.order[s]] as const).sort((x, y) => x[1] - y[1]).map(([k]) => k);
    expect(order).toEqual(['a', 'c', 'b']);
    const d = t.intern('whiteout-only');
    expect(Number.isNaN(t.dive[d])).toBe(true);
    expect(t.get('whiteout-only')).toBeUndefined();
    for (let i = 0; i < 100; i++) t.set(`x${i}`, i); // growth keeps every column
    expect(t.get('a')).toBe(11);
    expect(t.get('b')).toBe(5);
    expect(t.get('x99')).toBe(99);
    expect(Number.isNaN(t.dive[t.find('whiteout-only')])).toBe(true);
  });

  it('keys a layer\'s PathList by reference, meeting the same paths interned as strings', () => {
    const t = new PathTable(4);
    const w = t.intern('etc/ünï'); // a whiteout, say, before any layer named the path
    const a = PathList.from(['etc', 'etc/ünï', 'usr/bin/x', 'etc']);
    const slotsA = t.slotsOf(a);
    expect(t.slotsOf(a)).toBe(slotsA); // asked again (stack, then Dive): the same answer, no new work
    expect([...slotsA]).toEqual([1, w, 2, 1]);
    const b = PathList.from(['usr/bin/x', 'new/😀', 'etc/ünï']);
    const slotsB = t.slotsOf(b);
    expect([...slotsB]).toEqual([2, 3, w]);
    expect(t.slots).toBe(4);
    expect([0, 1, 2, 3].map((s) => t.key(s))).toEqual(['etc/ünï', 'etc', 'usr/bin/x', 'new/😀']);
    expect(t.find('new/😀')).toBe(3);
    expect(t.intern('usr/bin/x')).toBe(2);
    const bytes = a.concat();
    expect(t.findBytes(bytes, a.offsets[2], a.offsets[2] + 'usr/bin'.length)).toBe(-1);
    expect(t.findBytes(bytes, a.offsets[2], a.offsets[3] - 1)).toBe(2);
    t.set('usr/bin/x', 7);
    expect(t.get('usr/bin/x')).toBe(7);
    expect(t.firstSegmentHash(2)).toBe(hashString('usr'));
    expect(t.firstSegmentHash(1)).toBe(hashString('etc'));
    expect(t.firstSegmentHash(0)).toBe(hashString('etc'));
    const many = PathList.from(Array.from({ length: 50_000 }, (_, i) => `d${i % 50}/f${i}`)); // grows past the capacity
    expect(many.chunks.length).toBeGreaterThan(1);
    const slots = t.slotsOf(many);
    for (let i = 0; i < 50_000; i += 97) expect(t.key(slots[i])).toBe(`d${i % 50}/f${i}`);
    const decoded = PathList.decode(Buffer.from(many.concat()), many.length)!; // the same paths in one chunk
    expect(t.slotsOf(decoded)).toEqual(slots);
    expect(t.get('usr/bin/x')).toBe(7);
    expect(t.find('etc/ünï')).toBe(w);
  });
});
