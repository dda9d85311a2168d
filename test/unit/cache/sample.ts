/** A LayerSummary with every feature the cache must keep: links, bodies (binary, empty), whiteouts, big sizes. */
import { expect } from 'vitest';
import type { LayerSummary } from '../../../src/image/layer-summary.js';
import { PathList } from '../../../src/image/path-list.js';

// toEqual on two PathLists: the same paths (bytes and offsets, however chunked), at native speed (the generic deep
// equality walks a typed array element by element, seconds for a large list). Registered by importing this module.
// Same for the Float64Array of sizes.
const bytesOf = (v: ArrayBufferView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
expect.addEqualityTesters([
  function pathListsEqual(a: unknown, b: unknown): boolean | undefined {
    if (!(a instanceof PathList) || !(b instanceof PathList)) return undefined;
    return a.concat().equals(b.concat()) && bytesOf(a.offsets).equals(bytesOf(b.offsets));
  },
  function float64ArraysEqual(a: unknown, b: unknown): boolean | undefined {
    if (!(a instanceof Float64Array) || !(b instanceof Float64Array)) return undefined;
    return bytesOf(a).equals(bytesOf(b));
  },
]);

export function sampleSummary(digest = `sha256:${'a'.repeat(64)}`): LayerSummary {
  return {
    digest,
    diffId: `sha256:${'b'.repeat(64)}`,
    mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    compressedSize: 1234,
    tarBytes: 10_240,
    compression: 'gzip',
    files: {
      paths: PathList.from(['usr', 'usr/bin', 'usr/bin/perl', 'usr/bin/perl5.36.0', 'var/lib/dpkg/status', 'ünïcode/файл', 'big']),
      sizes: Float64Array.from([0, 0, 3_500_000, 0, 42, 7, 2 ** 40 + 3]),
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
