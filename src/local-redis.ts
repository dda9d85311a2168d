/**
 * `layerlens start` convenience: when REDIS_URL is unset and nothing listens on 127.0.0.1:6379, start a private
 * redis-server child (no persistence, noeviction as BullMQ requires) on a free port; if the binary is missing, say
 * exactly what to install.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { describeRedisTarget, type RedisTarget } from './redis/target.js';

export async function isListening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.setTimeout(500);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface LocalRedis {
  url: string;
  target: RedisTarget;
  child?: ChildProcess;
  stop(): void;
}

export async function ensureRedis(env: NodeJS.ProcessEnv, configured: RedisTarget): Promise<LocalRedis> {
  const given = (target: RedisTarget): LocalRedis => ({ url: describeRedisTarget(target), target, stop: () => undefined });
  if (env.REDIS_URL || configured.mode !== 'standalone') return given(configured);
  if (await isListening('127.0.0.1', 6379)) return given(configured);
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], {
    stdio: 'ignore',
  });
  const failed = await new Promise<Error | undefined>((resolve) => {
    child.once('error', resolve);
    const started = Date.now();
    const poll = async () => {
      if (await isListening('127.0.0.1', port)) return resolve(undefined);
      if (child.exitCode !== null) return resolve(new Error(`redis-server exited with ${child.exitCode}`));
      if (Date.now() - started > 10_000) return resolve(new Error('redis-server did not start within 10 s'));
      setTimeout(poll, 50);
    };
    void poll();
  });
  if (failed) {
    throw new Error(
      `no Redis: REDIS_URL is unset, nothing listens on 127.0.0.1:6379, and redis-server could not be started (${failed.message}).\n` +
        'Install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or set REDIS_URL=redis://HOST:PORT.',
    );
  }
  const url = `redis://127.0.0.1:${port}`;
  return { url, target: { mode: 'standalone', url }, child, stop: () => child.kill('SIGTERM') };
}
