import { describe, expect, it } from 'vitest';
import { buildLayerReport } from '../../../src/layers/report.js';
import { summary } from './helpers.js';

/** The cases of Dive's own dive/filetree/efficiency_test.go, as layer summaries. */
describe("Dive's efficiency test cases", () => {
  it('TestEfficency: overwritten nginx.conf, whited-out nginx dir (implicit in Dive, so 0) → 0.75', () => {
    const report = buildLayerReport(
      [
        summary([{ path: 'etc/nginx/nginx.conf', size: 2000 }, { path: 'etc/nginx/public', size: 3000 }]),
        summary([{ path: 'etc/nginx/nginx.conf', size: 5000 }, { path: 'etc/athing', size: 10000 }], { index: 1 }),
        summary([], { whiteouts: ['etc/nginx'], index: 2 }),
      ],
      {},
    );
    expect(report.dive.efficiency).toBe(0.75);
    expect(report.dive.inefficiencies).toEqual([{ path: 'etc/nginx/nginx.conf', count: 2, cumulativeSize: 7000 }]);
    expect(report.dive.wastedBytes).toBe(7000);
    expect(report.dive.userWastedPercent).toBe(7000 / 15000);
  });

  it('charges a whiteout of an explicit directory with its content in the lower stack', () => {
    const report = buildLayerReport(
      [
        summary([{ path: 'etc', kind: 'd' }, { path: 'etc/nginx', kind: 'd' }, { path: 'etc/nginx/nginx.conf', size: 2000 }, { path: 'etc/nginx/public', size: 3000 }]),
        summary([{ path: 'etc/nginx/nginx.conf', size: 5000 }, { path: 'etc/athing', size: 10000 }], { index: 1 }),
        summary([], { whiteouts: ['etc/nginx'], index: 2 }),
      ],
      {},
    );
    // the whiteout node etc/nginx is visited once with 5000 + 3000: it raises both sums, so no waste is seen for it
    expect(report.dive.efficiency).toBe((2000 + 3000 + 10000 + 8000) / (20000 + 8000));
    expect(report.dive.wastedBytes).toBe(7000);
    // the exact figures count the deleted directory
    expect(report.totals.wastedBytes).toBe(2000 + 5000 + 3000);
  });

  it('TestEfficency_ScratchImage: a lone empty file → 1.0 and no inefficiencies', () => {
    const report = buildLayerReport([summary([{ path: 'nothing', size: 0 }]), summary([], { index: 1 }), summary([], { index: 2 })], {});
    expect(report.dive.efficiency).toBe(1);
    expect(report.dive.inefficiencies).toEqual([]);
  });

  it('ignores opaque directories, as Dive does, while the exact totals count them', () => {
    const report = buildLayerReport(
      [
        summary([{ path: 'd', kind: 'd' }, { path: 'd/old', size: 100 }]),
        summary([{ path: 'd', kind: 'd' }, { path: 'd/new', size: 10 }], { opaqueDirs: ['d'], index: 1 }),
        // Dive still sees d/old in its stack: deleting d charges it
        summary([], { whiteouts: ['d'], index: 2 }),
      ],
      {},
    );
    expect(report.layers[1].removed).toEqual({ files: 1, bytes: 100 });
    expect(report.layers[2].removed).toEqual({ files: 1, bytes: 10 });
    expect(report.totals.wastedBytes).toBe(110);
    // Dive: d/old 100 and d/new 10 seen once; d visited in layer 2 with 110 (seen once: d was never a leaf)
    expect(report.dive).toMatchObject({ efficiency: 1, wastedBytes: 0 });
  });

  it('visits a directory created only by an opaque marker as an empty leaf', () => {
    const report = buildLayerReport(
      [summary([{ path: 'd', kind: 'd' }]), summary([], { opaqueDirs: ['d'], index: 1 })],
      {},
    );
    expect(report.dive).toMatchObject({ inefficientPaths: 1, inefficiencies: [{ path: 'd', count: 2, cumulativeSize: 0 }] });
  });
});
