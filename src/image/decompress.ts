/**
 * Layer decompression chosen by the blob's first bytes, not only by its media type (tools mislabel layers): gzip
 * through Intel ISA-L when its optional binding is built (isal-gunzip.ts: about twice zlib's speed), else zlib with a
 * 128 KiB chunk size (the 16 KiB default costs 1.7× on this machine); zstd through zstd-napi when it is installed,
 * else through the `zstd` CLI; uncompressed tar as is.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { Duplex, PassThrough, pipeline, type Readable, type Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { LayerlensError } from '../errors.js';
import { IsalGunzip, isalBinding } from './isal-gunzip.js';
import type { Compression } from '../registry/media-types.js';

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

export function sniffCompression(head: Buffer): Compression {
  if (startsWith(head, GZIP_MAGIC)) return 'gzip';
  if (startsWith(head, ZSTD_MAGIC)) return 'zstd';
  return 'none';
}

function startsWith(buf: Buffer, magic: number[]): boolean {
  return buf.length >= magic.length && magic.every((b, i) => buf[i] === b);
}

export interface DecompressOptions {
  /** Which gzip decoder: ISA-L when its binding loads (`auto`), or one of them by force (tests, diagnosis). */
  gzip?: 'auto' | 'isal' | 'zlib';
  /** Which zstd decoder: the native module when it loads (`auto`), or one of them by force (tests, diagnosis). */
  zstd?: 'auto' | 'napi' | 'cli';
  /** The zstd program for the CLI decoder. */
  zstdCommand?: string;
}

/** Returns the decompressed stream and which compression was found. Errors of either side surface on the output. */
export async function decompress(input: Readable, options: DecompressOptions = {}): Promise<{ stream: Readable; compression: Compression }> {
  const head = await peek(input, 4);
  const compression = sniffCompression(head);
  if (compression === 'none') return { stream: input, compression };
  const decoder = compression === 'gzip' ? gzipDecoder(options) : zstdDecoder(options);
  // pipeline destroys `out` with the decoder's raw error; _destroy is where it gets its LAYER_INVALID code.
  const out = new PassThrough({
    highWaterMark: 128 * 1024,
    destroy(err, cb) {
      cb(err && asLayerError(err, compression));
    },
  });
  pipeline(input, decoder, out, () => undefined);
  return { stream: out, compression };
}

function asLayerError(err: Error, compression: Compression): Error {
  if (err instanceof LayerlensError) return err;
  return new LayerlensError('LAYER_INVALID', `${compression} stream is corrupt or truncated: ${err.message}`, { cause: err, retryable: false });
}

/** Reads at least `n` bytes (or to the end) and puts them back, so the stream can be consumed from the start. */
async function peek(stream: Readable, n: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  while (total < n) {
    const chunk = stream.read() as Buffer | null;
    if (chunk) {
      chunks.push(chunk);
      total += chunk.length;
      continue;
    }
    if (stream.readableEnded || stream.destroyed) break;
    const ended = await new Promise<boolean>((resolve, reject) => {
      const done = () => {
        stream.off('readable', onReadable);
        stream.off('end', onEnd);
        stream.off('error', onError);
      };
      const onReadable = () => (done(), resolve(false));
      const onEnd = () => (done(), resolve(true));
      const onError = (e: Error) => (done(), reject(e));
      stream.once('readable', onReadable);
      stream.once('end', onEnd);
      stream.once('error', onError);
    });
    if (ended) break;
  }
  const head = Buffer.concat(chunks);
  if (head.length) stream.unshift(head);
  return head;
}

function gzipDecoder(options: DecompressOptions): Transform {
  const mode = options.gzip ?? 'auto';
  if (mode !== 'zlib' && isalBinding()) return new IsalGunzip({ chunkSize: 128 * 1024 });
  if (mode === 'isal') {
    throw new LayerlensError('LAYER_INVALID', 'cannot decompress gzip with ISA-L: the layerlens-isal-inflate binding is not built (libisal-dev)', { retryable: false });
  }
  return createGunzip({ chunkSize: 128 * 1024 });
}

type ZstdModule = { DecompressStream: new () => Transform };
let zstdNapi: ZstdModule | null | undefined;

function zstdDecoder(options: DecompressOptions): Duplex {
  const mode = options.zstd ?? 'auto';
  if (mode === 'cli') return zstdCli(options.zstdCommand);
  if (zstdNapi === undefined) {
    try {
      zstdNapi = createRequire(import.meta.url)('zstd-napi') as ZstdModule;
    } catch {
      zstdNapi = null;
    }
  }
  if (zstdNapi) return new zstdNapi.DecompressStream();
  if (mode === 'napi') {
    throw new LayerlensError('LAYER_INVALID', 'cannot decompress zstd: the zstd-napi module is not installed', { retryable: false });
  }
  return zstdCli(options.zstdCommand);
}

/** `zstd -dc` as a duplex stream, for machines where the native module did not build. */
function zstdCli(command = 'zstd'): Duplex {
  const child = spawn(command, ['-dc', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 2000) stderr += d.toString();
  });
  // The output ends only once zstd exited 0: its stdout closes before the exit code is known, and a corrupt frame
  // must not look like a clean, short layer.
  const output = new PassThrough({ highWaterMark: 256 * 1024 });
  child.stdout.pipe(output, { end: false });
  const duplex = Duplex.from({ writable: child.stdin, readable: output });
  child.stdin.on('error', () => undefined); // EPIPE when zstd quits early; the exit code tells why
  child.on('error', (e) =>
    duplex.destroy(new LayerlensError('LAYER_INVALID', `cannot decompress zstd: neither zstd-napi nor the zstd CLI is available (${e.message})`, { retryable: false })),
  );
  child.on('close', (code, signal) => {
    if (code === 0) output.end();
    else if (!duplex.destroyed) duplex.destroy(new Error(`zstd ${signal ? `was killed (${signal})` : `exited with ${code}`}: ${stderr.trim()}`));
  });
  return duplex;
}
