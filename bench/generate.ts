/**
 * Deterministic large layers for the bench, generated streaming (tar → gzip → file, hashing both sides on the way)
 * so that nothing of a 1 GiB layer is ever held in memory. Written once into the bench cache directory with their
 * digests beside them; later runs reuse them when the generator version and the file size still match.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack, type Pack } from 'tar-stream';

/** Bump when a generator's output changes, so cached files are rebuilt. */
const GENERATOR_VERSION = 1;

export interface GeneratedLayer {
  file: string;
  digest: string;
  diffId: string;
  size: number;
  /** Bytes of the uncompressed tar. */
  tarBytes: number;
  entries: number;
}

type Writer = (p: Pack) => Promise<number>;

/** One big layer: `parts` files of `partBytes` pseudo-random bytes with about 4 bits of entropy each (gzip ≈ 0.55). */
export function bigFilesLayer(parts: number, partBytes: number): Writer {
  return async (p) => {
    await entry(p, { name: 'opt/', type: 'directory' });
    await entry(p, { name: 'opt/blob/', type: 'directory' });
    for (let i = 0; i < parts; i++) {
      const sink = p.entry({ name: `opt/blob/part-${i}.bin`, size: partBytes, mode: 0o644, mtime: new Date(0) });
      await pipeline(pseudoRandom(partBytes, i), sink);
    }
    return parts + 2;
  };
}

/** `dirs` × `perDir` small files (0–300 bytes, deterministic content) under srv/data. */
export function manyFilesLayer(dirs: number, perDir: number): Writer {
  return async (p) => {
    let n = 0;
    await entry(p, { name: 'srv/', type: 'directory' });
    await entry(p, { name: 'srv/data/', type: 'directory' });
    const filler = Buffer.alloc(301, 'layerlens bench small file content. ');
    for (let d = 0; d < dirs; d++) {
      const dir = `srv/data/d${String(d).padStart(4, '0')}`;
      await entry(p, { name: `${dir}/`, type: 'directory' });
      for (let f = 0; f < perDir; f++) {
        const size = (n * 7919) % 301;
        await entry(p, { name: `${dir}/file-${String(f).padStart(5, '0')}.txt`, size, mode: 0o644 }, filler.subarray(0, size));
        n++;
      }
    }
    return n + dirs + 2;
  };
}

/**
 * A compiler toolchain's shape (~10 000 files, ~490 MB of tar): thousands of headers and small sources, a thousand
 * object files and archive members, a couple of hundred shared libraries and a few very large binaries (cc1, lto1…),
 * in ~300 directories. Sizes are drawn deterministically per class; contents are pseudo-random with 3 bits of entropy
 * a byte, so gzip keeps ~40 % (a real toolchain layer: 252 MB compressed of 656 MB with its Debian base).
 */
export function toolchainLayer(): Writer {
  // [count, min bytes, max bytes, directory stem, extension]; sizes spread log-uniformly between min and max.
  const classes: [number, number, number, string, string][] = [
    [6000, 512, 40_000, 'usr/include/c++/13/bits', '.h'],
    [2600, 100, 6_000, 'usr/lib/gcc/x86_64-linux-gnu/13/plugin/include', '.def'],
    [1000, 20_000, 400_000, 'usr/lib/x86_64-linux-gnu/objects', '.o'],
    [180, 200_000, 3_000_000, 'usr/lib/x86_64-linux-gnu', '.so'],
    [16, 1_000_000, 6_000_000, 'usr/bin', ''],
    [4, 12_000_000, 24_000_000, 'usr/libexec/gcc/x86_64-linux-gnu/13', ''],
  ];
  return async (p) => {
    let n = 0;
    const made = new Set<string>();
    const mkdirs = async (dir: string) => {
      const parts = dir.split('/');
      for (let i = 1; i <= parts.length; i++) {
        const d = parts.slice(0, i).join('/');
        if (made.has(d)) continue;
        made.add(d);
        await entry(p, { name: `${d}/`, type: 'directory' });
        n++;
      }
    };
    let seed = 1;
    for (const [count, min, max, stem, ext] of classes) {
      for (let i = 0; i < count; i++) {
        const dir = count > 200 ? `${stem}/g${String(i % 48).padStart(2, '0')}` : stem;
        await mkdirs(dir);
        const u = ((i * 2654435761) % 4294967296) / 4294967296; // Knuth's multiplicative hash: deterministic spread
        const size = Math.round(min * (max / min) ** u);
        const sink = p.entry({ name: `${dir}/f${String(i).padStart(5, '0')}${ext}`, size, mode: 0o644, mtime: new Date(0) });
        await pipeline(pseudoRandom(size, seed++, 0x07), sink);
        n++;
      }
    }
    return n;
  };
}

function entry(p: Pack, header: { name: string; type?: 'directory' | 'file'; size?: number; mode?: number }, body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error | null) => (err ? reject(err) : resolve());
    const full = { mode: 0o755, mtime: new Date(0), uid: 0, gid: 0, ...header };
    if (header.type === 'directory') p.entry(full, done);
    else p.entry(full, body ?? Buffer.alloc(0), done);
  });
}

/** AES-CTR keystream (fast, deterministic per seed), folded to mask + 1 letters per byte (16 by default): compressible, but not trivially. */
function pseudoRandom(total: number, seed: number, mask = 0x0f): Readable {
  const key = createHash('sha256').update(`layerlens-bench-${seed}`).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(1 << 20);
  let left = total;
  return new Readable({
    highWaterMark: 1 << 20,
    read() {
      if (left === 0) return void this.push(null);
      const n = Math.min(left, zeros.length);
      const out = cipher.update(zeros.subarray(0, n));
      for (let i = 0; i < n; i++) out[i] = 0x61 + (out[i] & mask);
      left -= n;
      this.push(out);
    },
  });
}

/** Generates (or reuses) `name` in `dir`. */
export async function generateLayer(dir: string, name: string, write: Writer, log: (m: string) => void): Promise<GeneratedLayer> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${name}.tar.gz`);
  const metaFile = join(dir, `${name}.json`);
  if (existsSync(metaFile) && existsSync(file)) {
    const meta = JSON.parse(await readFile(metaFile, 'utf8')) as GeneratedLayer & { generator: number };
    if (meta.generator === GENERATOR_VERSION && (await stat(file)).size === meta.size) return { ...meta, file };
  }
  log(`generating ${name} (once; cached in ${dir})`);
  const inner = createHash('sha256');
  const outer = createHash('sha256');
  let tarBytes = 0;
  let size = 0;
  const tap = (hash: ReturnType<typeof createHash>, count: (n: number) => void) =>
    new Transform({
      transform(chunk: Buffer, _e, cb) {
        hash.update(chunk);
        count(chunk.length);
        cb(null, chunk);
      },
    });
  const p = pack();
  const tmp = `${file}.tmp`;
  const done = pipeline(
    p,
    tap(inner, (n) => (tarBytes += n)),
    createGzip({ level: 1, chunkSize: 128 * 1024 }),
    tap(outer, (n) => (size += n)),
    createWriteStream(tmp),
  );
  const entries = await write(p);
  p.finalize();
  await done;
  await rename(tmp, file);
  const meta = { digest: `sha256:${outer.digest('hex')}`, diffId: `sha256:${inner.digest('hex')}`, size, tarBytes, entries };
  await writeFile(metaFile, JSON.stringify({ ...meta, generator: GENERATOR_VERSION }));
  return { ...meta, file };
}
