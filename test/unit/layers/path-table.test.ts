import { describe, expect, it } from 'vitest';
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
});
