/**
 * The attack suite (issue 14): hostile images and a hostile registry, each through the real registry, the real API
 * and the real worker as a process of its own. Every case asserts the worker's peak RSS (VmHWM, reset before each
 * case through /proc/PID/clear_refs), a failed job with a clear code and detail (or a refusal at POST), nothing
 * cached, and — at the end — that the same worker still completes an ordinary image. The table (case, peak RSS,
 * outcome) is printed and, with HOSTILE_TABLE=path, written as Markdown. Full-size cases: `npm run fuzz`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type RunningApi } from '../../src/api/server.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { gzipBomb, manyEntries, notATar } from '../hostile/bombs.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { buildImage, OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST, pushImage, pushManifest, sha256, tarLayer, uploadBlob } from '../support/image-builder.js';
import { repoRoot } from '../support/paths.js';
import { dropPrefix, redisUrl, testPrefix } from '../support/redis.js';
import { hasRegistry, registrySkipMessage, startRegistry, type TestRegistry } from '../support/registry.js';

if (!hasRegistry) console.warn(registrySkipMessage);

const FULL = process.env.HOSTILE_FULL === '1';
const tsxLoader = pathToFileURL(resolve(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;
/**
 * Peak RSS a case may add to the idle worker. The worker idles at ~100 MB from the build and ~135 MB under tsx (as
 * here); issue 14's goal of 150 MB for any image is 50 MB over the built worker's idle. V8 keeps what it grew to, so
 * a case's peak includes what the cases before it left resident: 80 MB bounds the whole run.
 */
const HEADROOM_MB = Number(process.env.HOSTILE_RSS_HEADROOM_MB ?? 80);
/** Full size (`npm run fuzz`): bombs at the real 8 GiB cap need a job budget that lets them be inflated to it. */
const BUDGET_MS = FULL ? 180_000 : 8_000;
const SLOW = FULL ? 1_800_000 : 120_000;
const LIMIT_UNCOMPRESSED = FULL ? 8 * 1024 ** 3 : 64 * 1024 ** 2;

interface Outcome {
  status: number | 'completed' | 'failed';
  code?: string;
  detail?: string;
  digest?: string;
  warnings?: number;
}

const rows: { name: string; peakMb: number; overIdleMb: number; outcome: string }[] = [];

describe.skipIf(!hasRegistry)('attack suite: hostile images and registries against the real worker process', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let api: RunningApi;
  let worker: ChildProcess;
  let base: string;
  const prefix = testPrefix('hostile');
  let baselineMb = 0;

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await new FaultProxy(registry.url).start();
    const env = {
      REDIS_URL: redisUrl,
      LAYERLENS_INSECURE_REGISTRIES: proxy.host,
      LAYERLENS_MAX_UNCOMPRESSED_BYTES: String(LIMIT_UNCOMPRESSED),
      LAYERLENS_JOB_TIME_BUDGET: `${BUDGET_MS}ms`,
      LAYERLENS_JOB_ATTEMPTS: '1',
      LAYERLENS_LAYER_CACHE: 'false',
      LAYERLENS_WORKER_PROCESSES: '1',
      LAYERLENS_LOG_LEVEL: 'silent',
    };
    worker = spawn(process.execPath, ['--import', tsxLoader, resolve(repoRoot, 'test/hostile/worker-process.ts')], {
      cwd: repoRoot,
      env: { ...process.env, ...env, HOSTILE_PREFIX: prefix },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((ready, fail) => {
      worker.stdout!.on('data', (d: Buffer) => d.toString().includes('worker ready') && ready());
      worker.once('exit', (code) => fail(new Error(`worker exited early (${code})`)));
    });
    // Idle: connected and waiting for jobs (a moment after it says ready).
    await new Promise((r) => setTimeout(r, 1500));
    baselineMb = peakMb();
    api = await startApi(loadConfig({ ...env, PORT: '0', HOST: '127.0.0.1' }), createLogger('silent'), { prefix });
    base = `http://127.0.0.1:${api.port}`;
  }, 60_000);

  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGTERM');
      await new Promise((r) => worker.once('exit', r));
    }
    await api?.close();
    await proxy?.stop();
    await registry?.stop();
    await dropPrefix(prefix);
    const table = [
      `| case | worker peak RSS (idle ${baselineMb} MB) | outcome |`,
      '|---|---:|---|',
      ...rows.map((r) => `| ${r.name} | ${r.peakMb} MB (+${r.overIdleMb}) | ${r.outcome} |`),
    ].join('\n');
    console.log(`\n${table}\n`);
    if (process.env.HOSTILE_TABLE) writeFileSync(process.env.HOSTILE_TABLE, `${table}\n`);
  });

  const resetPeak = () => writeFileSync(`/proc/${worker.pid}/clear_refs`, '5');
  const peakMb = () => Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${worker.pid}/status`, 'utf8'))![1]) / 1024);

  async function analyse(image: string, platform?: string): Promise<Outcome> {
    const res = await fetch(`${base}/v1/analyses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image, platform }) });
    const body = (await res.json()) as Record<string, any>;
    if (res.status !== 202) return { status: res.status, code: body.code, detail: body.detail, digest: body.digest };
    const deadline = Date.now() + BUDGET_MS + 60_000;
    for (;;) {
      const job = (await (await fetch(`${base}/v1/analyses/${body.id}`)).json()) as Record<string, any>;
      if (job.status === 'completed') return { status: 'completed', digest: body.digest, warnings: job.result?.warnings };
      if (job.status === 'failed') return { status: 'failed', code: job.error?.code, detail: job.error?.detail, digest: body.digest };
      if (Date.now() > deadline) throw new Error(`job ${body.id} did not finish`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Runs one case, records its row, and checks what every case must: bounded memory, nothing cached. */
  async function attack(name: string, image: string, platform?: string): Promise<Outcome> {
    resetPeak();
    const outcome = await analyse(image, platform);
    const peak = peakMb();
    rows.push({ name, peakMb: peak, overIdleMb: peak - baselineMb, outcome: `${outcome.status}${outcome.code ? ` ${outcome.code}` : ''}${outcome.warnings ? ` (${outcome.warnings} warnings)` : ''}` });
    expect(peak - baselineMb, `${name}: worker peak RSS over its idle ${baselineMb} MB`).toBeLessThan(HEADROOM_MB);
    if (outcome.status !== 'completed' && outcome.digest) expect((await fetch(`${base}/v1/sboms/${outcome.digest}`)).status, `${name}: nothing cached`).toBe(404);
    if (outcome.status === 'failed') expect(outcome.detail, `${name}: a useful detail`).toMatch(/\S{10,}/);
    return outcome;
  }

  /**
   * Pushes layers as they are, broken ones included: the diff_id is computed here only for layers that inflate
   * (buildImage would choke on a truncated gzip), and a layer listed `times` times is uploaded once.
   */
  const push = async (repo: string, layers: Buffer[], options: { times?: number } = {}) => {
    const name = `hostile/${repo}`;
    const descs = [];
    const diffIds = [];
    for (const bytes of layers) {
      const digest = sha256(bytes);
      let diffId = digest;
      try {
        diffId = sha256(gunzipSync(bytes));
      } catch {
        // broken on purpose: the worker finds out
      }
      await uploadBlob(registry.url, name, digest, bytes.length, () => bytes, {});
      for (let i = 0; i < (options.times ?? 1); i++) {
        descs.push({ mediaType: OCI_LAYER_GZIP, digest, size: bytes.length });
        diffIds.push(diffId);
      }
    }
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: diffIds } }));
    await uploadBlob(registry.url, name, sha256(config), config.length, () => config, {});
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, digest: sha256(config), size: config.length }, layers: descs }));
    await pushManifest(registry.url, name, '1', manifest, OCI_MANIFEST);
    return `${proxy.host}/${name}:1`;
  };

  it('a gzip bomb (inflates past the decompressed limit) fails TOO_LARGE', async () => {
    const bomb = await gzipBomb(LIMIT_UNCOMPRESSED + 16 * 1024 * 1024);
    const o = await attack(`gzip bomb (${(bomb.length / 1024).toFixed(0)} KiB → ${Math.round(LIMIT_UNCOMPRESSED / 2 ** 20) + 16} MiB)`, await push('gzip-bomb', [bomb]));
    expect(o).toMatchObject({ status: 'failed', code: 'TOO_LARGE' });
    expect(o.detail).toContain('LAYERLENS_MAX_UNCOMPRESSED_BYTES');
  }, SLOW);

  it('a truncated gzip fails LAYER_INVALID', async () => {
    const layer = await tarLayer([{ path: 'etc/os-release', content: 'ID=alpine\n'.repeat(5000) }]);
    const o = await attack('truncated gzip', await push('truncated-gzip', [layer.subarray(0, Math.floor(layer.length / 2))]));
    expect(o).toMatchObject({ status: 'failed', code: 'LAYER_INVALID' });
  }, 60_000);

  it('a tar that ends early (inside an entry) fails LAYER_INVALID', async () => {
    const tar = gunzipSync(await tarLayer([{ path: 'big', content: Buffer.alloc(100_000, 1) }]));
    const o = await attack('tar ends early', await push('tar-ends-early', [gzipSync(tar.subarray(0, 50_000))]));
    expect(o).toMatchObject({ status: 'failed', code: 'LAYER_INVALID' });
  }, 60_000);

  it('a layer that is not a tar fails LAYER_INVALID', async () => {
    const o = await attack('not a tar', await push('not-a-tar', [notATar()]));
    expect(o).toMatchObject({ status: 'failed', code: 'LAYER_INVALID' });
  }, 60_000);

  it('trailing garbage after the gzip stream: refused as LAYER_INVALID, or ignored, never a crash', async () => {
    const layer = await tarLayer([{ path: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.20.3\n' }]);
    const o = await attack('trailing garbage after gzip', await push('trailing-garbage', [Buffer.concat([layer, Buffer.from('GARBAGE'.repeat(1000))])]));
    expect(o.status === 'completed' || (o.status === 'failed' && o.code === 'LAYER_INVALID'), JSON.stringify(o)).toBe(true);
  }, 60_000);

  it('300 layers is refused at POST (422 TOO_LARGE), before any pull', async () => {
    const image = await push('many-layers', [await tarLayer([{ path: 'a', content: 'a' }])], { times: 300 });
    const before = proxy.requests.filter((r) => r.path.includes('/blobs/')).length;
    const o = await attack('300 layers', image);
    expect(o).toMatchObject({ status: 422, code: 'TOO_LARGE' });
    expect(proxy.requests.filter((r) => r.path.includes('/blobs/')).length).toBe(before);
  }, 60_000);

  it('a platform the single-platform image does not have is 422 PLATFORM_NOT_FOUND', async () => {
    const image = await push('linux-only', [await tarLayer([{ path: 'etc/os-release', content: 'ID=alpine\n' }])]);
    const o = await attack('windows/amd64 of a Linux image', image, 'windows/amd64');
    expect(o).toMatchObject({ status: 422, code: 'PLATFORM_NOT_FOUND' });
    expect(o.detail).toContain('linux/amd64');
  }, 60_000);

  it('a watch on a registry the SSRF guard refuses is 422 REGISTRY_NOT_ALLOWED at creation, not at every run', async () => {
    const create = (repository: string) =>
      fetch(`${base}/v1/watches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ repository, tags: ['1'], interval: '1h' }) });
    const refused = await create('169.254.169.254/latest/meta-data');
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ code: 'REGISTRY_NOT_ALLOWED', detail: expect.stringContaining('169.254.169.254') });
    expect((await (await fetch(`${base}/v1/watches`)).json()).watches).toEqual([]);
    const accepted = await create(`${proxy.host}/hostile/ordinary`);
    expect(accepted.status).toBe(201);
    await fetch(`${base}/v1/watches/${((await accepted.json()) as { id: string }).id}`, { method: 'DELETE' });
  }, 60_000);

  it('a 1 MB package name completes without it, with a warning', async () => {
    const layer = await tarLayer([
      { path: 'app/node_modules/huge/package.json', content: JSON.stringify({ name: 'n'.repeat(1_000_000), version: '1.0.0' }) },
      { path: 'app/node_modules/fine/package.json', content: JSON.stringify({ name: 'fine', version: '1.0.0' }) },
    ]);
    const o = await attack('1 MB package name', await push('huge-name', [layer]));
    expect(o).toMatchObject({ status: 'completed' });
    const sbom = await (await fetch(`${base}/v1/sboms/${o.digest}`)).text();
    expect(sbom.length).toBeLessThan(100_000);
    expect(sbom).toContain('pkg:npm/fine@1.0.0');
  }, 60_000);

  it('deeply nested package.json and a METADATA of 200 000 headers: bounded, completed', async () => {
    const nested = `{"name":"deep","version":"1.0.0","x":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    const metadata = `Metadata-Version: 2.1\nName: headers\nVersion: 1.0\n${Array.from({ length: 200_000 }, (_, i) => `X-H${i}: v`).join('\n')}\n`;
    const layer = await tarLayer([
      { path: 'app/node_modules/deep/package.json', content: nested },
      { path: 'usr/lib/python3.12/site-packages/headers-1.0.dist-info/METADATA', content: metadata },
    ]);
    const o = await attack('nested JSON (200 000 levels) + METADATA of 200 000 headers', await push('parser-abuse', [layer]));
    expect(o.status).toBe('completed');
  }, 60_000);

  it('a blob redirect to the cloud metadata address is refused REGISTRY_NOT_ALLOWED (SSRF guard)', async () => {
    const image = await push('redirect-metadata', [await tarLayer([{ path: 'a', content: 'a' }])]);
    proxy.addFault({ method: 'GET', path: /\/v2\/hostile\/redirect-metadata\/blobs\/sha256:[a-f0-9]+$/, fault: { kind: 'redirect', to: 'http://169.254.169.254/latest/meta-data/' }, times: 10 });
    const o = await attack('blob redirect to 169.254.169.254', image);
    expect(o).toMatchObject({ status: 'failed', code: 'REGISTRY_NOT_ALLOWED' });
  }, 60_000);

  it('a slow-loris layer (stalls after 10 bytes) ends at the job time budget: TIME_BUDGET_EXCEEDED', async () => {
    const layer = await tarLayer([{ path: 'a', content: Buffer.alloc(50_000, 7) }]);
    const img = await buildImage([{ bytes: layer }]);
    await pushImage(registry.url, 'hostile/slow-loris', '1', img);
    proxy.addFault({ method: 'GET', path: new RegExp(`/blobs/${img.layers[0].digest}$`), fault: { kind: 'stall', afterBytes: 10, ms: 120_000 }, times: 10 });
    const started = Date.now();
    const o = await attack('slow-loris layer', `${proxy.host}/hostile/slow-loris:1`);
    expect(o).toMatchObject({ status: 'failed', code: 'TIME_BUDGET_EXCEEDED' });
    expect(Date.now() - started).toBeLessThan(BUDGET_MS + 20_000);
  }, SLOW);

  it('100 000 tiny tar entries complete with bounded memory (1 000 000 in npm run fuzz)', async () => {
    const o = await attack(`${FULL ? '1 000 000' : '100 000'} tar entries`, await push('many-entries', [await manyEntries(FULL ? 1_000_000 : 100_000)]));
    expect(o.status).toBe('completed');
  }, SLOW);

  it('afterwards the same worker process still completes an ordinary image', async () => {
    const o = await attack('ordinary image afterwards', await push('ordinary', [await tarLayer([{ path: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.20.3\n' }, { path: 'lib/apk/db/installed', content: 'P:musl\nV:1.2.5-r0\nA:x86_64\n' }])]));
    expect(o.status).toBe('completed');
    expect(worker.exitCode).toBeNull();
    const sbom = await (await fetch(`${base}/v1/sboms/${o.digest}`)).text();
    expect(sbom).toContain('pkg:apk/alpine/musl@1.2.5-r0');
  }, 60_000);
});
