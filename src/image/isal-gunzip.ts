/**
 * gzip decompression through Intel ISA-L (the optional native package `layerlens-isal-inflate`, built against
 * Debian's libisal): about twice zlib's speed on layer data, and inflate is most of what a large layer costs. The
 * inflate itself runs on the libuv thread pool, 1 MiB of output per call, pushed downstream as 128 KiB chunks; while
 * it works on the next call, the main thread walks the tar of the previous one. Output follows back-pressure: at most
 * one inflate call runs past the readable high-water mark (two calls' output), so a gzip bomb cannot pile up
 * decompressed bytes in memory.
 *
 * Semantics follow zlib's gunzip: CRC-32 and length trailers are checked (by ISA-L), concatenated members are
 * decoded in turn, zero padding after a member is skipped, other bytes there must be a gzip member, and input that
 * ends inside a member is an error.
 */
import { createRequire } from 'node:module';
import { Transform, type TransformCallback } from 'node:stream';

interface IsalBinding {
  create(): object;
  reset(handle: object): void;
  inflate(handle: object, input: Uint8Array, output: Uint8Array, callback: (error: string | null, consumed: number, produced: number, finished: boolean) => void): void;
}

let binding: IsalBinding | null | undefined;

/** The native binding, or null when it is not installed or did not build (no libisal-dev): callers use zlib. */
export function isalBinding(): IsalBinding | null {
  if (binding === undefined) {
    try {
      binding = createRequire(import.meta.url)('layerlens-isal-inflate') as IsalBinding;
    } catch {
      binding = null;
    }
  }
  return binding;
}

const EMPTY = Buffer.alloc(0);

interface Step {
  consumed: number;
  produced: number;
  finished: boolean;
}

export class IsalGunzip extends Transform {
  private readonly native: IsalBinding;
  private readonly handle: object;
  private readonly chunkSize: number;
  private readonly callBytes: number;
  private readonly inputBatch: number;
  /** Input held back until there is `inputBatch` of it: each native call costs ~20 µs, and sockets deliver 64 KiB. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** The current member ended: zero padding or the next member follows. */
  private memberDone = false;
  private wakeOnRead: (() => void) | undefined;
  /**
   * `_read` was called since the last push: the consumer wants more. Readable calls `_read` once and then not again
   * until something is pushed, so a call that came while no one waited must not be lost.
   */
  private readWanted = false;

  /**
   * `chunkSize`: bytes per pushed chunk; `callBytes`: output bytes per native call (a multiple of `chunkSize`);
   * `inputBatch`: input bytes per native call.
   */
  constructor(options: { chunkSize?: number; callBytes?: number; inputBatch?: number } = {}) {
    const native = isalBinding();
    if (!native) throw new Error('the ISA-L inflate binding is not installed');
    const chunkSize = options.chunkSize ?? 128 * 1024;
    // Each native call is two thread hand-offs (main → pool → main), ~50–100 µs on a VM: at 128 KiB per call that
    // idled the inflate thread for a fifth of a 1 GiB layer. 1 MiB per call (pushed in `chunkSize` slices) keeps it busy.
    const callBytes = Math.max(chunkSize, Math.ceil((options.callBytes ?? 1024 * 1024) / chunkSize) * chunkSize);
    super({ readableHighWaterMark: 2 * callBytes, writableHighWaterMark: 128 * 1024 });
    this.native = native;
    this.handle = native.create();
    this.chunkSize = chunkSize;
    this.callBytes = callBytes;
    // Enough input for a call to fill its output at layer-typical ratios (~0.3–0.6), so calls rarely stop short.
    this.inputBatch = options.inputBatch ?? callBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes < this.inputBatch) {
      callback();
      return;
    }
    this.feed(this.takePending(), false).then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    this.feed(this.takePending(), true).then(() => callback(), callback);
  }

  private takePending(): Buffer {
    const input = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    return input;
  }

  override _read(size: number): void {
    const wake = this.wakeOnRead;
    this.wakeOnRead = undefined;
    if (wake) wake();
    else this.readWanted = true;
    super._read(size);
  }

  private async feed(chunk: Buffer, final: boolean): Promise<void> {
    let input = chunk;
    let running: Promise<Step> | undefined;
    let output = EMPTY;
    for (;;) {
      if (!running) {
        if (this.memberDone) {
          input = this.afterMember(input);
          if (this.memberDone) return; // padding to the end of this chunk
        }
        // With no input left the decoder may still hold output (its buffer was full last time); at the end of the
        // stream, one more call tells whether the member is complete.
        if (input.length === 0 && !final) return;
        if (this.readableLength >= this.readableHighWaterMark && !this.readWanted) await this.readRequested();
        output = Buffer.allocUnsafe(this.callBytes);
        running = this.inflate(input, output);
      }
      const step = await running;
      running = undefined;
      input = input.subarray(step.consumed);
      const needsInput = !step.finished && step.produced < output.length && input.length === 0;
      if (needsInput && final) throw new Error('unexpected end of file');
      const produced = output.subarray(0, step.produced);
      // The next call starts before this output goes downstream, so that inflating overlaps the tar walk.
      if (!needsInput && !step.finished && this.readableLength < this.readableHighWaterMark) {
        output = Buffer.allocUnsafe(this.callBytes);
        running = this.inflate(input, output);
      }
      if (produced.length > 0) {
        this.readWanted = false;
        for (let at = 0; at < produced.length; at += this.chunkSize) this.push(produced.subarray(at, at + this.chunkSize));
      }
      if (step.finished) this.memberDone = true;
      if (needsInput) return;
    }
  }

  /**
   * After a member, like zlib's gunzip: zero bytes are padding and skipped, anything else starts the next member
   * (the decoder is reset, and a byte that is not a gzip header fails there).
   */
  private afterMember(input: Buffer): Buffer {
    let at = 0;
    while (at < input.length && input[at] === 0) at++;
    if (at === input.length) return EMPTY;
    this.native.reset(this.handle);
    this.memberDone = false;
    return input.subarray(at);
  }

  private inflate(input: Buffer, output: Buffer): Promise<Step> {
    return new Promise((resolve, reject) => {
      this.native.inflate(this.handle, input, output, (error, consumed, produced, finished) => {
        if (error) reject(new Error(error));
        else resolve({ consumed, produced, finished });
      });
    });
  }

  private readRequested(): Promise<void> {
    if (this.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      this.wakeOnRead = resolve;
    });
  }
}
