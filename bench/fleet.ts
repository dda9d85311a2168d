/**
 * `BENCH_ONLY=fleet npm run bench`: the package index at fleet size. Writes 10 000 synthetic analysed images
 * (generated results, not scans: ~200 deb packages of a Debian base with drifting versions, plus ~100 npm packages
 * from a pool of 3 000) into Redis database BENCH_REDIS_DB (default 9, emptied), then times index writes per
 * analysis and GET /v1/packages-equivalent queries (the API's own PackageIndex.query): a name held by every image, a
 * range matching about a third, and a rare name. Writes bench/results/latest-fleet.json.
 *
 * Env: BENCH_FLEET_IMAGES (default 10000), BENCH_FLEET_QUERIES (default 300 per kind).
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RedisResultStore } from '../src/cache/redis-result-store.js';
import { factsOf } from '../src/fleet/package-facts.js';
import { KeySpace } from '../src/redis/keys.js';
import { PackageIndex } from '../src/fleet/package-index.js';
import { buildPurl, type Package } from '../src/sbom/package.js';
import { parseVers } from '../src/versions/vers.js';
import { connectRedis } from '../src/redis/connect.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const IMAGES = Number(process.env.BENCH_FLEET_IMAGES ?? 10_000);
const QUERIES = Number(process.env.BENCH_FLEET_QUERIES ?? 300);
const OPENSSL = ['3.0.11-1~deb12u1', '3.0.11-1~deb12u2', '3.0.13-1~deb12u1', '3.0.14-1~deb12u1', '3.0.15-1~deb12u1'];

/** A deterministic generator, so two runs write the same fleet. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

function pkg(type: 'deb' | 'npm', name: string, version: string, layer: number): Package {
  const purl = type === 'deb' ? buildPurl('deb', 'debian', name, version, { arch: 'amd64', distro: 'debian-12' }) : buildPurl('npm', undefined, name, version);
  return { type, name, version, arch: type === 'deb' ? 'amd64' : undefined, purl, licenses: ['MIT'], location: '', layer: { index: layer, digest: '', diffId: '' }, foundBy: type, ref: purl, dependsOn: [], properties: {} };
}

function imagePackages(i: number): Package[] {
  const r = rng(i + 1);
  const out: Package[] = [pkg('deb', 'openssl', OPENSSL[Math.floor(r() * OPENSSL.length)]!, 0)];
  for (let d = 0; d < 200; d++) out.push(pkg('deb', `libbase${d}`, `1.${d}.${Math.floor(r() * 3)}-1`, 0));
  const npm = new Set<number>();
  while (npm.size < 100) npm.add(Math.floor(r() * 3000));
  for (const n of npm) out.push(pkg('npm', `module-${n}`, `${Math.floor(r() * 5)}.${Math.floor(r() * 20)}.0`, 1));
  return out;
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

export async function runFleetBench(redisUrl: string, log: (m: string) => void): Promise<Record<string, unknown>> {
  const redis = connectRedis({ mode: 'standalone', url: redisUrl }, 'queue');
  await redis.flushdb();
  const prefix = 'benchfleet';
  const results = new RedisResultStore(redis, { prefix, analyzerVersion: 'bench' });
  const index = new PackageIndex(redis, results, { prefix, analyzerVersion: 'bench' });
  const digests: string[] = [];
  const writeMs: number[] = [];
  log(`fleet: writing ${IMAGES} analysed images`);
  for (let i = 0; i < IMAGES; i++) {
    const digest = `sha256:${createHash('sha256').update(`image-${i}`).digest('hex')}`;
    digests.push(digest);
    const facts = factsOf(imagePackages(i));
    const t = performance.now();
    await index.record({ digest, image: `registry.example.com/team/app-${i % 500}:${i}`, platform: 'linux/amd64', facts });
    writeMs.push(performance.now() - t);
    // The result's meta is what the query checks presence by; written here as the worker would.
    await redis.set(new KeySpace(prefix).resultKey('bench', digest, 'meta'), JSON.stringify({ image: '', digest, platform: 'linux/amd64', analyzerVersion: 'bench', completedAt: new Date().toISOString(), packages: {}, warnings: [] }));
  }
  const memory = Number((await redis.info('memory')).match(/used_memory:(\d+)/)?.[1] ?? 0);
  const kinds = {
    'name (every image)': { identity: 'deb/debian/openssl', range: undefined },
    'range (~40% of images)': { identity: 'deb/debian/openssl', range: parseVers('vers:deb/<3.0.13-1~deb12u1') },
    'rare name (~3% of images)': { identity: 'npm//module-7', range: undefined },
  };
  const queries: Record<string, unknown> = {};
  for (const [kind, q] of Object.entries(kinds)) {
    const ms: number[] = [];
    let matched = 0;
    for (let n = 0; n < QUERIES; n++) {
      const t = performance.now();
      const page = await index.query(q.identity, q.range, { limit: 100 });
      ms.push(performance.now() - t);
      matched = page.images.length;
    }
    queries[kind] = { p50Ms: percentile(ms, 50), p99Ms: percentile(ms, 99), firstPageImages: matched };
    log(`fleet: ${kind}: p50 ${percentile(ms, 50).toFixed(2)} ms, p99 ${percentile(ms, 99).toFixed(2)} ms`);
  }
  await redis.flushdb();
  redis.disconnect();
  return {
    images: IMAGES,
    packagesPerImage: 301,
    indexWrite: { p50Ms: percentile(writeMs, 50), p99Ms: percentile(writeMs, 99), meanMs: writeMs.reduce((a, b) => a + b, 0) / writeMs.length },
    redisUsedMemoryMB: memory / 1e6,
    queries,
    machine: { nproc: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', node: process.version, date: new Date().toISOString() },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const base = (process.env.REDIS_URL ?? 'redis://127.0.0.1:6379').replace(/\/\d*$/, '');
  const out = await runFleetBench(`${base}/${Number(process.env.BENCH_REDIS_DB ?? 9)}`, (m) => process.stderr.write(`${m}\n`));
  await mkdir(join(root, 'bench/results'), { recursive: true });
  await writeFile(join(root, 'bench/results/latest-fleet.json'), `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}
