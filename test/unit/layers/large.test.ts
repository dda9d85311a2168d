import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { LayerSummary } from '../../../src/image/layer-summary.js';
import { PathListBuilder } from '../../../src/image/path-list.js';
import { DiveEfficiency } from '../../../src/layers/dive.js';
import { buildLayerReport } from '../../../src/layers/report.js';
import { LayerStack } from '../../../src/layers/stack.js';
import { summary } from './helpers.js';

const FILES = 1_000_000;
const DIRS = 1000;

/** One layer of a million 3-byte files in 1000 directories (file i lives in d{i mod 1000}). */
function millionFileLayer(): LayerSummary {
  const paths = new PathListBuilder();
  const sizes = new Float64Array(DIRS + FILES);
  for (let j = 0; j < DIRS; j++) paths.push(`d${j}`);
  for (let i = 0; i < FILES; i++) {
    paths.push(`d${i % DIRS}/f${i}`);
    sizes[DIRS + i] = 3;
  }
  return { ...summary([]), files: { paths: paths.finish(), sizes, kinds: 'd'.repeat(DIRS) + 'f'.repeat(FILES), links: [] } };
}

/** Deletes d0, makes d1 opaque (providing d1/f1 again) and overwrites d2/f2. */
const secondLayer = () =>
  summary(
    [
      { path: 'd1', kind: 'd' },
      { path: 'd1/f1', size: 5 },
      { path: 'd2/f2', size: 7 },
    ],
    { whiteouts: ['d0'], opaqueDirs: ['d1'], index: 1 },
  );

function heapUsed(): number {
  setFlagsFromString('--expose_gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers; // the tables are mostly typed arrays and Buffers, outside the JS heap
}

describe('a layer with a million tiny files', () => {
  it('is reported, with the path table as the only per-file state', () => {
    const empty = heapUsed();
    const layers = [millionFileLayer(), secondLayer()];
    const before = heapUsed();
    const stack = new LayerStack();
    const dive = new DiveEfficiency();
    for (const [i, layer] of layers.entries()) dive.visitLayer(layer, i, stack.apply(layer).diveWhiteoutSizes);
    const tables = heapUsed() - before;
    // Keep the tables alive until measured; print for the record (no assertion on time or exact bytes).
    expect(stack.totals().files).toBe(FILES - 1999);
    const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
    const started = performance.now();
    const report = buildLayerReport(layers, {});
    console.log(
      `${FILES} files: summaries ${mb(before - empty)}, report path tables ${mb(tables)} (${(tables / FILES).toFixed(0)} B/file), ` +
        `buildLayerReport ${(performance.now() - started).toFixed(0)} ms`,
    );
    expect(report.layers[0]).toMatchObject({
      size: 3 * FILES,
      entries: { files: FILES, dirs: DIRS },
      added: { files: FILES, bytes: 3 * FILES },
    });
    expect(report.layers[0].largestFiles).toHaveLength(10);
    expect(report.layers[1]).toMatchObject({
      size: 12,
      added: { files: 0, bytes: 0 },
      modified: { files: 2, bytes: 12, previousBytes: 6 },
      removed: { files: 1999, bytes: 3 * 1999 }, // d0: 1000 files; d1: 999 (f1 is provided again)
    });
    const wasted = 3 * 1999 + 3 + 3;
    expect(report.totals).toMatchObject({
      size: 3 * FILES + 12,
      visibleFiles: FILES - 1999,
      visibleDirs: DIRS - 1,
      visibleBytes: 3 * FILES + 12 - wasted,
      wastedBytes: wasted,
    });
    // Dive: d0's whiteout is charged its 3000 bytes once; d1/f1 and d2/f2 seen twice; the opaque d1 is ignored.
    expect(report.dive).toMatchObject({
      efficiency: (3 * FILES + 3000) / (3 * FILES + 12 + 3000),
      wastedBytes: 8 + 10,
      inefficientPaths: 2,
    });
  });
});
