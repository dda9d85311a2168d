import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { defaultLimits } from '../../../src/config.js';
import { walkLayerStream } from '../../../src/image/walk-layer.js';
import { tarLayer } from '../../support/image-builder.js';

const meta = { digest: 'sha256:x', diffId: 'sha256:y', mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 0 };
const walk = (bytes: Buffer, capture: (p: string) => boolean = () => false, limits = defaultLimits) =>
  walkLayerStream(Readable.from([bytes]), meta, { capture, limits });

const hasZstd = spawnSync('zstd', ['--version']).status === 0;

describe('walkLayerStream', () => {
  const entries = [
    { path: './etc/', type: 'directory' as const },
    { path: './etc/os-release', content: 'ID=alpine\n' },
    { path: 'usr/bin/tool', content: Buffer.alloc(1234) },
    { path: 'usr/bin/link', type: 'symlink' as const, linkname: 'tool' },
    { path: 'usr/bin/hard', type: 'link' as const, linkname: 'usr/bin/tool' },
    { path: 'var/cache/.wh.old.bin', content: '' },
    { path: 'opt/.wh..wh..opq', content: '' },
    { path: 'opt/new', content: 'n' },
  ];

  it('records entries, whiteouts and opaque dirs, and captures only what matches', async () => {
    const s = await walk(await tarLayer(entries), (p) => p === 'etc/os-release');
    expect([...s.files.paths]).toEqual(['etc', 'etc/os-release', 'usr/bin/tool', 'usr/bin/link', 'usr/bin/hard', 'opt/new']);
    expect(s.files.kinds).toBe('dfflhf');
    expect([...s.files.sizes]).toEqual([0, 10, 1234, 0, 0, 1]);
    expect(s.whiteouts).toEqual(['var/cache/old.bin']);
    expect(s.opaqueDirs).toEqual(['opt']);
    expect(s.captured.map((c) => [c.path, c.content.toString()])).toEqual([['etc/os-release', 'ID=alpine\n']]);
    expect(s.compression).toBe('gzip');
    expect(s.tarBytes).toBe(gunzipSync(await tarLayer(entries)).length);
  });

  it('reads uncompressed and zstd layers by their magic bytes, whatever the media type says', async () => {
    const tar = gunzipSync(await tarLayer(entries));
    const plain = await walk(tar);
    expect(plain.compression).toBe('none');
    expect(plain.files.paths).toHaveLength(6);
    if (hasZstd) {
      const zst = spawnSync('zstd', ['-c', '-q'], { input: tar }).stdout;
      const z = await walk(zst);
      expect(z.compression).toBe('zstd');
      expect(z.files.paths).toEqual(plain.files.paths);
    }
  });

  it('does not capture a file over the per-file limit, and says so', async () => {
    const s = await walk(await tarLayer([{ path: 'lib/apk/db/installed', content: Buffer.alloc(5000) }]), () => true, { ...defaultLimits, maxFileBytes: 100 });
    expect(s.captured).toHaveLength(0);
    expect(s.shadowed).toEqual(['lib/apk/db/installed']);
    expect(s.warnings[0]).toMatch(/over the per-file limit/);
  });

  it('stops at the decompressed-bytes limit', async () => {
    await expect(walk(await tarLayer([{ path: 'big', content: Buffer.alloc(200_000) }]), () => false, { ...defaultLimits, maxUncompressedBytes: 50_000 })).rejects.toMatchObject({ code: 'TOO_LARGE' });
  });

  it('fails cleanly on a truncated gzip stream and on bytes that are not a tar', async () => {
    const gz = await tarLayer([{ path: 'a', content: Buffer.alloc(100_000, 1) }, { path: 'b', content: 'x' }]);
    await expect(walk(gz.subarray(0, gz.length - 30))).rejects.toMatchObject({ code: 'LAYER_INVALID' });
    await expect(walk(Buffer.from('this is not a tar archive at all, not even close'.repeat(20)))).rejects.toMatchObject({ code: 'LAYER_INVALID' });
  });

  it('accepts an empty layer', async () => {
    const s = await walk(Buffer.alloc(0));
    expect([...s.files.paths]).toEqual([]);
    expect(s.files.sizes).toHaveLength(0);
  });
});
