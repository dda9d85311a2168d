/**
 * A blob download that survives a connection breaking mid-way: when the body errors with a retryable failure (reset,
 * stall time-out) or ends short of the descriptor's size, the blob is requested again from the byte reached
 * (`Range: bytes=N-`) and the stream carries on, a bounded number of times. A server that ignores Range answers 200
 * with the whole blob; the bytes already delivered are then skipped. Digest and size are verified over the whole
 * stream afterwards, so a resumed blob is exactly as trustworthy as one read in one go.
 */
import { Readable } from 'node:stream';
import { LayerlensError } from '../errors.js';

export interface BlobPart {
  body: Readable;
  /** Offset of the body's first byte in the blob (0 for a 200, the Content-Range start for a 206). */
  start: number;
}

export function resumableBlob(
  open: (offset: number) => Promise<BlobPart>,
  size: number,
  step: string,
  options: { maxResumes: number; signal?: AbortSignal; onResume?: (offset: number, cause: LayerlensError) => void },
): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    let pos = 0;
    for (let resumes = 0; ; resumes++) {
      let cause: LayerlensError;
      const part = await open(pos);
      if (part.start > pos) {
        part.body.destroy();
        throw new LayerlensError('REGISTRY_ERROR', `the registry resumed the blob at byte ${part.start}, not ${pos}`, { step, retryable: true });
      }
      let skip = pos - part.start;
      try {
        for await (const raw of part.body) {
          let chunk = raw as Buffer;
          if (skip > 0) {
            const n = Math.min(skip, chunk.length);
            skip -= n;
            chunk = chunk.subarray(n);
            if (chunk.length === 0) continue;
          }
          pos += chunk.length;
          yield chunk;
        }
        // Past the declared size or complete: the verifier downstream has the last word.
        if (pos >= size) return;
        cause = new LayerlensError('SIZE_MISMATCH', `the blob ended after ${pos} of ${size} bytes`, { step, retryable: true });
      } catch (e) {
        part.body.destroy();
        if (!(e instanceof LayerlensError) || !e.retryable || options.signal?.aborted) throw e;
        cause = e;
      }
      if (resumes >= options.maxResumes) throw cause;
      options.onResume?.(pos, cause);
    }
  }
  return Readable.from(chunks(), { objectMode: false, highWaterMark: 128 * 1024 });
}

/** `bytes 100-999/1000` → 100; undefined when absent or unreadable. */
export function contentRangeStart(header: string | null): number | undefined {
  const m = header ? /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(header.trim()) : null;
  return m ? Number(m[1]) : undefined;
}
