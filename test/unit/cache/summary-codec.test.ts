import { describe, expect, it } from 'vitest';
import { decodeSummary, decodeVarints, encodeSummary, encodeVarints } from '../../../src/cache/summary-codec.js';
import { PathList } from '../../../src/image/path-list.js';
import { sampleSummary } from './sample.js';

describe('layer summary codec', () => {
  it('round-trips a summary exactly, bodies byte for byte, compressed or not', async () => {
    const s = sampleSummary();
    for (const compress of [true, false]) {
      const decoded = await decodeSummary(await encodeSummary(s, { compress }));
      expect(decoded).toEqual(s);
      expect(decoded!.captured.map((c) => c.content.toString('hex'))).toEqual(s.captured.map((c) => c.content.toString('hex')));
    }
  });

  it('keeps a summary without hard-link targets without them, and an empty layer empty', async () => {
    const s = sampleSummary();
    const noLinks = { ...s, files: { paths: s.files.paths, sizes: s.files.sizes, kinds: s.files.kinds } };
    expect(await decodeSummary(await encodeSummary(noLinks))).toEqual(noLinks);
    const empty = { ...s, files: { paths: PathList.from([]), sizes: new Float64Array(0), kinds: '', links: [] }, captured: [], whiteouts: [], opaqueDirs: [] };
    expect(await decodeSummary(await encodeSummary(empty))).toEqual(empty);
  });

  it('is compact for a large file table', async () => {
    const paths: string[] = [];
    const sizes: number[] = [];
    for (let i = 0; i < 50_000; i++) {
      paths.push(`srv/data/d${i % 100}/file-${i}.txt`);
      sizes.push(i % 301);
    }
    const s = { ...sampleSummary(), files: { paths: PathList.from(paths), sizes: Float64Array.from(sizes), kinds: 'f'.repeat(paths.length), links: [] }, captured: [] };
    const encoded = await encodeSummary(s);
    expect(encoded.length).toBeLessThan(paths.join('\0').length / 4);
    expect(await decodeSummary(encoded)).toEqual(s);
  });

  it('refuses anything it did not write', async () => {
    expect(await decodeSummary(Buffer.from('{"digest":"x"}'))).toBeUndefined();
    expect(await decodeSummary(Buffer.from('LLS!'))).toBeUndefined();
    const good = await encodeSummary(sampleSummary(), { compress: false });
    expect(await decodeSummary(good.subarray(0, good.length - 3))).toBeUndefined();
    const otherFormat = Buffer.from(good);
    otherFormat[3] = 99;
    expect(await decodeSummary(otherFormat)).toBeUndefined();
  });

  it('encodes sizes beyond 32 bits as varints', () => {
    const values = [0, 1, 127, 128, 300, 2 ** 31, 2 ** 32 + 1, 2 ** 53 - 1];
    expect([...decodeVarints(encodeVarints(values), values.length)]).toEqual(values);
  });
});
