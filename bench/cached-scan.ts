/**
 * Child process of the bench: analyses an image through the worker's path with the Redis layer cache — once to fill
 * the cache (or to use what is there), then again warm, BENCH_ROUNDS times (default 1) — and prints timings and the
 * layer bytes downloaded. `warm` is the fastest warm run (as the bench counts the fastest cold scan), `warmMs` all.
 * Usage: cached-scan.ts IMAGE [IMAGE…]   (env: REDIS_URL, BENCH_PREFIX, LAYERLENS_INSECURE_REGISTRIES, BENCH_ROUNDS)
 */
import { Transform, type Readable } from 'node:stream';
import { connectRedis } from '../src/redis/connect.js';
import { analyzeImage } from '../src/analyze.js';
import { RedisLayerSummaryStore } from '../src/cache/redis-layer-store.js';
import { loadConfig } from '../src/config.js';
import { openImage } from '../src/image/open.js';
import type { ImageSource } from '../src/image/source.js';
import { registryClientFromConfig } from '../src/registry/from-config.js';
import { tuneProcess } from '../src/runtime/v8-tuning.js';

const config = loadConfig();
const redis = connectRedis(config.redis, 'queue');
const store = new RedisLayerSummaryStore(redis, { prefix: process.env.BENCH_PREFIX ?? 'layerlens-bench', maxFileBytes: config.limits.maxFileBytes });
const client = registryClientFromConfig(config);
// As a worker process runs (workers/run-worker.ts).
const hooks = tuneProcess('worker');

/** The same source, with every layer download counted. */
function counting(source: ImageSource, counter: { bytes: number; blobs: number }): ImageSource {
  const layers = source.layers.map((l) => ({
    ...l,
    async open(signal?: AbortSignal): Promise<Readable> {
      counter.blobs++;
      const s = await l.open(signal);
      const tap = new Transform({
        transform(chunk: Buffer, _e, cb) {
          counter.bytes += chunk.length;
          cb(null, chunk);
        },
      });
      s.on('error', (e) => tap.destroy(e));
      return s.pipe(tap);
    },
  }));
  return Object.assign(Object.create(Object.getPrototypeOf(source)), source, { layers });
}

async function run(image: string) {
  const counter = { bytes: 0, blobs: 0 };
  const started = performance.now();
  const source = counting(await openImage(image, { client, limits: config.limits }), counter);
  const result = await analyzeImage(source, { limits: config.limits, layerConcurrency: config.layerConcurrency, layerStore: store, hooks });
  return { ms: performance.now() - started, bytesDownloaded: counter.bytes, blobsDownloaded: counter.blobs, packages: result.packages.length };
}

const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
const out: Record<string, unknown> = {};
for (const image of process.argv.slice(2)) {
  const first = await run(image);
  const warmRuns: Awaited<ReturnType<typeof run>>[] = [];
  for (let i = 0; i < rounds; i++) warmRuns.push(await run(image));
  const warm = warmRuns.reduce((a, b) => (b.ms < a.ms ? b : a));
  out[image] = { first, warm, warmMs: warmRuns.map((r) => r.ms) };
}
process.stdout.write(`${JSON.stringify(out)}\n`);
redis.disconnect();
