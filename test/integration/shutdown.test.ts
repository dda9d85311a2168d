/**
 * SIGTERM on the real CLI processes (`layerlens worker`, `layerlens serve`), on the real Redis and registry: a worker
 * whose job outlives the grace period hands it back to the waiting list (not left active/stalled for the lock
 * duration) and exits 0; a worker whose job ends within the grace finishes it; the API answers the request in flight,
 * refuses new connections and exits 0 within its bound.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYZE_QUEUE } from '../../src/jobs/analysis-job.js';
import { AnalysisQueue } from '../../src/jobs/client.js';
import { KeySpace } from '../../src/redis/keys.js';
import { ANALYZER_VERSION } from '../../src/catalog/catalogers.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { buildImage, pushImage, tarLayer, type BuiltImage } from '../support/image-builder.js';
import { repoRoot } from '../support/paths.js';
import { freePort, waitFor } from '../support/ports.js';
import { dropPrefix, redisUrl, testPrefix } from '../support/redis.js';
import { hasRegistry, registrySkipMessage, startRegistry, type TestRegistry } from '../support/registry.js';

const tsxLoader = pathToFileURL(resolve(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;
const prefix = testPrefix('shutdown');

interface Proc {
  child: ChildProcess;
  lines: { msg: string; [k: string]: unknown }[];
  exited: Promise<{ code: number | null; at: number }>;
}

function cli(command: string, env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ['--import', tsxLoader, resolve(repoRoot, 'src/cli.ts'), command], {
    cwd: repoRoot,
    env: { ...process.env, REDIS_URL: redisUrl, LAYERLENS_KEY_PREFIX: prefix, LAYERLENS_WORKER_PROCESSES: '1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Proc['lines'] = [];
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => {
    const all = (partial + d.toString()).split('\n');
    partial = all.pop() ?? '';
    for (const l of all) if (l.startsWith('{')) lines.push(JSON.parse(l));
  });
  const exited = new Promise<{ code: number | null; at: number }>((r) => child.once('exit', (code) => r({ code, at: Date.now() })));
  return { child, lines, exited };
}

const suite = hasRegistry ? describe : describe.skip;
if (!hasRegistry) console.warn(registrySkipMessage);

suite('SIGTERM on real processes', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let image: BuiltImage;
  let redis: Redis;
  let queue: Queue;
  let analyses: AnalysisQueue;
  const started: Proc[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await new FaultProxy(registry.url).start();
    image = await buildImage([{ bytes: await tarLayer([{ path: 'etc/hello.txt', content: 'shutdown' }]) }]);
    await pushImage(registry.url, 'test/shutdown', '1', image);
    redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    queue = new Queue(ANALYZE_QUEUE, { connection: redis, prefix: new KeySpace(prefix).queuePrefix(ANALYZE_QUEUE) });
    analyses = new AnalysisQueue(redis, { prefix, attempts: 3 });
    env = { LAYERLENS_INSECURE_REGISTRIES: proxy.host, LAYERLENS_ALLOW_PRIVATE_REGISTRIES: 'true', LAYERLENS_LAYER_CACHE: 'false' };
  });

  afterAll(async () => {
    for (const p of started) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await analyses?.close();
    await queue?.close();
    redis?.disconnect();
    await proxy?.stop();
    await registry?.stop();
    await dropPrefix(prefix);
  });

  const enqueue = async (platform: string) => {
    await queue.obliterate({ force: true }).catch(() => undefined);
    return analyses.enqueue({
      image: `${proxy.host}/test/shutdown:1`,
      pinned: `${proxy.host}/test/shutdown@${image.manifestDigest}`,
      digest: image.manifestDigest,
      platform,
      analyzerVersion: ANALYZER_VERSION,
      requestedAt: new Date().toISOString(),
    });
  };

  const startWorker = async (grace: string) => {
    const p = cli('worker', { ...env, LAYERLENS_SHUTDOWN_GRACE: grace });
    started.push(p);
    await waitFor(async () => p.lines.some((l) => l.msg === 'layerlens worker started'), 60_000, 'the worker');
    return p;
  };

  it('hands a job that outlives the grace period back to the waiting list, exits 0, and another worker finishes it', async () => {
    proxy.addFault({ method: 'GET', path: /\/blobs\//, fault: { kind: 'delay', ms: 30_000 }, times: 1 });
    const { id } = await enqueue('linux/amd64');
    const worker = await startWorker('1s');
    await waitFor(async () => (await queue.getJobState(id)) === 'active', 20_000, 'the job to be active');
    await new Promise((r) => setTimeout(r, 300));
    const sent = Date.now();
    worker.child.kill('SIGTERM');
    const { code, at } = await worker.exited;
    expect(code).toBe(0);
    expect(at - sent).toBeLessThan(6_000); // grace 1 s + hand-back, far below the 30 s stall and the 60 s lock
    expect(await queue.getJobState(id)).toBe('waiting');
    expect((await queue.getJob(id))!.attemptsMade).toBe(0);
    expect(worker.lines.some((l) => l.msg === 'job handed back to the queue (worker shutting down)')).toBe(true);
    // The delay fault was used up: a new worker completes the job at once.
    const next = await startWorker('10s');
    await waitFor(async () => (await queue.getJobState(id)) === 'completed', 30_000, 'the handed-back job to complete');
    next.child.kill('SIGTERM');
    expect((await next.exited).code).toBe(0);
  }, 120_000);

  it('lets a job that ends within the grace period finish, then exits 0', async () => {
    proxy.addFault({ method: 'GET', path: /\/blobs\//, fault: { kind: 'delay', ms: 1_500 }, times: 1 });
    const { id } = await enqueue('linux/amd64');
    const worker = await startWorker('15s');
    await waitFor(async () => (await queue.getJobState(id)) === 'active', 20_000, 'the job to be active');
    worker.child.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
    expect(await queue.getJobState(id)).toBe('completed');
  }, 120_000);

  it('the API answers the request in flight, accepts no new connection, and exits 0', async () => {
    const port = await freePort();
    const api = cli('serve', { ...env, PORT: String(port), HOST: '127.0.0.1', LAYERLENS_SHUTDOWN_GRACE: '10s' });
    started.push(api);
    await waitFor(async () => api.lines.some((l) => l.msg === 'layerlens API listening'), 60_000, 'the API');
    // Resolving the tag goes through the proxy: held 1.5 s, so the request is in flight when SIGTERM arrives.
    // Earlier tests' manifest requests must not count as this one reaching the registry.
    proxy.clear();
    proxy.addFault({ path: /\/manifests\//, fault: { kind: 'delay', ms: 1_500 }, times: 1 });
    const inFlight = new Promise<number>((done, fail) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/analyses', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode ?? 0));
      });
      req.on('error', fail);
      req.end(JSON.stringify({ image: `${proxy.host}/test/shutdown:1` }));
    });
    await waitFor(async () => proxy.requests.some((r) => r.path.includes('/manifests/')), 10_000, 'the request to reach the registry');
    const sent = Date.now();
    api.child.kill('SIGTERM');
    await waitFor(async () => api.lines.some((l) => l.msg === 'shutting down'), 5_000, 'the API to start shutting down');
    const refused = await new Promise<boolean>((done) => {
      const req = request({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
        res.resume();
        done(false);
      });
      req.on('error', () => done(true));
      req.end();
    });
    expect(refused).toBe(true);
    expect([200, 202]).toContain(await inFlight);
    const { code, at } = await api.exited;
    expect(code).toBe(0);
    expect(at - sent).toBeLessThan(10_000);
  }, 120_000);
});
