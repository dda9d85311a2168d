/**
 * The registry client against the real registry: bearer-token and Basic auth, retries on injected 5xx/429/resets,
 * and verification of blob digests and sizes while streaming.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walkLayer } from '../../src/image/walk-layer.js';
import { openRegistryImage } from '../../src/image/registry-source.js';
import { RegistryClient } from '../../src/registry/client.js';
import { StaticCredentials } from '../../src/registry/credentials.js';
import { parseReference } from '../../src/registry/reference.js';
import { Transport } from '../../src/registry/transport.js';
import { defaultLimits } from '../../src/config.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { buildImage, pushImage, tarLayer } from '../support/image-builder.js';
import { hasRegistry, registrySkipMessage, startRegistry, type TestRegistry } from '../support/registry.js';

if (!hasRegistry) console.warn(registrySkipMessage);

const fastTransport = () => new Transport({ backoffMs: 5, maxBackoffMs: 50, stallTimeoutMs: 500, headersTimeoutMs: 2000 });

describe.skipIf(!hasRegistry)('registry client', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let layerBytes: Buffer;

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await new FaultProxy(registry.url).start();
    layerBytes = await tarLayer([
      { path: 'etc/', type: 'directory' },
      { path: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.20.0\n' },
      { path: 'data.bin', content: Buffer.alloc(300_000, 7) },
    ]);
    await pushImage(registry.url, 'team/app', '1', await buildImage([{ bytes: layerBytes }]));
  });
  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
  });

  const client = (opts: ConstructorParameters<typeof RegistryClient>[0] = {}) =>
    new RegistryClient({ insecureRegistries: [proxy.host], transport: fastTransport(), ...opts });
  const ref = () => parseReference(`${proxy.host}/team/app:1`);

  async function pullAll(c: RegistryClient) {
    const source = await openRegistryImage(c, ref());
    return walkLayer(source.layers[0], { capture: (p) => p === 'etc/os-release', limits: defaultLimits });
  }

  it('speaks plain HTTP only to configured registries', () => {
    expect(new RegistryClient().baseUrl(proxy.host)).toBe(`https://${proxy.host}`);
    expect(client().baseUrl(proxy.host)).toBe(`http://${proxy.host}`);
    expect(new RegistryClient({ plainHttpLoopback: true }).baseUrl(proxy.host)).toBe(`http://${proxy.host}`);
    expect(() => new RegistryClient({ allowedRegistries: ['ghcr.io'] }).baseUrl(proxy.host)).toThrow(expect.objectContaining({ code: 'REGISTRY_NOT_ALLOWED' }));
  });

  it('gets an anonymous bearer token from the challenge and reuses it', async () => {
    proxy.clear();
    proxy.requireBearer('t0ken');
    try {
      const summary = await pullAll(client());
      expect(summary.captured[0].content.toString()).toContain('ID=alpine');
      expect(proxy.bearer!.tokensIssued).toBe(1);
      expect(proxy.bearer!.scopes).toEqual(['repository:team/app:pull']);
    } finally {
      proxy.bearer = undefined;
    }
  });

  it('retries 503, 429 (honouring Retry-After) and connection resets', async () => {
    proxy.clear();
    proxy.addFault({ method: 'GET', path: /\/manifests\/1$/, fault: { kind: 'status', status: 503 } });
    proxy.addFault({ method: 'GET', path: /\/blobs\//, fault: { kind: 'status', status: 429, headers: { 'retry-after': '0' } } });
    proxy.addFault({ method: 'GET', path: /\/blobs\//, fault: { kind: 'reset' } });
    const summary = await pullAll(client());
    expect(summary.files.paths).toContain('data.bin');
    expect(proxy.count('GET', /\/manifests\/1$/)).toBe(2);
  });

  it('gives up after the attempts with the status and the OCI code', async () => {
    proxy.clear();
    proxy.addFault({ method: 'GET', path: /\/manifests\/1$/, fault: { kind: 'status', status: 500 }, times: 10 });
    await expect(openRegistryImage(client(), ref())).rejects.toMatchObject({ code: 'REGISTRY_ERROR', httpStatus: 500, message: expect.stringContaining('UNAVAILABLE') });
    proxy.clear();
  });

  it('rejects a corrupted blob (DIGEST_MISMATCH) and a truncated one (SIZE_MISMATCH or a broken stream)', async () => {
    proxy.clear();
    const source = await openRegistryImage(client(), ref());
    proxy.addFault({ method: 'GET', path: /\/blobs\/sha256:/, fault: { kind: 'corrupt' }, times: 10 });
    await expect(walkLayer(source.layers[0], { capture: () => false, limits: defaultLimits })).rejects.toMatchObject({ code: expect.stringMatching(/DIGEST_MISMATCH|LAYER_INVALID/) });
    proxy.clear();
    proxy.addFault({ method: 'GET', path: /\/blobs\/sha256:/, fault: { kind: 'truncate', bytes: 1000 }, times: 10 });
    await expect(walkLayer(source.layers[0], { capture: () => false, limits: defaultLimits })).rejects.toMatchObject({ code: expect.stringMatching(/SIZE_MISMATCH|LAYER_INVALID|REGISTRY_UNREACHABLE/) });
    proxy.clear();
  });

  it('verifies the config blob too', async () => {
    proxy.clear();
    proxy.addFault({ method: 'GET', path: /\/blobs\/sha256:/, fault: { kind: 'corrupt' } });
    await expect(openRegistryImage(client(), ref())).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    proxy.clear();
  });

  it('cuts a body that stalls, resumes it once, and fails with TIMEOUT when it keeps stalling', async () => {
    proxy.clear();
    const source = await openRegistryImage(client(), ref());
    proxy.clear();
    proxy.addFault({ method: 'GET', path: /\/blobs\/sha256:/, fault: { kind: 'stall', afterBytes: 100, ms: 5000 } });
    expect((await walkLayer(source.layers[0], { capture: () => false, limits: defaultLimits })).files.paths).toContain('data.bin');
    expect(proxy.count('GET', /\/blobs\//)).toBe(2);
    proxy.clear();
    proxy.addFault({ method: 'GET', path: /\/blobs\/sha256:/, fault: { kind: 'stall', afterBytes: 100, ms: 5000 }, times: 10 });
    await expect(walkLayer(source.layers[0], { capture: () => false, limits: defaultLimits })).rejects.toMatchObject({
      code: 'TIMEOUT',
      image: `${proxy.host}/team/app:1`,
      step: `pull layer ${source.layers[0].digest}`,
    });
    proxy.clear();
  }, 15_000);

  it('refuses a manifest over the size limit', async () => {
    const c = client({ limits: { ...defaultLimits, maxManifestBytes: 100 } });
    await expect(openRegistryImage(c, ref())).rejects.toMatchObject({ code: 'TOO_LARGE' });
  });
});

describe.skipIf(!hasRegistry)('registry with htpasswd Basic auth', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ htpasswd: { username: 'alice', password: 's3cret' } });
    const auth = { authorization: `Basic ${Buffer.from('alice:s3cret').toString('base64')}` };
    await pushImage(registry.url, 'private/app', '1', await buildImage([{ bytes: await tarLayer([{ path: 'a', content: 'x' }]) }]), auth);
  });
  afterAll(async () => registry?.stop());

  it('authenticates with configured credentials and fails clearly without them', async () => {
    const ref = parseReference(`${registry.host}/private/app:1`);
    const good = new RegistryClient({ plainHttpLoopback: true, credentials: new StaticCredentials({ [registry.host]: { username: 'alice', password: 's3cret' } }) });
    expect((await openRegistryImage(good, ref)).layers).toHaveLength(1);
    await expect(openRegistryImage(new RegistryClient({ plainHttpLoopback: true }), ref)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const bad = new RegistryClient({ plainHttpLoopback: true, credentials: new StaticCredentials({ [registry.host]: { username: 'alice', password: 'wrong' } }) });
    await expect(openRegistryImage(bad, ref)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
