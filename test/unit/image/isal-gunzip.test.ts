import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decompress } from '../../../src/image/decompress.js';
import { IsalGunzip, isalBinding } from '../../../src/image/isal-gunzip.js';

// .ci/run installs libisal-dev and sets LAYERLENS_REQUIRE_ISAL=1: there a missing binding fails, elsewhere it skips.
const available = isalBinding() !== null;
const required = process.env.LAYERLENS_REQUIRE_ISAL === '1';
if (!available && !required) console.warn('ISA-L binding not built (apt-get install libisal-dev, then npm ci): skipping its tests');

async function drain(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** `data` cut into pieces of the given sizes, cycling. */
function pieces(data: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = sizes[i % sizes.length];
    out.push(data.subarray(at, at + n));
    at += n;
  }
  return out;
}

async function viaDecompress(gz: Buffer, gzip: 'isal' | 'zlib', sizes = [65_536]): Promise<Buffer> {
  const { stream, compression } = await decompress(Readable.from(pieces(gz, sizes)), { gzip });
  expect(compression).toBe('gzip');
  return drain(stream);
}

// Compressible text, incompressible bytes and long runs: the three shapes of layer content.
const text = Buffer.from(Array.from({ length: 40_000 }, (_, i) => `usr/lib/python3/dist-packages/module_${i % 977}.py\n`).join(''));
const noise = randomBytes(700_000);
const zeros = Buffer.alloc(3_000_000);
const mixed = Buffer.concat([text, noise, zeros, text]);

describe.skipIf(!available && !required)('gzip through ISA-L', () => {
  it('is built where it is required', () => {
    expect(available).toBe(true);
  });

  it('gives the bytes zlib gives, whatever the input chunking', async () => {
    const gz = gzipSync(mixed, { level: 6 });
    for (const sizes of [[65_536], [1], [3, 7_001, 131_072, 17], [gz.length]]) {
      const input = sizes[0] === 1 ? gzipSync(text.subarray(0, 20_000)) : gz;
      const expected = gunzipSync(input);
      expect((await viaDecompress(input, 'isal', sizes)).equals(expected), `pieces ${sizes.join(',')}`).toBe(true);
    }
  });

  it('decodes concatenated members and skips zero padding after a member, as zlib does', async () => {
    const gz = Buffer.concat([gzipSync(text), gzipSync(noise), Buffer.alloc(1024), gzipSync(Buffer.alloc(0)), Buffer.alloc(3)]);
    const expected = Buffer.concat([text, noise]);
    expect(gunzipSync(gz).equals(expected)).toBe(true);
    for (const sizes of [[65_536], [1_000, 1, 2, 5_000]]) {
      expect((await viaDecompress(gz, 'isal', sizes)).equals(expected), `pieces ${sizes.join(',')}`).toBe(true);
    }
  });

  it('fails as LAYER_INVALID on truncation, a bad CRC, corrupt deflate data and garbage after a member', async () => {
    const gz = gzipSync(mixed);
    const badCrc = Buffer.from(gz);
    badCrc[badCrc.length - 6] ^= 0xff;
    const corrupt = Buffer.from(gz);
    corrupt.fill(0xa5, 2_000, 2_400);
    const cases: [string, Buffer, RegExp][] = [
      ['truncated', gz.subarray(0, gz.length - 100), /unexpected end of file/],
      ['truncated inside the next header', Buffer.concat([gzipSync(text), Buffer.from([0x1f])]), /unexpected end of file/],
      ['bad CRC', badCrc, /incorrect data check/],
      ['corrupt', corrupt, /invalid|incorrect/],
      ['garbage after a member', Buffer.concat([gzipSync(text), Buffer.from('not gzip')]), /incorrect gzip header|unexpected end of file/],
    ];
    for (const [name, bytes, message] of cases) {
      expect(() => gunzipSync(bytes), `zlib rejects it too: ${name}`).toThrow();
      await expect(viaDecompress(bytes, 'isal'), name).rejects.toMatchObject({ code: 'LAYER_INVALID', message: expect.stringMatching(message) });
    }
  });

  for (const callBytes of [128 * 1024, 1024 * 1024]) {
    it(`follows back-pressure: a gzip bomb read slowly never piles up decompressed bytes (${callBytes / 1024} KiB per call)`, async () => {
      const bomb = gzipSync(Buffer.alloc(256 * 1024 * 1024), { level: 9 }); // ~260 KB of input
      const decoder = new IsalGunzip({ chunkSize: 128 * 1024, callBytes });
      Readable.from(pieces(bomb, [16_384])).pipe(decoder);
      let total = 0;
      let maxBuffered = 0;
      let maxChunk = 0;
      // A Writable sees the chunks as pushed (an async iterator would read whatever is buffered, joined).
      const slowConsumer = new Writable({
        highWaterMark: 1,
        write(chunk: Buffer, _encoding, done) {
          total += chunk.length;
          maxChunk = Math.max(maxChunk, chunk.length);
          maxBuffered = Math.max(maxBuffered, decoder.readableLength);
          if (total % (32 * 1024 * 1024) < 131_072) setTimeout(done, 5); // slow now and then
          else done();
        },
      });
      await pipeline(decoder, slowConsumer);
      expect(total).toBe(256 * 1024 * 1024);
      expect(maxChunk).toBe(128 * 1024); // downstream sees 128 KiB chunks whatever a native call produces
      // The high-water mark (two calls' output) plus the one call that may run past it.
      expect(maxBuffered).toBeLessThanOrEqual(3 * callBytes);
    });
  }

  it('can be forced to zlib, and both decoders agree', async () => {
    const gz = gzipSync(mixed);
    expect((await viaDecompress(gz, 'zlib')).equals(await viaDecompress(gz, 'isal'))).toBe(true);
  });
});
