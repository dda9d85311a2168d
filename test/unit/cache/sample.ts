/** A LayerSummary with every feature the cache must keep: links, bodies (binary, empty), whiteouts, big sizes. */
import type { LayerSummary } from '../../../src/image/layer-summary.js';

export function sampleSummary(digest = `sha256:${'a'.repeat(64)}`): LayerSummary {
  return {
    digest,
    diffId: `sha256:${'b'.repeat(64)}`,
    mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    compressedSize: 1234,
    tarBytes: 10_240,
    compression: 'gzip',
    files: {
      paths: ['usr', 'usr/bin', 'usr/bin/perl', 'usr/bin/perl5.36.0', 'var/lib/dpkg/status', 'ünïcode/файл', 'big'],
      sizes: [0, 0, 3_500_000, 0, 42, 7, 2 ** 40 + 3],
      kinds: 'ddfhffo',
      links: ['usr/bin/perl'],
    },
    whiteouts: ['etc/old'],
    opaqueDirs: ['opt/lib', ''],
    captured: [
      { path: 'var/lib/dpkg/status', content: Buffer.from('Package: perl\nStatus: install ok installed\n') },
      { path: 'bin.dat', content: Buffer.from([0, 255, 0, 1, 2, 0]) },
      { path: 'empty', content: Buffer.alloc(0) },
    ],
    shadowed: ['lib/apk/db/installed'],
    warnings: ['something odd'],
  };
}
