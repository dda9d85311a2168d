import { beforeAll, describe, expect, it } from 'vitest';
import { buildLayerReport, type LayerReport } from '../../../src/layers/report.js';
import { summary, tarBytesOf } from './helpers.js';
import { CONFIG, LAYERS, scenario } from './scenario.js';

describe('buildLayerReport on a layered image with known content', () => {
  let report: LayerReport;
  let blobSizes: number[];
  beforeAll(async () => {
    const built = await scenario();
    blobSizes = built.blobSizes;
    report = buildLayerReport(built.summaries, CONFIG);
  });

  it('walks hard-link targets into the summary', async () => {
    const { summaries } = await scenario();
    expect(summaries[0].files.links).toEqual(['usr/bin/perl']);
    expect(summaries[2].opaqueDirs).toEqual(['opt/lib']);
    expect([...summaries[2].files.paths]).toEqual(['opt/lib', 'opt/lib/new', 'opt/lib/old2']);
  });

  it('reports the base layer', () => {
    const l = report.layers[0];
    expect(l).toMatchObject({
      index: 0,
      digest: `sha256:${'0'.repeat(64)}`,
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      compressedSize: blobSizes[0],
      size: 4510,
      tarBytes: tarBytesOf(LAYERS[0]),
      entries: { files: 8, dirs: 7, symlinks: 1, hardlinks: 1, other: 0 },
      createdBy: '/bin/sh -c #(nop) ADD file:0123abcd in / ',
      created: '2024-01-01T00:00:00Z',
      comment: null,
      added: { files: 10, bytes: 4510 },
      modified: { files: 0, bytes: 0, previousBytes: 0 },
      removed: { files: 0, bytes: 0 },
      whiteouts: 0,
      opaqueDirs: 0,
    });
    expect(l.largestFiles.slice(0, 3)).toEqual([
      { path: 'usr/bin/perl', size: 2000 },
      { path: 'app/big.bin', size: 1000 },
      { path: 'opt/lib/old2', size: 500 },
    ]);
    expect(l.largestFiles).toHaveLength(8);
  });

  it('reports an overwrite and an addition, skipping empty_layer history entries', () => {
    expect(report.layers[1]).toMatchObject({
      size: 5150,
      tarBytes: tarBytesOf(LAYERS[1]),
      compressedSize: blobSizes[1],
      entries: { files: 2, dirs: 2, symlinks: 0, hardlinks: 0, other: 0 },
      createdBy: 'RUN /bin/sh -c echo 150 > /etc/config && curl -o /tmp/download.tgz https://example.com/x # buildkit',
      created: '2024-01-02T00:00:00Z',
      comment: 'buildkit.dockerfile.v0',
      added: { files: 1, bytes: 5000 },
      modified: { files: 1, bytes: 150, previousBytes: 100 },
      removed: { files: 0, bytes: 0 },
      largestFiles: [
        { path: 'tmp/download.tgz', size: 5000 },
        { path: 'etc/config', size: 150 },
      ],
    });
  });

  it('reports whiteouts, a directory whiteout and an opaque directory as removals', () => {
    expect(report.layers[2]).toMatchObject({
      size: 110,
      entries: { files: 2, dirs: 1, symlinks: 0, hardlinks: 0, other: 0 },
      createdBy: '/bin/sh -c rm -rf /tmp/download.tgz /cache /usr/bin/perl',
      // opt/lib/new is new; opt/lib/old2 was hidden by the opaque dir and provided again: a replacement
      added: { files: 1, bytes: 50 },
      modified: { files: 1, bytes: 60, previousBytes: 500 },
      // tmp/download.tgz 5000, cache/a 200, cache/b 300, opt/lib/old1 400, usr/bin/perl 2000
      removed: { files: 5, bytes: 7900 },
      whiteouts: 3,
      opaqueDirs: 1,
    });
  });

  it('reports a layer without history entry, and a deleted hard link', () => {
    expect(report.layers[3]).toMatchObject({
      size: 1200,
      createdBy: null,
      created: null,
      added: { files: 1, bytes: 0 },
      modified: { files: 1, bytes: 1200, previousBytes: 1000 },
      removed: { files: 1, bytes: 0 },
      whiteouts: 1,
      largestFiles: [{ path: 'app/big.bin', size: 1200 }],
    });
  });

  it('totals: stored = visible + wasted, to the byte, opaque-hidden included', () => {
    const stored = 4510 + 5150 + 110 + 1200;
    // visible: etc/config 150, app/big.bin 1200, app/keep.txt 10, opt/lib/new 50, opt/lib/old2 60, usr/bin/p, app/extra
    const visible = 150 + 1200 + 10 + 50 + 60;
    expect(report.totals).toEqual({
      layers: 4,
      compressedSize: blobSizes.reduce((a, b) => a + b, 0),
      size: stored,
      tarBytes: LAYERS.map(tarBytesOf).reduce((a, b) => a + b, 0),
      visibleFiles: 7,
      visibleDirs: 7, // etc app opt opt/lib usr usr/bin tmp
      visibleBytes: visible,
      wastedBytes: stored - visible,
      wastedPaths: [
        { path: 'tmp/download.tgz', bytes: 5000 },
        { path: 'usr/bin/perl', bytes: 2000 }, // gone only when its last name (the hard link) went
        { path: 'app/big.bin', bytes: 1000 },
        { path: 'opt/lib/old2', bytes: 500 },
        { path: 'opt/lib/old1', bytes: 400 }, // hidden by the opaque directory
        { path: 'cache/b', bytes: 300 },
        { path: 'cache/a', bytes: 200 },
        { path: 'etc/config', bytes: 100 },
      ],
      efficiency: visible / stored,
      userSize: stored - 4510,
      userWastedPercent: (stored - visible) / (stored - 4510),
    });
    expect(report.totals.wastedBytes).toBe(9500);
  });

  it("computes Dive's figures with Dive's definitions", () => {
    // Σ cumulative: layer 0 leaves 4510; layer 1 5150; layer 2: new 50 + old2 60 + whiteouts (download 0, cache = its
    // content in the lower stack 500, perl 0); layer 3: big.bin 1200 + extra 0 + perl5 whiteout 0.
    const cumulative = 4510 + 5150 + (50 + 60 + 0 + 500 + 0) + 1200;
    // Σ minimum per path: etc/config 100, app/big.bin 1000, app/keep.txt 10, cache/a 200, cache/b 300, opt/lib/old1 400
    // (Dive ignores the opaque dir), opt/lib/old2 60, opt/lib/new 50, cache 500 (seen once), everything else 0.
    const minimum = 100 + 1000 + 10 + 200 + 300 + 400 + 60 + 50 + 500;
    // paths seen at least twice: download 5000, big.bin 2200, perl 2000, old2 560, config 250, perl5 0.
    const wasted = 5000 + 2200 + 2000 + 560 + 250;
    expect(report.dive).toEqual({
      efficiency: minimum / cumulative,
      wastedBytes: wasted,
      sizeBytes: 10970,
      userSizeBytes: 10970 - 4510,
      userWastedPercent: wasted / (10970 - 4510),
      inefficiencies: [
        { path: 'tmp/download.tgz', count: 2, cumulativeSize: 5000 },
        { path: 'app/big.bin', count: 2, cumulativeSize: 2200 },
        { path: 'usr/bin/perl', count: 2, cumulativeSize: 2000 },
        { path: 'opt/lib/old2', count: 2, cumulativeSize: 560 },
        { path: 'etc/config', count: 2, cumulativeSize: 250 },
        { path: 'usr/bin/perl5', count: 2, cumulativeSize: 0 },
      ],
      inefficientPaths: 6,
    });
  });

  it('limits the lists to opts.top', async () => {
    const { summaries } = await scenario();
    const small = buildLayerReport(summaries, CONFIG, { top: 2 });
    expect(small.layers[0].largestFiles).toHaveLength(2);
    expect(small.totals.wastedPaths.map((w) => w.path)).toEqual(['tmp/download.tgz', 'usr/bin/perl']);
    expect(small.dive.inefficiencies).toHaveLength(2);
    expect(small.dive.inefficientPaths).toBe(6);
  });
});

describe('buildLayerReport edge cases', () => {
  it('pairs history with layers whatever its length, skipping empty_layer entries', () => {
    const layers = [summary([{ path: 'a', size: 1 }]), summary([{ path: 'b', size: 2 }], { index: 1 })];
    const longer = buildLayerReport(layers, {
      history: [
        { created_by: 'ENV X=1', empty_layer: true },
        { created_by: 'one' },
        { created_by: 'LABEL y', empty_layer: true },
        { created_by: 'two' },
        { created_by: 'three' },
      ],
    });
    expect(longer.layers.map((l) => l.createdBy)).toEqual(['one', 'two']);
    expect(buildLayerReport(layers, {}).layers.map((l) => l.createdBy)).toEqual([null, null]);
    expect(buildLayerReport(layers, { history: [{ created_by: 'only' }] }).layers.map((l) => l.createdBy)).toEqual(['only', null]);
  });

  it('keeps the bytes of a deleted hard-link target visible through the link', () => {
    const report = buildLayerReport(
      [
        summary([{ path: 'bin', kind: 'd' }, { path: 'bin/a', size: 100 }, { path: 'bin/b', kind: 'h', link: 'bin/a' }]),
        summary([], { whiteouts: ['bin/a'], index: 1 }),
      ],
      {},
    );
    expect(report.layers[1].removed).toEqual({ files: 1, bytes: 100 });
    expect(report.totals).toMatchObject({ size: 100, visibleFiles: 1, visibleBytes: 100, wastedBytes: 0, wastedPaths: [] });
  });

  it('follows a hard link to a hard link to the stored file', () => {
    const report = buildLayerReport(
      [
        summary([
          { path: 'a', size: 70 },
          { path: 'b', kind: 'h', link: 'a' },
          { path: 'c', kind: 'h', link: 'b' },
        ]),
        summary([], { whiteouts: ['a', 'b'], index: 1 }),
        summary([], { whiteouts: ['c'], index: 2 }),
      ],
      {},
    );
    expect(report.totals).toMatchObject({ visibleBytes: 0, wastedBytes: 70, wastedPaths: [{ path: 'a', bytes: 70 }] });
  });

  it('treats a file over a directory as replacing the directory (Dive keeps the children)', () => {
    const report = buildLayerReport(
      [
        summary([{ path: 'x', kind: 'd' }, { path: 'x/a', size: 10 }, { path: 'x/b', size: 20 }]),
        summary([{ path: 'x', size: 5 }], { index: 1 }),
        summary([], { whiteouts: ['x'], index: 2 }),
      ],
      {},
    );
    expect(report.layers[1]).toMatchObject({ added: { files: 1, bytes: 5 }, removed: { files: 2, bytes: 30 } });
    expect(report.layers[2]).toMatchObject({ removed: { files: 1, bytes: 5 } });
    expect(report.totals).toMatchObject({ size: 35, visibleBytes: 0, wastedBytes: 35 });
    // Dive: x/a and x/b seen once; x seen as a 5-byte file, then whited out as a file (0).
    expect(report.dive).toMatchObject({ wastedBytes: 5, efficiency: 30 / 35, inefficientPaths: 1 });
  });

  it('treats a directory over a file as removing the file', () => {
    const report = buildLayerReport(
      [summary([{ path: 'y', size: 7 }]), summary([{ path: 'y', kind: 'd' }, { path: 'y/c', size: 3 }], { index: 1 })],
      {},
    );
    expect(report.layers[1]).toMatchObject({ added: { files: 1, bytes: 3 }, modified: { files: 0 }, removed: { files: 1, bytes: 7 } });
    expect(report.totals).toMatchObject({ visibleFiles: 1, visibleDirs: 1, visibleBytes: 3, wastedBytes: 7 });
    expect(report.dive).toMatchObject({ wastedBytes: 0, efficiency: 1 });
  });

  it('counts a path written twice in one tar as one Dive node (the last entry)', () => {
    const report = buildLayerReport([summary([{ path: 'dup', size: 10 }, { path: 'dup', size: 20 }])], {});
    expect(report.layers[0]).toMatchObject({ size: 30, added: { files: 1, bytes: 10 }, modified: { files: 1, bytes: 20, previousBytes: 10 } });
    expect(report.totals).toMatchObject({ visibleBytes: 20, wastedBytes: 10 });
    expect(report.dive).toMatchObject({ efficiency: 1, wastedBytes: 0, userSizeBytes: 0, userWastedPercent: null });
  });

  it('hides everything below the root for a root opaque marker', () => {
    const report = buildLayerReport(
      [summary([{ path: 'a', size: 1 }, { path: 'd', kind: 'd' }, { path: 'd/b', size: 2 }]), summary([{ path: 'c', size: 4 }], { opaqueDirs: [''], index: 1 })],
      {},
    );
    expect(report.layers[1].removed).toEqual({ files: 2, bytes: 3 });
    expect(report.totals).toMatchObject({ visibleFiles: 1, visibleDirs: 0, visibleBytes: 4, wastedBytes: 3 });
    expect(report.dive).toMatchObject({ efficiency: 1, wastedBytes: 0 });
  });

  it('handles an image without layers', () => {
    const report = buildLayerReport([], { history: [{ created_by: 'x' }] });
    expect(report.layers).toEqual([]);
    expect(report.totals).toMatchObject({ size: 0, visibleBytes: 0, wastedBytes: 0, efficiency: 1, userWastedPercent: null });
    expect(report.dive).toMatchObject({ efficiency: 1, wastedBytes: 0, userWastedPercent: null });
  });
});
