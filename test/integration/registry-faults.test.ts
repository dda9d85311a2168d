/**
 * Faults, limits, error codes and the SSRF guard, with the fault proxy in front of the real registry: resumed blob
 * downloads, the layer size limit, OCI codes with image and step, credentials dropped on cross-origin redirects,
 * redirects and foreign-layer URLs checked against the address policy.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultLimits } from '../../src/config.js';
import { openRegistryImage } from '../../src/image/registry-source.js';
import { walkLayer } from '../../src/image/walk-layer.js';
import { RegistryClient } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/reference.js';
import { Transport } from '../../src/registry/transport.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { buildImage, pushImage, sha256, tarLayer } from '../support/image-builder.js';
import { freePort } from '../support/ports.js';
import { hasRegistry, registrySkipMessage, startRegistry, type TestRegistry } from '../support/registry.js';

if (!hasRegistry) console.warn(registrySkipMessage);

const FOREIGN_LAYER = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip';

/** A second origin: records the headers of each request and serves blobs (from the registry, or from `blobs`). */
async function blobStore(registryUrl: string, blobs = new Map<string, Buffer>()) {
  const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
  const server: Server = createServer(async (req, res) => {
    seen.push({ path: req.url ?? '/', headers: req.headers });
    const own = blobs.get(req.url ?? '');
    if (own) return void res.writeHead(200, { 'content-length': own.length }).end(own);
    const up = await fetch(`${registryUrl}${req.url}`);
    res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/octet-stream' });
    res.end(Buffer.from(await up.arrayBuffer()));
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}`, port, seen, stop: () => new Promise((r) => (server.closeAllConnections(), server.close(r))) };
}

describe.skipIf(!hasRegistry)('registry faults, limits and SSRF', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let store: Awaited<ReturnType<typeof blobStore>>;
  let foreignBlob: Buffer;

  beforeAll(async () => {
    registry = await startRegistry({ allowForeignUrls: ['^http://127\\.0\\.0\\.1:'] });
    proxy = await new FaultProxy(registry.url).start();
    // Incompressible, so the blob is big enough to break in the middle.
    const big = await tarLayer([{ path: 'etc/os-release', content: 'ID=alpine\n' }, { path: 'random.bin', content: randomBytes(400_000) }]);
    await pushImage(registry.url, 'team/big', '1', await buildImage([{ bytes: big }]));

    // A foreign layer: listed with `urls`, never pushed to the registry (the registry does not check it exists).
    foreignBlob = await tarLayer([{ path: 'foreign.txt', content: 'from elsewhere' }]);
    const image = await buildImage([{ bytes: foreignBlob }], { docker: true });
    store = await blobStore(registry.url, new Map([[`/layers/${sha256(foreignBlob).slice(7)}`, foreignBlob]]));
    const manifest = JSON.parse(image.manifest.toString());
    manifest.layers[0] = { ...manifest.layers[0], mediaType: FOREIGN_LAYER, urls: [`${store.url}/layers/${sha256(foreignBlob).slice(7)}`] };
    const body = Buffer.from(JSON.stringify(manifest));
    // Only the config is uploaded; the manifest names a layer the registry has never seen.
    await pushImage(registry.url, 'team/foreign', '1', { ...image, layers: [], manifest: body });
  });
  afterAll(async () => {
    await store?.stop();
    await proxy?.stop();
    await registry?.stop();
  });

  const transport = () => new Transport({ backoffMs: 5, maxBackoffMs: 50, stallTimeoutMs: 500, headersTimeoutMs: 2000 });
  /** As the service builds it: plain HTTP and trust only for the listed registry, no private addresses otherwise. */
  const service = (opts: ConstructorParameters<typeof RegistryClient>[0] = {}) =>
    new RegistryClient({ insecureRegistries: [proxy.host], transport: transport(), ...opts });
  /** As the CLI builds it: loopback over plain HTTP, private addresses allowed. */
  const cli = () => new RegistryClient({ plainHttpLoopback: true, transport: transport() });
  const big = () => parseReference(`${proxy.host}/team/big:1`);
  const walk = async (c: RegistryClient, ref = big()) => {
    const source = await openRegistryImage(c, ref);
    return { source, summary: await walkLayer(source.layers[0], { capture: () => false, limits: defaultLimits }) };
  };

  it('resumes a layer download that breaks mid-way with a Range request, and verifies the whole', async () => {
    proxy.clear();
    const source = await openRegistryImage(service(), big());
    proxy.addFault({ method: 'GET', path: /\/blobs\/sha256:/, fault: { kind: 'truncate', bytes: 100_000 } });
    const summary = await walkLayer(source.layers[0], { capture: () => false, limits: defaultLimits });
    expect(summary.files.paths).toContain('random.bin');
    const ranges = proxy.requests.filter((r) => r.path.includes(source.layers[0].digest)).map((r) => r.headers.range);
    expect(ranges[0]).toBeUndefined();
    expect(ranges[1]).toMatch(/^bytes=\d+-$/);
    expect(Number(/=(\d+)-/.exec(ranges[1]!)![1])).toBeGreaterThan(0);
  });

  it('gives up after a bounded number of resumes, and nothing truncated passes as complete', async () => {
    proxy.clear();
    const source = await openRegistryImage(service(), big());
    proxy.clear();
    proxy.addFault({ method: 'GET', path: /\/blobs\/sha256:/, fault: { kind: 'truncate', bytes: 1000 }, times: 100 });
    await expect(walkLayer(source.layers[0], { capture: () => false, limits: defaultLimits })).rejects.toMatchObject({
      code: expect.stringMatching(/SIZE_MISMATCH|REGISTRY_UNREACHABLE/),
      image: `${proxy.host}/team/big:1`,
    });
    expect(proxy.count('GET', /\/blobs\//)).toBe(4); // the first request and 3 resumes
    proxy.clear();
  });

  it('refuses a layer over LAYERLENS_MAX_LAYER_BYTES before downloading it', async () => {
    proxy.clear();
    const c = service({ limits: { ...defaultLimits, maxLayerBytes: 10_000 } });
    const source = await openRegistryImage(c, big());
    const before = proxy.count('GET', /\/blobs\//);
    await expect(walkLayer(source.layers[0], { capture: () => false, limits: defaultLimits })).rejects.toMatchObject({
      code: 'TOO_LARGE',
      step: `pull layer ${source.layers[0].digest}`,
      image: `${proxy.host}/team/big:1`,
    });
    expect(proxy.count('GET', /\/blobs\//)).toBe(before);
  });

  it('keeps the OCI code and says which image and step failed', async () => {
    proxy.clear();
    // distribution 2.8 answers MANIFEST_UNKNOWN for a missing repository; other registries say NAME_UNKNOWN.
    await expect(openRegistryImage(service(), parseReference(`${proxy.host}/team/none:1`))).rejects.toMatchObject({
      code: 'MANIFEST_UNKNOWN',
      image: `${proxy.host}/team/none:1`,
      step: 'fetch manifest 1',
    });
    const nameUnknown = '{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}';
    proxy.addFault({ method: 'GET', path: /\/manifests\//, fault: { kind: 'status', status: 404, body: nameUnknown } });
    await expect(openRegistryImage(service(), big())).rejects.toMatchObject({ code: 'NAME_UNKNOWN', image: `${proxy.host}/team/big:1`, step: 'fetch manifest 1' });
    await expect(openRegistryImage(service(), parseReference(`${proxy.host}/team/big:nope`))).rejects.toMatchObject({
      code: 'MANIFEST_UNKNOWN',
      step: 'fetch manifest nope',
    });
    proxy.addFault({ method: 'GET', path: /\/manifests\//, fault: { kind: 'status', status: 403, body: '{"errors":[{"code":"DENIED","message":"no"}]}' } });
    await expect(openRegistryImage(service(), big())).rejects.toMatchObject({ code: 'DENIED', image: `${proxy.host}/team/big:1` });
    proxy.addFault({ method: 'GET', path: /\/manifests\//, fault: { kind: 'status', status: 429, headers: { 'retry-after': '0' } }, times: 10 });
    const err = await openRegistryImage(service(), big()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TOOMANYREQUESTS', retryable: true, image: `${proxy.host}/team/big:1`, step: 'fetch manifest 1' });
    expect(proxy.count('GET', /team\/big\/manifests\/1$/)).toBe(4 + 2); // 4 attempts here, 1 each for NAME_UNKNOWN and DENIED
    proxy.clear();
  });

  it('drops Authorization when a blob redirects to another origin', async () => {
    proxy.clear();
    proxy.requireBearer('sekrit-token');
    try {
      const source = await openRegistryImage(service(), big());
      store.seen.length = 0;
      proxy.addFault({ method: 'GET', path: /\/blobs\/sha256:/, fault: { kind: 'redirect', to: store.url } });
      // The service refuses the loopback blob store (see below); a client that allows it shows what is sent.
      const c = service({ allowPrivateAddresses: true });
      const s2 = await openRegistryImage(c, big());
      expect(s2.digest).toBe(source.digest);
      expect(store.seen.length).toBe(1);
      expect(store.seen[0].headers.authorization).toBeUndefined();
      expect(proxy.requests.some((r) => r.headers.authorization === 'Bearer sekrit-token')).toBe(true);
    } finally {
      proxy.bearer = undefined;
      proxy.clear();
    }
  });

  it('refuses redirects to loopback, private and metadata addresses in the service, and allows them in the CLI', async () => {
    proxy.clear();
    store.seen.length = 0;
    proxy.addFault({ method: 'GET', path: /\/manifests\//, fault: { kind: 'redirect', to: 'http://169.254.169.254' } });
    await expect(openRegistryImage(service(), big())).rejects.toMatchObject({ code: 'REGISTRY_NOT_ALLOWED', message: expect.stringContaining('metadata') });
    proxy.addFault({ method: 'GET', path: /\/blobs\//, fault: { kind: 'redirect', to: `http://localhost:${store.port}` } });
    await expect(openRegistryImage(service(), big())).rejects.toMatchObject({ code: 'REGISTRY_NOT_ALLOWED', message: expect.stringContaining('loopback') });
    proxy.addFault({ method: 'GET', path: /\/manifests\//, fault: { kind: 'redirect', to: 'http://10.255.255.1' } });
    await expect(openRegistryImage(service(), big())).rejects.toMatchObject({ code: 'REGISTRY_NOT_ALLOWED', message: expect.stringContaining('private') });
    // A registry on loopback that is not listed is refused outright.
    const unlisted = new RegistryClient({ plainHttpLoopback: true, allowPrivateAddresses: false, transport: transport() });
    await expect(openRegistryImage(unlisted, big())).rejects.toMatchObject({ code: 'REGISTRY_NOT_ALLOWED' });
    expect(store.seen.filter((r) => r.path.startsWith('/v2/'))).toHaveLength(0);
    proxy.clear();
    proxy.addFault({ method: 'GET', path: /\/blobs\//, fault: { kind: 'redirect', to: `http://localhost:${store.port}` } });
    await openRegistryImage(cli(), big());
    proxy.clear();
  });

  it('fetches a foreign layer from its URLs when the registry lacks it, under the address policy', async () => {
    const ref = parseReference(`${proxy.host}/team/foreign:1`);
    const { summary } = await walk(cli(), ref);
    expect([...summary.files.paths]).toEqual(['foreign.txt']);
    expect(store.seen.some((r) => r.path.startsWith('/layers/') && !r.headers.authorization)).toBe(true);
    // The service trusts the registry by name, not the loopback host its layer points to.
    const source = await openRegistryImage(service(), ref);
    await expect(walkLayer(source.layers[0], { capture: () => false, limits: defaultLimits })).rejects.toMatchObject({ code: 'REGISTRY_NOT_ALLOWED' });
  });
});
