/**
 * Content addressing enforced while streaming: a blob whose bytes do not hash to its descriptor's digest, or whose
 * length differs from the descriptor's size, ends in an error instead of a clean end — so nothing downstream can
 * mistake a corrupted or truncated blob for a complete one.
 */
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { LayerlensError } from '../errors.js';

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function verifyingStream(expectedDigest: string, expectedSize: number | undefined, step: string): Transform {
  const hash = createHash('sha256');
  let seen = 0;
  return new Transform({
    // 128 KiB out: enough to keep the socket busy while the decompressor works (the registry client hands this
    // stream out as the blob); a layer in flight holds little.
    readableHighWaterMark: 128 * 1024,
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      if (expectedSize !== undefined && seen > expectedSize) {
        cb(new LayerlensError('SIZE_MISMATCH', `blob ${expectedDigest} is longer than its declared ${expectedSize} bytes`, { step, retryable: false }));
        return;
      }
      hash.update(chunk);
      cb(null, chunk);
    },
    flush(cb) {
      if (expectedSize !== undefined && seen !== expectedSize) {
        cb(new LayerlensError('SIZE_MISMATCH', `blob ${expectedDigest} ended after ${seen} of ${expectedSize} bytes`, { step, retryable: true }));
        return;
      }
      const actual = `sha256:${hash.digest('hex')}`;
      if (actual !== expectedDigest) {
        cb(new LayerlensError('DIGEST_MISMATCH', `blob content hashes to ${actual}, not ${expectedDigest}`, { step, retryable: false }));
        return;
      }
      cb();
    },
  });
}

export function verifyBytes(data: Buffer, expectedDigest: string, step: string): void {
  const actual = sha256Digest(data);
  if (actual !== expectedDigest) {
    throw new LayerlensError('DIGEST_MISMATCH', `content hashes to ${actual}, not ${expectedDigest}`, { step, retryable: false });
  }
}
