/**
 * GET /v1/images and GET /v1/repositories/{repository}/tags end to end (real registry, real Redis, API keys on), with
 * results written by a real analysis into the real RedisResultStore; and `layerlens inspect` / `layerlens tags` as
 * users run them (a child process).
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeImage } from '../../src/analyze.js';
import { startApi, type RunningApi } from '../../src/api/server.js';
import { RedisResultStore } from '../../src/cache/redis-result-store.js';
import { loadConfig } from '../../src/config.js';
import { openImage } from '../../src/image/open.js';
import { resultSummary } from '../../src/inspect/result-summary.js';
import { createLogger } from '../../src/logger.js';
import { RegistryClient } from '../../src/registry/client.js';
import { repoRoot } from '../support/paths.js';
import { dropPrefix, redisUrl, testPrefix } from '../support/redis.js';
import { hasRegistry, registrySkipMessage, startRegistry, type TestRegistry } from '../support/registry.js';
import { pushFixtures, type Fixtures } from './inspect-support.js';

if (!hasRegistry) console.warn(registrySkipMessage);

const tsxLoader = pathToFileURL(resolve(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', tsxLoader, resolve(repoRoot, 'src/cli.ts'), ...args], { env: { ...process.env, REDIS_URL: redisUrl } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

describe.skipIf(!hasRegistry)('inspection API and CLI', () => {
  let registry: TestRegistry;
  let api: RunningApi;
  let redis: Redis;
  let fx: Fixtures;
  let base: string;
  const prefix = testPrefix('inspect');
  const key = 'inspect-test-key';
  const get = (path: string, auth = true) => fetch(`${base}${path}`, { headers: auth ? { 'x-api-key': key } : {} });

  beforeAll(async () => {
    registry = await startRegistry();
    fx = await pushFixtures(registry.url);
    // Two platforms analysed for real and stored by the real store: amd64 as the worker stores it now (summary in
    // meta), arm64 as results stored before the summary existed (figures read from the layer report).
    redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    const store = new RedisResultStore(redis, { prefix });
    const client = new RegistryClient({ plainHttpLoopback: true });
    for (const [img, withSummary] of [[fx.amd64, true], [fx.arm64, false]] as const) {
      const source = await openImage(`${registry.host}/team/app@${img.manifestDigest}`, { client });
      const r = await analyzeImage(source);
      await store.put({
        meta: {
          image: source.name,
          digest: source.digest,
          platform: r.image.platform,
          analyzerVersion: r.analyzerVersion,
          completedAt: '2025-01-01T00:00:00.000Z',
          packages: r.counts,
          warnings: r.warnings,
          ...(withSummary ? { summary: resultSummary(r.report) } : {}),
        },
        sbom: r.sbom,
        layers: JSON.stringify({ image: r.image, analyzerVersion: r.analyzerVersion, ...r.report }),
      });
    }
    const config = loadConfig({ REDIS_URL: redisUrl, PORT: '0', HOST: '127.0.0.1', LAYERLENS_INSECURE_REGISTRIES: registry.host, LAYERLENS_API_KEYS: key });
    api = await startApi(config, createLogger('silent'), { prefix });
    base = `http://127.0.0.1:${api.port}`;
  });

  afterAll(async () => {
    await api?.close();
    redis?.disconnect();
    await registry?.stop();
    await dropPrefix(prefix);
  });

  it('GET /v1/images: platforms with layerlens results beside them, or "not-analysed"', async () => {
    expect((await get(`/v1/images?ref=${registry.host}/team/app:multi`, false)).status).toBe(401);
    const res = await get(`/v1/images?ref=${encodeURIComponent(`${registry.host}/team/app:multi`)}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ kind: 'index', digest: fx.index.digest, artifacts: [{ kind: 'attestation', refersTo: fx.amd64.manifestDigest }] });
    const [amd64, arm64, windows] = body.platforms;
    for (const p of [amd64, arm64]) {
      expect(p.analysis).toMatchObject({
        status: 'analysed',
        packages: { apk: 1 },
        wastedBytes: 5000,
        efficiency: expect.any(Number),
        links: { sbom: `/v1/sboms/${p.digest}`, layers: `/v1/layers/${p.digest}` },
      });
      expect(p.analysis.efficiency).toBeLessThan(1);
      expect((await get(p.analysis.links.sbom)).status).toBe(200);
    }
    // The same figures whether they came from meta (amd64) or from the stored layer report (arm64).
    for (const p of [amd64, arm64]) expect(p.analysis.summary).toMatchObject({ layers: 2, wastedBytes: 5000, dive: { wastedBytes: expect.any(Number) } });
    expect(windows).toMatchObject({ platform: 'windows/amd64', osVersion: '10.0.17763.5458', analysis: { status: 'not-analysed' } });
    const single = (await (await get(`/v1/images?ref=${registry.host}/team/app@${fx.amd64.manifestDigest}`)).json()) as any;
    expect(single).toMatchObject({ kind: 'image', image: { analysis: { status: 'analysed', wastedBytes: 5000 }, history: [{ createdBy: 'ADD rootfs.tar /' }, { createdBy: 'RUN rm /tmp/big' }] } });
  });

  it('GET /v1/repositories/{repository}/tags: a repository name with slashes, pages linked, pattern filter', async () => {
    const first = await get(`/v1/repositories/${registry.host}/many/tags/tags?limit=50&pattern=1.0.*`);
    expect(first.status).toBe(200);
    const page = (await first.json()) as any;
    expect(page.repository).toBe(`${registry.host}/many/tags`);
    expect(page.tags).toHaveLength(50);
    expect(page.tags[0]).toMatchObject({ tag: '1.0.0', digest: fx.docker.manifestDigest, kind: 'image', platforms: [{ platform: 'linux/amd64', analysis: { status: 'not-analysed' } }] });
    const link = first.headers.get('link')!;
    expect(link).toMatch(/^<\/v1\/repositories\/127\.0\.0\.1:\d+\/many\/tags\/tags\?last=.*>; rel="next"$/);
    expect(page.links.next).toBe(/^<([^>]+)>/.exec(link)![1]);
    const seen = page.tags.map((t: any) => t.tag);
    let next: string | undefined = page.links.next;
    while (next) {
      const more = (await (await get(next)).json()) as any;
      seen.push(...more.tags.map((t: any) => t.tag));
      next = more.links?.next;
    }
    expect(seen).toEqual([...fx.manyTags].sort());

    const app = (await (await get(`/v1/repositories/${registry.host}/team/app/tags?pattern=multi`)).json()) as any;
    expect(app.tags).toHaveLength(1);
    expect(app.tags[0].platforms.map((p: any) => p.analysis.status)).toEqual(['analysed', 'analysed', 'not-analysed', 'not-analysed']);
    expect(app.next).toBeUndefined();
  });

  it('answers bad input and registry errors with problem+json', async () => {
    const cases: [string, number, string][] = [
      ['/v1/images', 400, 'INVALID_QUERY'],
      ['/v1/images?ref=UPPER/Case', 400, 'INVALID_REFERENCE'],
      [`/v1/images?ref=${registry.host}/team/app:missing`, 422, 'MANIFEST_UNKNOWN'],
      [`/v1/repositories/${registry.host}/team/app:1/tags`, 400, 'INVALID_REFERENCE'],
      [`/v1/repositories/${registry.host}/no/such/tags`, 422, 'NAME_UNKNOWN'],
      [`/v1/repositories/${registry.host}/team/app/tags?limit=0`, 400, 'INVALID_QUERY'],
    ];
    for (const [path, status, code] of cases) {
      const res = await get(path);
      expect(res.status, path).toBe(status);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.json()).toMatchObject({ status, code });
    }
  });

  it('layerlens inspect and layerlens tags print tables and JSON', async () => {
    const multi = await cli(['inspect', `${registry.host}/team/app:multi`]);
    expect(multi.code, multi.stderr).toBe(0);
    expect(multi.stdout).toContain(`Digest:     ${fx.index.digest}`);
    expect(multi.stdout).toMatch(/windows\/amd64 \(10\.0\.17763\.5458\)\s+sha256:\w+\s+[\d.]+ k?B$/m);
    expect(multi.stdout).toMatch(/attestation\s+sha256:\w+/);
    const scratch = await cli(['inspect', `${registry.host}/team/app:scratch`, '--format', 'table']);
    expect(scratch.stdout).toContain('Entrypoint: ["/hello"]');
    expect(scratch.stdout).toMatch(/\(empty\)\s+0 B\s+2024-09-06T11:35:00Z\s+USER 65532:65532/);
    const json = await cli(['inspect', `${registry.host}/team/app:empty`, '--format', 'json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ kind: 'image', image: { layers: [] } });

    const tags = await cli(['tags', `${registry.host}/many/tags`, '--pattern', '1.0.1?', '--results']);
    expect(tags.code, tags.stderr).toBe(0);
    expect(tags.stdout.split('\n').filter((l) => /^1\.0\.1\d /.test(l))).toHaveLength(10);
    expect(tags.stdout).toContain('not analysed');
    const limited = await cli(['tags', `${registry.host}/many/tags`, '--limit', '5', '--format', 'json']);
    const listing = JSON.parse(limited.stdout);
    expect(listing.tags).toHaveLength(5);
    expect(listing.next).toBe(listing.tags[4].tag);
    const bad = await cli(['tags', `${registry.host}/many/tags`, '--format', 'xml']);
    expect(bad.code).toBe(2);
    const missing = await cli(['inspect', `${registry.host}/team/app:missing`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('MANIFEST_UNKNOWN');
  });
});
