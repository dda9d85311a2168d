/**
 * The real CNCF distribution registry (Debian's docker-registry) on a free loopback port, with a temporary config
 * and storage directory. Optional htpasswd or token auth and push notifications.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, waitFor } from './ports.js';

export const REGISTRY_BINARY = ['/usr/bin/docker-registry', '/usr/sbin/docker-registry'].find((p) => existsSync(p));
export const hasRegistry = REGISTRY_BINARY !== undefined;
export const registrySkipMessage = 'docker-registry is not installed (apt-get install docker-registry): registry tests are skipped';

export interface RegistryOptions {
  htpasswd?: { username: string; password: string };
  /** distribution's token auth: the registry trusts JWTs whose x5c chain ends in `rootCertBundle`. */
  token?: { realm: string; service: string; issuer: string; rootCertBundle: string };
  notifications?: { url: string; headers?: Record<string, string[]> };
  /** Regexps of foreign-layer URLs the registry accepts in manifests (it refuses every one by default). */
  allowForeignUrls?: string[];
}

export interface TestRegistry {
  host: string;
  url: string;
  dir: string;
  stop(): Promise<void>;
}

export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  if (!REGISTRY_BINARY) throw new Error(registrySkipMessage);
  const dir = await mkdtemp(join(tmpdir(), 'layerlens-registry-'));
  const port = await freePort();
  const config: Record<string, unknown> = {
    version: 0.1,
    log: { level: 'error', accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: join(dir, 'data') }, delete: { enabled: true } },
    http: { addr: `127.0.0.1:${port}`, secret: 'layerlens-test' },
  };
  if (options.htpasswd) {
    const out = spawnSync('htpasswd', ['-Bbn', options.htpasswd.username, options.htpasswd.password], { encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`htpasswd failed: ${out.stderr}`);
    await writeFile(join(dir, 'htpasswd'), out.stdout);
    config.auth = { htpasswd: { realm: 'layerlens-test', path: join(dir, 'htpasswd') } };
  }
  if (options.allowForeignUrls) config.validation = { manifests: { urls: { allow: options.allowForeignUrls } } };
  if (options.token) {
    config.auth = {
      token: { realm: options.token.realm, service: options.token.service, issuer: options.token.issuer, rootcertbundle: options.token.rootCertBundle },
    };
  }
  if (options.notifications) {
    config.notifications = {
      endpoints: [
        {
          name: 'layerlens',
          url: options.notifications.url,
          headers: options.notifications.headers ?? {},
          timeout: '2s',
          threshold: 3,
          backoff: '1s',
          ignoredmediatypes: ['application/octet-stream'],
        },
      ],
    };
  }
  const configPath = join(dir, 'config.yml');
  await writeFile(configPath, stringify(config));
  const child: ChildProcess = spawn(REGISTRY_BINARY, ['serve', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 10_000) stderr += d.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr}`);
      const res = await fetch(`${url}/v2/`);
      return res.status === 200 || res.status === 401;
    }, 15_000, 'the test registry');
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return {
    host: `127.0.0.1:${port}`,
    url,
    dir,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
