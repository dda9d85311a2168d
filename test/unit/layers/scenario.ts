/** The layered test image shared by the report, table and CI-gate tests. */
import type { LayerSummary } from '../../../src/image/layer-summary.js';
import type { ImageConfig } from '../../../src/registry/manifest.js';
import type { TarEntry } from '../../support/image-builder.js';
import { dir, file, hardlink, opaqueMarker, symlink, walkEntries, whiteout } from './helpers.js';

/**
 * A four-layer image with every case the report distinguishes:
 * 0 base: files, a directory to be deleted (cache), a directory to be made opaque (opt/lib), a hard-linked binary
 *   (usr/bin/perl5 → usr/bin/perl) and a symlink;
 * 1: overwrites etc/config, adds tmp/download.tgz;
 * 2: deletes tmp/download.tgz (added then deleted), whites out the cache directory, makes opt/lib opaque with one
 *   entry before the marker and one after it (old2 is provided again, old1 is hidden), deletes usr/bin/perl
 *   (still reachable through its hard link);
 * 3: overwrites app/big.bin, adds an empty file, deletes the hard link (now perl's bytes are gone).
 */
export const LAYERS: TarEntry[][] = [
  [
    dir('etc'),
    file('etc/config', 100),
    dir('app'),
    file('app/big.bin', 1000),
    file('app/keep.txt', 10),
    dir('cache'),
    file('cache/a', 200),
    file('cache/b', 300),
    dir('opt'),
    dir('opt/lib'),
    file('opt/lib/old1', 400),
    file('opt/lib/old2', 500),
    dir('usr'),
    dir('usr/bin'),
    file('usr/bin/perl', 2000),
    hardlink('usr/bin/perl5', 'usr/bin/perl'),
    symlink('usr/bin/p', 'perl'),
  ],
  [dir('etc'), file('etc/config', 150), dir('tmp'), file('tmp/download.tgz', 5000)],
  [
    whiteout('tmp/download.tgz'),
    whiteout('cache'),
    dir('opt/lib'),
    file('opt/lib/new', 50),
    opaqueMarker('opt/lib'),
    file('opt/lib/old2', 60),
    whiteout('usr/bin/perl'),
  ],
  [file('app/big.bin', 1200), whiteout('usr/bin/perl5'), file('app/extra', 0)],
];

export const CONFIG: ImageConfig = {
  history: [
    { created: '2024-01-01T00:00:00Z', created_by: '/bin/sh -c #(nop) ADD file:0123abcd in / ' },
    { created: '2024-01-01T00:00:01Z', created_by: '/bin/sh -c #(nop)  CMD ["bash"]', empty_layer: true },
    {
      created: '2024-01-02T00:00:00Z',
      created_by: 'RUN /bin/sh -c echo 150 > /etc/config && curl -o /tmp/download.tgz https://example.com/x # buildkit',
      comment: 'buildkit.dockerfile.v0',
    },
    { created: '2024-01-02T00:00:01Z', created_by: 'ENV A=1', empty_layer: true },
    { created: '2024-01-03T00:00:00Z', created_by: '/bin/sh -c rm -rf /tmp/download.tgz /cache /usr/bin/perl' },
    // history shorter than the layers: layer 3 has no entry
  ],
};

export async function scenario(): Promise<{ summaries: LayerSummary[]; blobSizes: number[] }> {
  const walked = await Promise.all(LAYERS.map((entries, i) => walkEntries(entries, i)));
  return { summaries: walked.map((w) => w.summary), blobSizes: walked.map((w) => w.blobSize) };
}
