/**
 * `layerlens serve` with LAYERLENS_API_PROCESSES=2, as users run it (the CLI as a child process, the real Redis):
 * both API processes answer on the one port, a crashed one is replaced while the other keeps serving, and SIGTERM
 * stops the primary and every API process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { get } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisResultStore } from '../../src/cache/redis-result-store.js';
import { ANALYZER_VERSION } from '../../src/catalog/catalogers.js';
import { repoRoot } from '../support/paths.js';
import { freePort, waitFor } from '../support/ports.js';
import { redisUrl } from '../support/redis.js';
import { KeySpace } from '../../src/redis/keys.js';

const tsxLoader = pathToFileURL(resolve(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;
const DIGEST = `sha256:${randomBytes(32).toString('hex')}`;
const SBOM = JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [{ name: 'api-processes-test' }] });

interface LogLine {
  pid: number;
  msg: string;
  childPid?: number;
  path?: string;
  status?: number;
}

/** One GET on a connection of its own (no keep-alive), so the primary hands each to the next API process. */
function getOnNewConnection(url: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
    }).on('error', fail);
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('layerlens serve with two API processes', () => {
  let serve: ChildProcess;
  let base: string;
  let redis: Redis;
  const lines: LogLine[] = [];
  let exited: Promise<number | null>;

  beforeAll(async () => {
    redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    await new RedisResultStore(redis).put({
      meta: { image: 'test/api-processes:1', digest: DIGEST, platform: 'linux/amd64', analyzerVersion: ANALYZER_VERSION, completedAt: new Date().toISOString(), packages: {}, warnings: [] },
      sbom: SBOM,
      layers: '{"layers":[]}',
    });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    serve = spawn(process.execPath, ['--import', tsxLoader, resolve(repoRoot, 'src/cli.ts'), 'serve'], {
      cwd: repoRoot,
      env: { ...process.env, REDIS_URL: redisUrl, PORT: String(port), HOST: '127.0.0.1', LAYERLENS_API_PROCESSES: '2', LAYERLENS_LOG_LEVEL: 'debug' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    exited = new Promise((r) => serve.once('exit', (code) => r(code)));
    let partial = '';
    serve.stdout!.on('data', (d: Buffer) => {
      const text = partial + d.toString();
      const all = text.split('\n');
      partial = all.pop() ?? '';
      for (const l of all) if (l.startsWith('{')) lines.push(JSON.parse(l) as LogLine);
    });
    // Both API processes listening (each logs it), then the port answering.
    await waitFor(async () => lines.filter((l) => l.msg === 'layerlens API listening').length >= 2, 60_000, 'two API processes listening');
    await waitFor(async () => (await getOnNewConnection(`${base}/readyz`)).status === 200, 20_000, 'the API');
  });

  afterAll(async () => {
    if (serve && serve.exitCode === null && serve.signalCode === null) {
      serve.kill('SIGKILL');
      for (const l of lines) if (l.childPid && alive(l.childPid)) process.kill(l.childPid, 'SIGKILL');
    }
    await redis?.del(...(['sbom', 'layers', 'meta'] as const).map((part) => new KeySpace().resultKey(ANALYZER_VERSION, DIGEST, part)));
    redis?.disconnect();
  });

  const apiPids = () => lines.filter((l) => l.msg === 'api process started').map((l) => l.childPid!);
  const answeredBy = () => new Set(lines.filter((l) => l.msg === 'request' && l.path === `/v1/sboms/${DIGEST}`).map((l) => l.pid));

  it('answers from both processes on one port, and keeps answering while a crashed one is replaced', async () => {
    const [first, second] = apiPids();
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(0);
    expect(first).not.toBe(serve.pid);
    for (let i = 0; i < 6; i++) {
      const res = await getOnNewConnection(`${base}/v1/sboms/${DIGEST}`);
      expect(res.status).toBe(200);
      expect(res.body).toBe(SBOM);
    }
    await waitFor(async () => answeredBy().size === 2, 5_000, 'request logs of both processes');
    expect(answeredBy()).toEqual(new Set([first, second]));

    process.kill(first, 'SIGKILL');
    await waitFor(async () => !alive(first), 5_000, 'the killed API process to exit');
    for (let i = 0; i < 4; i++) expect((await getOnNewConnection(`${base}/v1/sboms/${DIGEST}`)).status).toBe(200);
    expect(lines.some((l) => l.msg === 'api process exited; restarting' && l.childPid === first)).toBe(true);
    // The supervisor starts a replacement after its restart delay (1 s).
    await waitFor(async () => lines.filter((l) => l.msg === 'layerlens API listening').length >= 3, 60_000, 'a replacement API process');
    const replacement = apiPids()[2];
    expect(alive(replacement)).toBe(true);
    await waitFor(
      async () => {
        await getOnNewConnection(`${base}/v1/sboms/${DIGEST}`);
        return answeredBy().has(replacement);
      },
      10_000,
      'the replacement to answer',
    );
  });

  it('stops the primary and every API process on SIGTERM, exit code 0', async () => {
    const pids = apiPids().filter(alive);
    expect(pids).toHaveLength(2);
    serve.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const pid of pids) await waitFor(async () => !alive(pid), 5_000, `API process ${pid} to exit`);
    expect(lines.filter((l) => l.msg === 'shutting down').map((l) => l.pid).sort()).toEqual([serve.pid!, ...pids].sort());
  });
});
