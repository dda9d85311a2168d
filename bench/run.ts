/**
 * `npm run bench`: builds its own images into a test registry it starts, then measures, per image, the machine's
 * floor (fetch + sha256 + gunzip + tar header walk, in-process, layers in parallel, best of two transports), a cold
 * `layerlens scan` (the real CLI as a child: wall, CPU user+sys, peak RSS), the ratio to the floor, and a warm scan
 * through the worker's path with the Redis layer cache; then an image sharing a base (bytes downloaded), cached
 * GET /v1/sboms/{digest} (and bare node:http sending the same bytes, its floor) and POST /v1/analyses at 100
 * concurrent clients, and the throughput of 50 distinct small
 * images through API + workers. Prints one table, writes bench/results/latest.json.
 *
 * Env: BENCH_QUICK=1 skips the 1 GiB layer; BENCH_DIR (generated layers, default $TMPDIR/layerlens-bench);
 * BENCH_ROUNDS (cold scans per image, best counts; default 2); BENCH_TRIVY=path runs trivy side by side;
 * BENCH_REDIS_DB (the Redis database the service part uses and empties; default 9); REDIS_URL; BENCH_API_PROCESSES
 * (LAYERLENS_API_PROCESSES of the measured API; default 1, as the service; the cached GETs at 100 and 10 clients are
 * also run against an API of one process per core); BENCH_ONLY=service
 * builds only the Alpine image and runs only the service section (API GET/POST latency), writing
 * bench/results/latest-service.json. BENCH_IMAGES=files-500k,alpine-3.19 (comma list of image names) builds and
 * measures only those images and skips the shared-base, service and throughput sections (bench/results/latest-images.json).
 * BENCH_ONLY=fleet runs only the package-index benchmark (bench/fleet.ts: 10 000 synthetic analysed images).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { buildImage, pushImage } from '../test/support/image-builder.js';
import { corpus } from '../test/support/paths.js';
import { freePort, waitFor } from '../test/support/ports.js';
import { startRegistry } from '../test/support/registry.js';
import { floorWith, measureFloor, type FloorResult } from './floor.js';
import { buildBenchImages, pushSharedBaseImage, pushSmallImages, type BenchImage } from './images.js';
import { closedLoopGet, load, type LoadResult } from './load.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const quick = process.env.BENCH_QUICK === '1';
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const cacheDir = process.env.BENCH_DIR ?? join(tmpdir(), 'layerlens-bench');
const redisBase = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisDb = Number(process.env.BENCH_REDIS_DB ?? 9);
const only = process.env.BENCH_ONLY;
if (only !== undefined && only !== 'service' && only !== 'fleet') throw new Error(`BENCH_ONLY=${only}: only "service" and "fleet" are known`);
const serviceOnly = only === 'service';
const onlyImages = process.env.BENCH_IMAGES ? process.env.BENCH_IMAGES.split(',').map((n) => n.trim()).filter(Boolean) : undefined;
const apiProcesses = Number(process.env.BENCH_API_PROCESSES ?? 1);
export const TRIVY_ARGS = ['image', '--insecure', '--offline-scan', '--skip-db-update', '--scanners', 'license', '-q', '-f', 'cyclonedx'];
const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);

interface Run {
  wallMs: number;
  /** When the child made its first HTTP request, ms after it started (bench/rusage-hook.cjs). */
  firstRequestMs?: number;
  cpuMs: number;
  peakRssMb: number;
  ok: boolean;
  error?: string;
}

/**
 * NODE_EXTRA_CA_CERTS makes every Node process read and parse that bundle before it runs a line (~50 ms on a
 * sandbox that sets it to the system's 200 KB CA list); the bench's registry is plain HTTP on loopback and needs no
 * CA, so measured children run without it unless BENCH_KEEP_NODE_EXTRA_CA_CERTS=1. The start-up line shows both.
 */
const measuredEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  if (process.env.BENCH_KEEP_NODE_EXTRA_CA_CERTS !== '1') delete env.NODE_EXTRA_CA_CERTS;
  return env;
};

/** Runs a node child with the rusage hook; resolves with wall time, CPU user+sys and peak RSS. */
async function measureNode(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'layerlens-rusage-'));
  const file = join(dir, 'rusage.json');
  const started = performance.now();
  const child = spawn(process.execPath, ['--require', join(root, 'bench/rusage-hook.cjs'), ...args], {
    env: { ...measuredEnv(), ...env, BENCH_RUSAGE_FILE: file },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  const wallMs = performance.now() - started;
  try {
    const ru = JSON.parse(readFileSync(file, 'utf8')) as NodeJS.ResourceUsage & { firstRequestMs?: number };
    return { wallMs, firstRequestMs: ru.firstRequestMs, cpuMs: (ru.userCPUTime + ru.systemCPUTime) / 1000, peakRssMb: ru.maxRSS / 1024, ok: code === 0, error: code === 0 ? undefined : stderr.slice(-500) };
  } catch {
    return { wallMs, cpuMs: NaN, peakRssMb: NaN, ok: false, error: stderr.slice(-500) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Any binary (trivy): wall, CPU and peak RSS through /usr/bin/time when present. */
async function measureBinary(cmd: string, args: string[]): Promise<Run> {
  const time = ['/usr/bin/time'].find((p) => spawnSync(p, ['-f', '', 'true']).status === 0);
  const started = performance.now();
  const child = spawn(time ?? cmd, time ? ['-f', 'RUSAGE %U %S %M', cmd, ...args] : args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  const wallMs = performance.now() - started;
  const m = /RUSAGE ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
  return {
    wallMs,
    cpuMs: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN,
    peakRssMb: m ? Number(m[3]) / 1024 : NaN,
    ok: code === 0,
    error: code === 0 ? undefined : stderr.slice(-500),
  };
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

/** CPU seconds (user + system) used so far by a process and its live descendants; Linux /proc, NaN elsewhere. */
function treeCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // from field 3 (state): utime is 14, stime 15
    let seconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean)) {
        const s = treeCpuSeconds(Number(child));
        if (Number.isFinite(s)) seconds += s;
      }
    }
    return seconds;
  } catch {
    return NaN;
  }
}

/** The machine's CPU seconds so far, busy and in all (every core; /proc/stat), to see what other sessions took. */
function machineCpuSeconds(): { busy: number; total: number } {
  try {
    const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = ticks.reduce((a, b) => a + b, 0);
    const idle = ticks[3] + (ticks[4] ?? 0); // idle + iowait
    return { busy: (total - idle) / CLOCK_TICKS, total: total / CLOCK_TICKS };
  } catch {
    return { busy: NaN, total: NaN };
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function best(runs: Run[]): Run & { peakRssMaxMb: number } {
  const ok = runs.filter((r) => r.ok);
  const pick = (ok.length ? ok : runs).reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
  return { ...pick, peakRssMaxMb: Math.max(...runs.map((r) => r.peakRssMb)) };
}

async function main() {
  if (only === 'fleet') {
    // The package index at fleet size needs no registry, image or CLI: bench/fleet.ts on its own.
    await import('./fleet.js').then(async (m) => {
      const out = await m.runFleetBench(`${redisBase.replace(/\/\d*$/, '')}/${redisDb}`, log);
      await mkdir(join(root, 'bench/results'), { recursive: true });
      await writeFile(join(root, 'bench/results/latest-fleet.json'), `${JSON.stringify(out, null, 2)}\n`);
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    });
    return;
  }
  const loadAtStart = loadavg();
  log('building dist/ (the real CLI is measured: the package bin, dist/layerlens.cjs)');
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
  // tsc emits even with type errors (work in progress elsewhere in the tree); only a missing CLI stops the bench.
  if (tsc.status !== 0) log('tsc reported errors; measuring what it emitted');
  const bundle = spawnSync(process.execPath, [join(root, 'scripts/bundle.mjs')], { stdio: 'inherit' });
  if (bundle.status !== 0) throw new Error('scripts/bundle.mjs failed: the bin cannot be measured');
  const cli = join(root, 'dist/layerlens.cjs');
  // The bin's V8 code cache, as on a machine where layerlens has run once: written by the first run below.
  const compileCacheDir = mkdtempSync(join(tmpdir(), 'layerlens-bench-compile-cache-'));

  const registry = await startRegistry();
  const redis = new Redis(`${redisBase.replace(/\/\d*$/, '')}/${redisDb}`, { maxRetriesPerRequest: 1 });
  const serviceRedisUrl = `${redisBase.replace(/\/\d*$/, '')}/${redisDb}`;
  await redis.flushdb();
  const children: ReturnType<typeof spawn>[] = [];
  const results: Record<string, unknown> = {};
  try {
    let images: BenchImage[];
    if (serviceOnly) {
      log(`registry ${registry.host}; BENCH_ONLY=service: building the Alpine image only`);
      images = [await pushAlpineOnly(registry.url)];
    } else {
      log(`registry ${registry.host}; building images (generated layers cached in ${cacheDir})`);
      images = await buildBenchImages(registry.url, cacheDir, quick, log, onlyImages);
    }
    const env = { LAYERLENS_INSECURE_REGISTRIES: registry.host, LAYERLENS_LOG_LEVEL: 'warn', LAYERLENS_COMPILE_CACHE_DIR: compileCacheDir };
    const ref = (i: BenchImage) => `${registry.host}/${i.repo}:${i.tag}`;

    if (!serviceOnly) {
      // Start-up on its own, alternating: a bare Node, the bin's --version (process start + the bundle), and a scan
      // of an image the registry does not have (+ configuration, the registry client, one manifest round trip).
      log('start-up');
      await measureNode([cli, '--version'], env); // writes the code cache
      const startup: Record<string, Run[]> = { nodeBare: [], version: [], missingImage: [] };
      const extraCa = process.env.NODE_EXTRA_CA_CERTS;
      if (extraCa) startup.nodeBareWithExtraCa = [];
      for (let i = 0; i < Math.max(5, rounds); i++) {
        startup.nodeBare.push(await measureNode(['-e', '0'], env));
        if (extraCa) startup.nodeBareWithExtraCa.push(await measureNode(['-e', '0'], { ...env, NODE_EXTRA_CA_CERTS: extraCa }));
        startup.version.push(await measureNode([cli, '--version'], env));
        startup.missingImage.push(await measureNode([cli, 'scan', `${registry.host}/bench/missing:none`, '-q', '-o', '/dev/null'], env));
      }
      results.startup = Object.fromEntries(Object.entries(startup).map(([k, runs]) => [k, { bestMs: best(runs.map((r) => ({ ...r, ok: true }))).wallMs, medianMs: median(runs.map((r) => r.wallMs)), peakRssMb: best(runs.map((r) => ({ ...r, ok: true }))).peakRssMb }]));
    }

    const rows: Record<string, unknown>[] = [];
    for (const image of serviceOnly ? [] : images) {
      log(`${image.name}: floor`);
      const layers = image.built.layers.map((l) => ({ url: `${registry.url}/v2/${image.repo}/blobs/${l.digest}`, digest: l.digest }));
      let floor: FloorResult = await measureFloor(layers, image.compressed > 200e6 ? 1 : 2);
      log(`${image.name}: cold scans, alternating with the floor's fastest method`);
      const cold: Run[] = [];
      for (let i = 0; i < rounds; i++) {
        cold.push(await measureNode([cli, 'scan', ref(image), '-q', '-o', '/dev/null'], env));
        const again = await floorWith(floor.method, layers);
        if (again.ms < floor.ms) floor = again;
      }
      const c = best(cold);
      if (!c.ok) log(`${image.name}: scan failed: ${c.error}`);
      log(`${image.name}: warm scan (Redis layer cache)`);
      const warm = await cachedScan([ref(image)], serviceRedisUrl, env);
      const w = warm[ref(image)] as { first: { ms: number }; warm: { ms: number; bytesDownloaded: number } };
      let trivy: ReturnType<typeof best> | undefined;
      if (process.env.BENCH_TRIVY) {
        log(`${image.name}: trivy`);
        const trivyRuns: Run[] = [];
        for (let i = 0; i < rounds; i++) {
          const cache = mkdtempSync(join(tmpdir(), 'trivy-cache-'));
          // Packages only, no vulnerability DB: `-f cyclonedx` lists every package without one, and `--scanners
          // license` is the lightest scanner set Trivy accepts (no secret scan of every file; `none` is refused).
          trivyRuns.push(await measureBinary(process.env.BENCH_TRIVY, [...TRIVY_ARGS, '--cache-dir', cache, '-o', '/dev/null', ref(image)]));
          rmSync(cache, { recursive: true, force: true });
        }
        trivy = best(trivyRuns);
        if (!trivy.ok) log(`${image.name}: trivy failed: ${trivy.error}`);
      }
      rows.push({
        image: image.name,
        description: image.description,
        layers: image.built.layers.length,
        compressedMB: image.compressed / 1e6,
        tarMB: floor.tarBytes / 1e6,
        entries: floor.entries,
        floorMs: floor.ms,
        floorMethod: floor.method,
        coldMs: c.wallMs,
        coldFirstRequestMs: c.firstRequestMs,
        coldCpuMs: c.cpuMs,
        coldPeakRssMb: c.peakRssMaxMb,
        coldOk: c.ok,
        ratio: c.wallMs / floor.ms,
        warmFillMs: w.first.ms,
        warmMs: w.warm.ms,
        warmBytesDownloaded: w.warm.bytesDownloaded,
        coldOverWarm: c.wallMs / w.warm.ms,
        ...(trivy ? { trivyMs: trivy.wallMs, trivyCpuMs: trivy.cpuMs, trivyPeakRssMb: trivy.peakRssMaxMb, trivyOk: trivy.ok, trivyOverCold: trivy.wallMs / c.wallMs } : {}),
      });
    }
    results.images = rows;
    if (onlyImages) {
      // BENCH_IMAGES: the selected images' rows only; no shared-base, service or throughput sections.
      results.machine = { nproc: availableParallelism(), memoryGiB: totalmem() / 1024 ** 3, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, quick, images: onlyImages, rounds, date: new Date().toISOString(), loadAverageAtStart: loadAtStart, loadAverage: loadavg() };
      await mkdir(join(root, 'bench/results'), { recursive: true });
      await writeFile(join(root, 'bench/results/latest-images.json'), `${JSON.stringify(results, null, 2)}\n`);
      process.stdout.write(table(results));
      return;
    }

    if (!serviceOnly) {
      log('shared base: debian-npm after debian-python is cached');
      const shared = await pushSharedBaseImage(registry.url);
      const sharedRun = (await cachedScan([ref(shared)], serviceRedisUrl, env))[ref(shared)] as { first: { bytesDownloaded: number; ms: number } };
      results.sharedBase = {
        image: shared.name,
        compressedBytes: shared.compressed,
        bytesDownloaded: sharedRun.first.bytesDownloaded,
        ownLayerBytes: shared.built.layers[1].size,
        ms: sharedRun.first.ms,
      };
    }

    log('service: API + workers');
    const port = await freePort();
    const serviceEnv = {
      ...env,
      REDIS_URL: serviceRedisUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      LAYERLENS_WORKER_PROCESSES: String(availableParallelism()),
      LAYERLENS_API_PROCESSES: String(apiProcesses),
    };
    const startService = (cmd: 'serve' | 'worker', extra: Record<string, string> = {}) => {
      const child = spawn(process.execPath, [cli, cmd], { env: { ...process.env, ...serviceEnv, ...extra }, stdio: ['ignore', 'ignore', 'inherit'] });
      children.push(child);
      return child;
    };
    const api = startService('serve');
    const workers = startService('worker');
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${base}/readyz`)).ok, 20_000, 'the API');
    const alpine = images[0];
    const done = await analyse(base, [ref(alpine)], 60_000);
    const digest = done[0].digest as string;
    const sbomUrl = `${base}/v1/sboms/${digest}`;
    // CPU seconds of each process tree during a load: what the API used, and whether the idle workers did anything.
    const redisPid = Number((await redis.info('server')).match(/process_id:(\d+)/)?.[1]) || undefined;
    const measured = async (run: () => Promise<LoadResult>, extra: Record<string, ReturnType<typeof spawn>> = {}): Promise<LoadResult & { cpuSeconds: Record<string, number>; loadAverage: number[] }> => {
      const trees: Record<string, number | undefined> = { api: api.pid, workers: workers.pid, redis: redisPid, ...Object.fromEntries(Object.entries(extra).map(([k, c]) => [k, c.pid])) };
      const before = Object.fromEntries(Object.entries(trees).map(([k, pid]) => [k, treeCpuSeconds(pid)]));
      const machineBefore = machineCpuSeconds();
      const result = await run();
      const machine = machineCpuSeconds();
      const cpuSeconds: Record<string, number> = Object.fromEntries(Object.entries(trees).map(([k, pid]) => [k, treeCpuSeconds(pid) - before[k]]));
      cpuSeconds.loadGenerator = result.generatorCpuSeconds ?? NaN;
      cpuSeconds.machineBusy = machine.busy - machineBefore.busy;
      cpuSeconds.machineTotal = machine.total - machineBefore.total;
      return { ...result, cpuSeconds, loadAverage: loadavg() };
    };
    await load({ url: sbomUrl, clients: 10, maxRequests: 2_000, maxSeconds: 2 }); // warm-up: JIT, each process's LRU, sockets
    // Closed loop: throughput, and latency that is mostly queueing once the server is saturated (Little's law).
    const get = await measured(() => closedLoopGet({ url: sbomUrl, clients: 100, maxRequests: 200_000, maxSeconds: 10 }));
    // The floor, right after: bare node:http sending the same bytes and headers (bench/http-floor-server.mjs).
    const floorGet = await measured(() => httpFloor(sbomUrl, (url) => closedLoopGet({ url, clients: 100, maxRequests: 200_000, maxSeconds: 10 })));
    const getGzip = await measured(() => closedLoopGet({ url: sbomUrl, headers: { 'accept-encoding': 'gzip' }, clients: 100, maxRequests: 200_000, maxSeconds: 10 }));
    const get10 = await measured(() => closedLoopGet({ url: sbomUrl, clients: 10, maxRequests: 100_000, maxSeconds: 5 }));
    // Open loop: a fixed rate the server can carry, latency counted from each request's scheduled time.
    const open: LoadResult[] = [];
    for (const rate of [1_000, 2_000, 4_000]) open.push(await measured(() => load({ url: sbomUrl, clients: 100, rate, maxRequests: rate * 10, maxSeconds: 10 })));
    const post = await measured(() => load({ url: `${base}/v1/analyses`, method: 'POST', body: JSON.stringify({ image: ref(alpine) }), clients: 100, maxRequests: 20_000, maxSeconds: 10 }));
    // The cached GETs again on an API of one process per core (or of one process, when the main API has several):
    // the other LAYERLENS_API_PROCESSES choice, started only for these two runs, then stopped.
    const otherProcesses = apiProcesses === 1 ? availableParallelism() : 1;
    let otherApiRuns: { processes: number; getSbom: LoadResult; getSbom10: LoadResult } | undefined;
    if (otherProcesses !== apiProcesses) {
      const otherPort = await freePort();
      const otherApi = startService('serve', { PORT: String(otherPort), LAYERLENS_API_PROCESSES: String(otherProcesses) });
      const otherUrl = `http://127.0.0.1:${otherPort}/v1/sboms/${digest}`;
      await waitFor(async () => (await fetch(otherUrl)).ok, 20_000, `the API of ${otherProcesses} process(es)`);
      await load({ url: otherUrl, clients: 10, maxRequests: 2_000, maxSeconds: 2 });
      otherApiRuns = {
        processes: otherProcesses,
        getSbom: await measured(() => closedLoopGet({ url: otherUrl, clients: 100, maxRequests: 200_000, maxSeconds: 10 }), { otherApi }),
        getSbom10: await measured(() => closedLoopGet({ url: otherUrl, clients: 10, maxRequests: 100_000, maxSeconds: 5 }), { otherApi }),
      };
      otherApi.kill('SIGTERM');
      await new Promise((r) => (otherApi.exitCode !== null || otherApi.signalCode !== null ? r(null) : otherApi.once('exit', r)));
    }
    // The same GETs on a second API without the in-process cache (LAYERLENS_RESULT_MEMORY_CACHE_BYTES=0: every GET
    // reads Redis, as before the cache existed). Started only now, so it is not running during the measurements above.
    const uncachedPort = await freePort();
    const uncachedApi = startService('serve', { PORT: String(uncachedPort), LAYERLENS_RESULT_MEMORY_CACHE_BYTES: '0' });
    const uncached = `http://127.0.0.1:${uncachedPort}/v1/sboms/${digest}`;
    await waitFor(async () => (await fetch(uncached)).ok, 20_000, 'the second API');
    await load({ url: uncached, clients: 10, maxRequests: 2_000, maxSeconds: 2 });
    const getUncached = await measured(() => closedLoopGet({ url: uncached, clients: 100, maxRequests: 200_000, maxSeconds: 10 }), { uncachedApi });
    const openUncached = await measured(() => load({ url: uncached, clients: 100, rate: 2_000, maxRequests: 20_000, maxSeconds: 10 }), { uncachedApi });
    const sbomRes = await fetch(sbomUrl, { headers: { 'accept-encoding': 'identity' } });
    const sbomBytes = (await sbomRes.arrayBuffer()).byteLength;
    const gzipRes = await fetch(sbomUrl); // undici asks for gzip and inflates; the wire size is Content-Length
    const sbomGzipBytes = Number(gzipRes.headers.get('content-length'));
    await gzipRes.arrayBuffer();
    results.service = {
      apiProcesses,
      workerProcesses: availableParallelism(),
      getSbom: get,
      getSbomFloor: floorGet,
      getSbomGzip: getGzip,
      getSbom10: get10,
      getSbomOpen: open,
      otherApiProcesses: otherApiRuns,
      getSbomUncached: getUncached,
      getSbomOpenUncached: openUncached,
      postCached: post,
      sbomBytes,
      sbomGzipBytes,
    };

    if (!serviceOnly) {
      log('throughput: 50 distinct small images');
      const small = await pushSmallImages(registry.url, 50);
      const t0 = performance.now();
      const finished = await analyse(base, small.map((s) => `${registry.host}/${s}`), 300_000);
      const seconds = (performance.now() - t0) / 1000;
      results.throughput = { images: small.length, completed: finished.filter((j) => j.status === 'completed').length, seconds, imagesPerSecond: small.length / seconds, workerProcesses: availableParallelism() };
    }

    results.machine = {
      nproc: availableParallelism(),
      memoryGiB: totalmem() / 1024 ** 3,
      cpu: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      quick,
      only,
      rounds,
      date: new Date().toISOString(),
      loadAverageAtStart: loadAtStart,
      loadAverage: loadavg(),
      trivyCommand: process.env.BENCH_TRIVY ? `trivy ${TRIVY_ARGS.join(' ')} --cache-dir FRESH -o /dev/null IMAGE` : undefined,
    };
    await mkdir(join(root, 'bench/results'), { recursive: true });
    await writeFile(join(root, `bench/results/${serviceOnly ? 'latest-service' : 'latest'}.json`), `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(table(results));
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r)))));
    await redis.flushdb().catch(() => undefined);
    redis.disconnect();
    rmSync(compileCacheDir, { recursive: true, force: true });
    await registry.stop();
  }
}

/**
 * Runs `measure` against bench/http-floor-server.mjs serving the identity body and headers `url` answers with: what
 * any Node server on this machine gets at the same load, in the same run.
 */
async function httpFloor(url: string, measure: (url: string) => Promise<LoadResult>): Promise<LoadResult> {
  const res = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
  const body = Buffer.from(await res.arrayBuffer());
  const headers = Object.fromEntries(['content-type', 'etag', 'cache-control', 'vary'].flatMap((h) => (res.headers.has(h) ? [[h, res.headers.get(h)!]] : [])));
  const dir = mkdtempSync(join(tmpdir(), 'layerlens-http-floor-'));
  writeFileSync(join(dir, 'body'), body);
  writeFileSync(join(dir, 'headers.json'), JSON.stringify(headers));
  const port = await freePort();
  const server = spawn(process.execPath, [join(root, 'bench/http-floor-server.mjs'), String(port), join(dir, 'body'), join(dir, 'headers.json')], { stdio: 'inherit' });
  try {
    const floorUrl = `http://127.0.0.1:${port}/`;
    await waitFor(async () => (await fetch(floorUrl)).ok, 10_000, 'the HTTP floor server');
    await load({ url: floorUrl, clients: 10, maxRequests: 2_000, maxSeconds: 2 });
    return await measure(floorUrl);
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => (server.exitCode !== null || server.signalCode !== null ? r(null) : server.once('exit', r)));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** BENCH_ONLY=service: the one image the service section analyses and serves (bench/images.ts' alpine-3.19). */
async function pushAlpineOnly(registryUrl: string): Promise<BenchImage> {
  const built = await buildImage([{ file: corpus('alpine/alpine-minirootfs-3.19.4-x86_64.tar.gz'), createdBy: 'ADD alpine-minirootfs /' }]);
  await pushImage(registryUrl, 'bench/alpine', 'bench', built);
  return { name: 'alpine-3.19', repo: 'bench/alpine', tag: 'bench', built, compressed: built.layers.reduce((a, l) => a + l.size, 0), description: 'Alpine 3.19 (1 layer)' };
}

async function cachedScan(imageRefs: string[], redisUrl: string, env: Record<string, string>): Promise<Record<string, unknown>> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/cached-scan.ts'), ...imageRefs], {
    cwd: root,
    env: { ...process.env, ...env, REDIS_URL: redisUrl, BENCH_PREFIX: 'layerlens-bench' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`cached-scan exited with ${code}`);
  return JSON.parse(out) as Record<string, unknown>;
}

/** POSTs every image, then polls until each job is completed or failed. */
async function analyse(base: string, images: string[], timeoutMs: number): Promise<Record<string, unknown>[]> {
  const jobs = await Promise.all(
    images.map(async (image) => {
      const res = await fetch(`${base}/v1/analyses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image }) });
      const body = (await res.json()) as Record<string, unknown>;
      if (res.status >= 400) throw new Error(`POST ${image}: ${res.status} ${JSON.stringify(body)}`);
      return body;
    }),
  );
  const deadline = Date.now() + timeoutMs;
  const out: Record<string, unknown>[] = [];
  for (const job of jobs) {
    for (;;) {
      const view = (await (await fetch(`${base}/v1/analyses/${job.id as string}`)).json()) as Record<string, unknown>;
      if (view.status === 'completed' || view.status === 'failed') {
        out.push(view);
        break;
      }
      if (Date.now() > deadline) throw new Error(`job ${job.id as string} still ${view.status as string}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return out;
}

const f = (n: unknown, d = 0) => (typeof n === 'number' && Number.isFinite(n) ? n.toFixed(d) : '—');

function table(r: Record<string, any>): string {
  const lines: string[] = [];
  const hasTrivy = r.images.some((i: any) => i.trivyMs !== undefined);
  if (r.images.length) {
    lines.push(
      `| image | layers | compressed MB | tar MB | entries | floor s | scan cold s | start-up s | CPU s | peak RSS MB | cold / floor | warm s | cold / warm |${hasTrivy ? ' trivy s | trivy RSS MB | trivy / scan |' : ''}`,
    );
    lines.push(`|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|${hasTrivy ? '---:|---:|---:|' : ''}`);
    for (const i of r.images) {
      lines.push(
        `| ${i.image}${i.coldOk ? '' : ' (failed)'} | ${i.layers} | ${f(i.compressedMB, 1)} | ${f(i.tarMB, 0)} | ${i.entries} | ${f(i.floorMs / 1000, 2)} | ${f(i.coldMs / 1000, 2)} | ${f(i.coldFirstRequestMs / 1000, 3)} | ${f(i.coldCpuMs / 1000, 2)} | ${f(i.coldPeakRssMb, 0)} | ${f(i.ratio, 2)}× | ${f(i.warmMs / 1000, 3)} | ${f(i.coldOverWarm, 1)}× |` +
          (hasTrivy ? ` ${f(i.trivyMs / 1000, 2)} | ${f(i.trivyPeakRssMb, 0)} | ${f(i.trivyOverCold, 2)}× |` : ''),
      );
    }
    lines.push('');
    lines.push('start-up s: when the cold scan made its first registry request (process start, module loading, configuration).');
  }
  const st = r.startup;
  if (st) {
    lines.push(
      `Start-up (best / median of ${Math.max(5, r.machine.rounds ?? 2)}, alternating): node -e 0 ${f(st.nodeBare.bestMs / 1000, 3)} / ${f(st.nodeBare.medianMs / 1000, 3)} s${st.nodeBareWithExtraCa ? ` (with this machine's NODE_EXTRA_CA_CERTS ${f(st.nodeBareWithExtraCa.bestMs / 1000, 3)} / ${f(st.nodeBareWithExtraCa.medianMs / 1000, 3)} s)` : ''}; layerlens --version ${f(st.version.bestMs / 1000, 3)} / ${f(st.version.medianMs / 1000, 3)} s; scan of a missing image (exit 1) ${f(st.missingImage.bestMs / 1000, 3)} / ${f(st.missingImage.medianMs / 1000, 3)} s, ${f(st.missingImage.peakRssMb, 0)} MB`,
    );
  }
  const s = r.sharedBase;
  if (s) {
    lines.push(`Shared base: ${s.image} (${f(s.compressedBytes / 1e6, 1)} MB compressed) after debian-python: downloaded ${f(s.bytesDownloaded / 1e6, 2)} MB (its own layer: ${f(s.ownLayerBytes / 1e6, 2)} MB) in ${f(s.ms / 1000, 2)} s`);
  }
  const sv = r.service;
  // CPU seconds per process tree, and what the rest of the machine (other sessions, the idle registry) took meanwhile.
  const cpu = (c: Record<string, number> | undefined) => {
    if (!c) return '';
    const ours = Object.entries(c).filter(([k, v]) => k !== 'machineBusy' && k !== 'machineTotal' && Number.isFinite(v));
    const others = c.machineBusy - ours.reduce((a, [, v]) => a + v, 0);
    return `; CPU s: ${ours.map(([k, v]) => `${k} ${f(v, 1)}`).join(', ')}, others ${f(others, 1)}; machine busy ${f(c.machineBusy, 1)} of ${f(c.machineTotal, 1)}`;
  };
  const l = (name: string, x: LoadResult & { cpuSeconds?: Record<string, number> }) =>
    `${name}: ${x.mode === 'open' ? `open loop at ${x.rate} req/s over ≤ ${x.clients} sockets` : `${x.clients} clients (closed loop)`}, ${x.tool}: ${x.requests} requests, p50 ${f(x.p50, 2)} ms, p90 ${f(x.p90, 2)} ms, p99 ${f(x.p99, 2)} ms, max ${f(x.max, 1)} ms, ${f(x.rps, 0)} req/s, errors ${x.errors}, statuses ${JSON.stringify(x.statuses)}${cpu(x.cpuSeconds)}`;
  if (sv) {
    lines.push(`SBOM: ${f(sv.sbomBytes / 1024, 1)} KiB, ${f(sv.sbomGzipBytes / 1024, 1)} KiB gzip'd; ${sv.apiProcesses} API process(es), ${sv.workerProcesses} worker processes`);
    lines.push(l('GET /v1/sboms/{digest} (in-process cache)', sv.getSbom));
    if (sv.getSbomFloor) lines.push(l('GET floor (bare node:http, the same bytes and headers)', sv.getSbomFloor));
    lines.push(l('GET /v1/sboms/{digest} (in-process cache, gzip)', sv.getSbomGzip));
    lines.push(l('GET /v1/sboms/{digest} (in-process cache)', sv.getSbom10));
    for (const o of sv.getSbomOpen) lines.push(l('GET /v1/sboms/{digest} (in-process cache)', o));
  if (sv.otherApiProcesses) {
    const o = sv.otherApiProcesses;
    lines.push(l(`GET /v1/sboms/{digest} (in-process cache, ${o.processes} API process(es))`, o.getSbom));
    lines.push(l(`GET /v1/sboms/{digest} (in-process cache, ${o.processes} API process(es))`, o.getSbom10));
  }
    lines.push(l('GET /v1/sboms/{digest} (Redis only, no in-process cache)', sv.getSbomUncached));
    lines.push(l('GET /v1/sboms/{digest} (Redis only, no in-process cache)', sv.getSbomOpenUncached));
    lines.push(l('POST /v1/analyses (completed result)', sv.postCached));
  }
  const t = r.throughput;
  if (t) lines.push(`Throughput: ${t.completed}/${t.images} small images through API + ${t.workerProcesses} worker processes in ${f(t.seconds, 2)} s (${f(t.imagesPerSecond, 1)} images/s)`);
  const m = r.machine;
  lines.push(`Machine: ${m.nproc} × ${m.cpu}, ${f(m.memoryGiB, 1)} GiB, Node ${m.node}${m.quick ? ' (BENCH_QUICK)' : ''}${m.only ? ` (BENCH_ONLY=${m.only})` : ''}; load average (1/5/15 min) at the start ${m.loadAverageAtStart.map((x: number) => x.toFixed(2)).join(' ')}, at the end ${m.loadAverage.map((x: number) => x.toFixed(2)).join(' ')}`);
  if (m.trivyCommand) lines.push(`Trivy: ${m.trivyCommand}`);
  return `${lines.join('\n')}\n`;
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
