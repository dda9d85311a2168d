import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { DockerConfigCredentials, LayerlensCredentials } from '../../../src/registry/credentials.js';

describe('credentials', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'layerlens-creds-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('reads LAYERLENS_REGISTRY_CREDENTIALS entries in each accepted shape, keyed as Docker keys them', () => {
    const creds = new LayerlensCredentials(
      JSON.stringify({
        'ghcr.io': { username: 'u', password: 'p' },
        'https://index.docker.io/v1/': { auth: Buffer.from('d:pw:with:colons').toString('base64') },
        'quay.io': { identitytoken: 'refresh' },
      }),
    );
    expect(creds.get('ghcr.io')).toEqual({ username: 'u', password: 'p' });
    expect(creds.get('docker.io')).toEqual({ username: 'd', password: 'pw:with:colons' });
    expect(creds.get('quay.io')).toEqual({ identityToken: 'refresh' });
  });

  it('fails at boot on unusable input without quoting it (it may hold secrets)', async () => {
    const secret = 'hunter2-secret';
    expect(() => new LayerlensCredentials(`{"ghcr.io": {"password": "${secret}"}}`)).toThrow(/ghcr\.io has no username/);
    try {
      new LayerlensCredentials(`{"ghcr.io": "${secret}`);
    } catch (e) {
      expect(String((e as Error).message)).not.toContain(secret);
    }
    expect(() => new LayerlensCredentials(join(dir, 'missing.json'))).toThrow(/ENOENT/);
    expect(loadConfig({ LAYERLENS_REGISTRY_CREDENTIALS: '/x.json', LAYERLENS_ALLOW_PRIVATE_REGISTRIES: 'true' })).toMatchObject({
      registryCredentials: '/x.json',
      allowPrivateRegistries: true,
      allowLocalSources: false,
    });
    expect(() => loadConfig({ LAYERLENS_ALLOW_LOCAL_SOURCES: 'maybe' })).toThrow(/LAYERLENS_ALLOW_LOCAL_SOURCES/);
  });

  it('falls back from a credential store that has no entry to the auths entry', async () => {
    const bin = join(dir, 'bin');
    await import('node:fs/promises').then((fs) => fs.mkdir(bin, { recursive: true }));
    const helper = join(bin, 'docker-credential-empty');
    await writeFile(helper, '#!/bin/sh\necho "credentials not found in native keychain"\nexit 1\n', { mode: 0o755 });
    const config = join(dir, 'config.json');
    await writeFile(config, JSON.stringify({ credsStore: 'empty', auths: { 'ghcr.io': { auth: Buffer.from('a:b').toString('base64') } } }));
    const store = new DockerConfigCredentials(config, { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    expect(await store.get('ghcr.io')).toEqual({ username: 'a', password: 'b' });
    expect(await store.get('quay.io')).toBeUndefined();
  });
});
