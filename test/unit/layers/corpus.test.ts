import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeEntryPath } from '../../../src/image/paths.js';
import { walkLayerStream } from '../../../src/image/walk-layer.js';
import { buildLayerReport, type LayerReport } from '../../../src/layers/report.js';
import { hasCorpus, repoRoot } from '../../support/paths.js';
import { LIMITS } from './helpers.js';

const corpusDir = path.resolve(repoRoot, '../shared/corpus');
const FILES = ['debian/debian-bookworm-minbase-rootfs.tar.gz', 'debian/debian-bookworm-python-layer.tar.gz'];

interface Listing {
  /** Σ sizes of regular files, by GNU tar's own listing. */
  size: number;
  counts: Record<string, number>;
  /** Non-directory paths. */
  nonDirs: Set<string>;
}

/** An independent view of a layer: GNU tar's verbose listing (type letter, size column) paired with the names. */
function listWithTar(file: string): Listing {
  const run = (flags: string) => execFileSync('tar', [flags, file], { maxBuffer: 256 << 20, encoding: 'utf8' }).split('\n').filter(Boolean);
  const verbose = run('-tvzf');
  const names = run('-tzf');
  expect(verbose).toHaveLength(names.length);
  const listing: Listing = { size: 0, counts: {}, nonDirs: new Set() };
  verbose.forEach((line, i) => {
    const p = normalizeEntryPath(names[i]);
    if (p === '') return; // ./ — the walker skips the root entry too
    const type = line[0];
    listing.counts[type] = (listing.counts[type] ?? 0) + 1;
    if (type === '-') listing.size += Number(line.split(/\s+/)[2]);
    if (type !== 'd') listing.nonDirs.add(p);
  });
  return listing;
}

describe.skipIf(!hasCorpus)(`layer report on the Debian corpus layers as a 2-layer image${hasCorpus ? '' : ' (skipped: ../shared/corpus not found)'}`, () => {
  let report: LayerReport;
  let listings: Listing[];
  let blobSizes: number[];
  beforeAll(async () => {
    const files = FILES.map((f) => path.join(corpusDir, f));
    blobSizes = await Promise.all(files.map(async (f) => (await stat(f)).size));
    const summaries = await Promise.all(
      files.map((f, i) =>
        walkLayerStream(
          createReadStream(f),
          { digest: `sha256:${String(i).repeat(64)}`, diffId: `sha256:${String(i + 2).repeat(64)}`, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: blobSizes[i] },
          { capture: () => false, limits: LIMITS },
        ),
      ),
    );
    report = buildLayerReport(summaries, {
      history: [{ created_by: 'debootstrap --variant=minbase bookworm' }, { created_by: 'ENV X=1', empty_layer: true }, { created_by: 'debootstrap --include=python3-jinja2,…' }],
    });
    listings = files.map(listWithTar);
  }, 120_000);

  it('has per-layer sizes equal to the sum of the tar entry sizes, and the same entry counts', () => {
    report.layers.forEach((layer, i) => {
      const l = listings[i];
      expect(layer.size).toBe(l.size);
      expect(layer.compressedSize).toBe(blobSizes[i]);
      expect(layer.entries).toEqual({
        files: l.counts['-'] ?? 0,
        dirs: l.counts.d ?? 0,
        symlinks: l.counts.l ?? 0,
        hardlinks: l.counts.h ?? 0,
        other: (l.counts.c ?? 0) + (l.counts.b ?? 0) + (l.counts.p ?? 0),
      });
      expect(layer.tarBytes).toBeGreaterThan(layer.size);
    });
    expect(report.layers[0].entries.hardlinks).toBe(2);
    expect(report.layers.map((l) => l.createdBy)).toEqual(['debootstrap --variant=minbase bookworm', 'debootstrap --include=python3-jinja2,…']);
  });

  it('has added / modified / removed counts consistent with the two listings', () => {
    const [base, python] = listings;
    const [l0, l1] = report.layers;
    expect(l0.added.files).toBe(base.nonDirs.size);
    expect(l0.added.bytes).toBe(base.size);
    expect(l0.modified).toEqual({ files: 0, bytes: 0, previousBytes: 0 });
    const overwritten = [...python.nonDirs].filter((p) => base.nonDirs.has(p)).length;
    expect(overwritten).toBeGreaterThan(0); // dpkg status, /etc/group, … are written again
    expect(l1.modified.files).toBe(overwritten);
    expect(l1.added.files).toBe(python.nonDirs.size - overwritten);
    expect(l1.added.bytes + l1.modified.bytes).toBe(python.size);
    expect(l1.removed).toEqual({ files: 0, bytes: 0 }); // no whiteouts in the python layer
    expect(l1.whiteouts + l1.opaqueDirs).toBe(0);

    const t = report.totals;
    expect(t.size).toBe(base.size + python.size);
    expect(t.visibleBytes + t.wastedBytes).toBe(t.size);
    expect(t.wastedBytes).toBe(l1.modified.previousBytes);
    expect(t.visibleFiles).toBe(new Set([...base.nonDirs, ...python.nonDirs]).size);
    // Dive: every overwritten path is seen twice; nothing is deleted, so its waste is what was written twice
    expect(report.dive.inefficientPaths).toBe(overwritten);
    expect(report.dive.wastedBytes).toBe(l1.modified.previousBytes + l1.modified.bytes);
    expect(report.dive.userSizeBytes).toBe(python.size);
  });
});

