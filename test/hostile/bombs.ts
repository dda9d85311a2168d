/**
 * Hostile layers, made generatively (streams of zeros through a real compressor, tar headers from tar-stream): never
 * committed blobs. A bomb's compressed bytes are small (~1/1000 of what it inflates to), so they are held in memory.
 */
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

/** gzip of a tar holding one file of `bytes` zeros: inflates to just over `bytes`. */
export async function gzipBomb(bytes: number): Promise<Buffer> {
  const p = pack();
  const entry = p.entry({ name: 'zeros', size: bytes, mode: 0o644 });
  const chunk = Buffer.alloc(1024 * 1024);
  const chunks: Buffer[] = [];
  const gzip = createGzip({ level: 9 });
  gzip.on('data', (c: Buffer) => chunks.push(c));
  const done = pipeline(p, gzip);
  for (let left = bytes; left > 0; left -= chunk.length) {
    const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
    if (!entry.write(piece)) await new Promise<void>((r) => entry.once('drain', () => r()));
  }
  (entry as unknown as { end(): void }).end();
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** gzip of `count` tiny tar entries, streamed: the 1 000 000-entry case. */
export async function manyEntries(count: number): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const gzip = createGzip({ level: 1 });
  gzip.on('data', (c: Buffer) => chunks.push(c));
  const done = pipeline(p, gzip);
  for (let i = 0; i < count; i++) {
    const dir = `d${Math.floor(i / 1000)}`;
    await new Promise<void>((resolve, reject) => p.entry({ name: `${dir}/f${i}`, size: 0, mode: 0o644 }, '', (e) => (e ? reject(e) : resolve())));
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Random bytes, gzip'd: decompresses fine, is not a tar. */
export function notATar(bytes = 64 * 1024): Buffer {
  const data = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) data[i] = (i * 2654435761) >>> 24;
  return gzipSync(data);
}

