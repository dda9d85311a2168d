import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { decompress } from '../../../src/image/decompress.js';

const hasZstdCli = spawnSync('zstd', ['--version']).status === 0;
const payload = Buffer.concat([Buffer.from('layerlens zstd '), Buffer.alloc(200_000, 0x61)]);
const zstdBytes = hasZstdCli ? spawnSync('zstd', ['-q', '-c'], { input: payload }).stdout : Buffer.alloc(0);

async function drain(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe.skipIf(!hasZstdCli)('zstd decoders', () => {
  it('decodes the same bytes with zstd-napi and with the zstd CLI', async () => {
    for (const zstd of ['napi', 'cli'] as const) {
      const { stream, compression } = await decompress(Readable.from([zstdBytes]), { zstd });
      expect(compression).toBe('zstd');
      expect((await drain(stream)).equals(payload), zstd).toBe(true);
    }
  });

  it('fails clearly when the CLI fallback is missing, and on a corrupt frame', async () => {
    const missing = await decompress(Readable.from([zstdBytes]), { zstd: 'cli', zstdCommand: 'zstd-not-installed-here' });
    await expect(drain(missing.stream)).rejects.toMatchObject({ code: 'LAYER_INVALID', message: expect.stringContaining('zstd CLI is available') });
    const corrupt = Buffer.from(zstdBytes);
    corrupt.fill(0x55, 8, 40);
    for (const zstd of ['napi', 'cli'] as const) {
      const { stream } = await decompress(Readable.from([corrupt]), { zstd });
      await expect(drain(stream), zstd).rejects.toMatchObject({ code: 'LAYER_INVALID' });
    }
  });
});
