/**
 * Auth flows against the real registry in `auth: token` mode, with the token server of test/support: anonymous and
 * credentialed bearer tokens, the OAuth2 refresh-token grant (and its GET fallback), re-auth on a revoked token,
 * expiry, Docker credential helpers and layerlens' own credentials file.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultLimits } from '../../src/config.js';
import { openRegistryImage } from '../../src/image/registry-source.js';
import { walkLayer } from '../../src/image/walk-layer.js';
import { RegistryClient } from '../../src/registry/client.js';
import { ChainedCredentials, DockerConfigCredentials, LayerlensCredentials, StaticCredentials, type CredentialStore } from '../../src/registry/credentials.js';
import { parseReference } from '../../src/registry/reference.js';
import { buildImage, pushImage, tarLayer } from '../support/image-builder.js';
import { hasRegistry, registrySkipMessage, startRegistry, type TestRegistry } from '../support/registry.js';
import { hasOpenssl, TokenServer } from '../support/token-server.js';

const skip = !hasRegistry || !hasOpenssl;
if (skip) console.warn(hasRegistry ? 'openssl is not installed: token auth tests are skipped' : registrySkipMessage);

describe.skipIf(skip)('registry with token auth (distribution token spec)', () => {
  let tokens: TokenServer;
  let registry: TestRegistry;
  let work: string;

  beforeAll(async () => {
    tokens = await new TokenServer({
      users: { alice: 's3cret' },
      refreshTokens: { 'refresh-alice': 'alice' },
      publicPrefixes: ['public/'],
    }).start();
    registry = await startRegistry({ token: { realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.certPath } });
    work = await mkdtemp(join(tmpdir(), 'layerlens-auth-'));
    const image = await buildImage([{ bytes: await tarLayer([{ path: 'etc/os-release', content: 'ID=alpine\n' }]) }]);
    for (const repo of ['private/app', 'public/app']) {
      const auth = { authorization: `Bearer ${tokens.issue('alice', [`repository:${repo}:pull,push`])}` };
      await pushImage(registry.url, repo, '1', image, auth);
    }
  });
  afterAll(async () => {
    await registry?.stop();
    await tokens?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const client = (credentials?: CredentialStore, extra: ConstructorParameters<typeof RegistryClient>[0] = {}) =>
    new RegistryClient({ plainHttpLoopback: true, credentials, ...extra });
  const ref = (repo: string) => parseReference(`${registry.host}/${repo}:1`);
  const alice = () => new StaticCredentials({ [registry.host]: { username: 'alice', password: 's3cret' } });

  async function pull(c: RegistryClient, repo: string) {
    const source = await openRegistryImage(c, ref(repo));
    return walkLayer(source.layers[0], { capture: () => false, limits: defaultLimits });
  }

  it('pulls a public repository with an anonymous token, scoped to the repository', async () => {
    tokens.requests.length = 0;
    expect((await pull(client(), 'public/app')).files.paths).toContain('etc/os-release');
    expect(tokens.requests).toHaveLength(1);
    expect(tokens.requests[0]).toMatchObject({ method: 'GET', scope: ['repository:public/app:pull'], service: tokens.service, hadAuthorization: false });
  });

  it('sends Basic credentials to the token endpoint, and fails clearly without or with wrong ones', async () => {
    tokens.requests.length = 0;
    expect((await pull(client(alice()), 'private/app')).files.paths).toContain('etc/os-release');
    expect(tokens.requests[0]).toMatchObject({ method: 'GET', user: 'alice', hadAuthorization: true });
    // Anonymous: the token carries no access, the registry says 401 again; one token request, no loop.
    tokens.requests.length = 0;
    await expect(openRegistryImage(client(), ref('private/app'))).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      image: `${registry.host}/private/app:1`,
      step: 'fetch manifest 1',
    });
    expect(tokens.requests).toHaveLength(1);
    const wrong = new StaticCredentials({ [registry.host]: { username: 'alice', password: 'nope' } });
    const err = await openRegistryImage(client(wrong), ref('private/app')).catch((e: Error) => e);
    expect(err).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringContaining('refused the configured credentials') });
    expect(JSON.stringify(err) + String(err)).not.toContain('nope');
  });

  it('exchanges an identity token with the OAuth2 refresh_token grant, and keeps the rotated one', async () => {
    tokens.requests.length = 0;
    const c = client(new StaticCredentials({ [registry.host]: { identityToken: 'refresh-alice' } }), { clock: () => fakeNow });
    let fakeNow = Date.now();
    await pull(c, 'private/app');
    expect(tokens.requests[0]).toMatchObject({ method: 'POST', grantType: 'refresh_token', user: 'alice', scope: ['repository:private/app:pull'] });
    // Past expiry the next token comes from the rotated refresh token.
    fakeNow += 3600_000;
    await pull(c, 'private/app');
    expect(tokens.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
    expect(tokens.requests.every((r) => r.user === 'alice')).toBe(true);
  });

  it('falls back to GET when the token server has no OAuth2 endpoint', async () => {
    const noOauth = await new TokenServer({ users: { alice: 's3cret' }, oauth: false }).start();
    const reg = await startRegistry({ token: { realm: noOauth.realm, service: noOauth.service, issuer: noOauth.issuer, rootCertBundle: noOauth.certPath } });
    try {
      const image = await buildImage([{ bytes: await tarLayer([{ path: 'x', content: 'y' }]) }]);
      await pushImage(reg.url, 'private/app', '1', image, { authorization: `Bearer ${noOauth.issue('alice', ['repository:private/app:pull,push'])}` });
      const c = client(new StaticCredentials({ [reg.host]: { username: 'alice', password: 's3cret', identityToken: 'unknown-here' } }));
      await openRegistryImage(c, parseReference(`${reg.host}/private/app:1`));
      expect(noOauth.requests.map((r) => r.method)).toEqual(['POST', 'GET']);
      expect(noOauth.requests[1]).toMatchObject({ user: 'alice' });
    } finally {
      await reg.stop();
      await noOauth.stop();
    }
  });

  it('re-authenticates once when a cached token is refused (revoked or expired early), then gives up', async () => {
    const c = client(alice());
    tokens.requests.length = 0;
    tokens.shortLivedTokens = 1;
    await pull(c, 'private/app'); // the token says expires_in 300, but the registry stops accepting it in ~3 s
    expect(tokens.requests).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 4000));
    await pull(c, 'private/app'); // cached token → 401 → one re-auth → works
    expect(tokens.requests).toHaveLength(2);
    // Every token refused: one token request per 401 challenge, then UNAUTHORIZED — never a loop.
    tokens.requests.length = 0;
    tokens.staleTokens = 10;
    await expect(openRegistryImage(client(alice()), ref('private/app'))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(tokens.requests).toHaveLength(1);
    tokens.staleTokens = 0;
  }, 15_000);

  it('caches a token until expires_in, then fetches a new one without waiting for a 401', async () => {
    let now = Date.now();
    const c = client(alice(), { clock: () => now });
    tokens.requests.length = 0;
    await pull(c, 'private/app');
    await pull(c, 'private/app');
    expect(tokens.requests).toHaveLength(1);
    now += 301_000; // expires_in is 300 s
    await pull(c, 'private/app');
    expect(tokens.requests).toHaveLength(2);
  });

  it('reads credentials from a Docker credential helper (credHelpers, then credsStore)', async () => {
    const bin = join(work, 'bin');
    const log = join(work, 'helper-stdin');
    await writeFile(join(work, 'placeholder'), '');
    await import('node:fs/promises').then((fs) => fs.mkdir(bin, { recursive: true }));
    const helper = join(bin, 'docker-credential-layerlens-test');
    await writeFile(
      helper,
      `#!/bin/sh\n[ "$1" = get ] || exit 2\ncat > '${log}'\necho '{"ServerURL":"x","Username":"alice","Secret":"s3cret"}'\n`,
    );
    await chmod(helper, 0o755);
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    const configPath = join(work, 'config.json');
    await writeFile(configPath, JSON.stringify({ auths: {}, credHelpers: { [registry.host]: 'layerlens-test' } }));
    await pull(client(new DockerConfigCredentials(configPath, { env })), 'private/app');
    expect(await readFile(log, 'utf8')).toBe(registry.host);

    await writeFile(configPath, JSON.stringify({ credsStore: 'layerlens-test' }));
    await pull(client(new DockerConfigCredentials(configPath, { env })), 'private/app');

    await writeFile(configPath, JSON.stringify({ credHelpers: { [registry.host]: 'not-installed' } }));
    await expect(openRegistryImage(client(new DockerConfigCredentials(configPath, { env })), ref('private/app'))).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringContaining('docker-credential-not-installed'),
    });
  });

  it('reads LAYERLENS_REGISTRY_CREDENTIALS (a file or inline JSON) before Docker config.json', async () => {
    const file = join(work, 'creds.json');
    await writeFile(file, JSON.stringify({ [registry.host]: { username: 'alice', password: 's3cret' } }));
    const dockerConfig = join(work, 'docker-wrong.json');
    await writeFile(dockerConfig, JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from('alice:wrong').toString('base64') } } }));
    await pull(client(new ChainedCredentials([new LayerlensCredentials(file), new DockerConfigCredentials(dockerConfig)])), 'private/app');
    const inline = JSON.stringify({ auths: { [`https://${registry.host}`]: { auth: Buffer.from('alice:s3cret').toString('base64') } } });
    await pull(client(new LayerlensCredentials(inline)), 'private/app');
  });
});
