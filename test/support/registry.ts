/**
 * The real CNCF distribution registry (Debian's docker-registry) on a free port, loopback unless a host name is
 * given, with a temporary config and storage directory. Optional htpasswd or token auth, push notifications, TLS,
 * and storage shared with another registry.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get as httpsGet } from 'node:https';
import { isIPv6 } from 'node:net';
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
  /** Serve https with this key pair (PEM paths); `ca` is the PEM a client must trust to reach the registry. */
  tls?: { certificate: string; key: string; ca: string };
  /** An existing directory to serve (another registry's `data`, say); it is left in place on stop. */
  storageDir?: string;
  /**
   * Reach the registry by this name instead of 127.0.0.1; it listens on the address the name resolves to. The CLI
   * speaks plain HTTP to loopback addresses, so an https test needs a name that does not look like one.
   */
  hostname?: string;
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
  const name = options.hostname ?? '127.0.0.1';
  const address = options.hostname ? (await lookup(options.hostname)).address : name;
  const http: Record<string, unknown> = { addr: `${isIPv6(address) ? `[${address}]` : address}:${port}`, secret: 'layerlens-test' };
  if (options.tls) http.tls = { certificate: options.tls.certificate, key: options.tls.key };
  const config: Record<string, unknown> = {
    version: 0.1,
    log: { level: 'error', accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: options.storageDir ?? join(dir, 'data') }, delete: { enabled: true } },
    http,
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
  const url = `${options.tls ? 'https' : 'http'}://${name}:${port}`;
  const ca = options.tls && readFileSync(options.tls.ca);
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr}`);
      const status = ca ? await httpsStatus(`${url}/v2/`, ca) : (await fetch(`${url}/v2/`)).status;
      return status === 200 || status === 401;
    }, 15_000, 'the test registry');
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return {
    host: `${name}:${port}`,
    url,
    dir,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Global fetch cannot be given a CA without the undici package, so the TLS probe goes through node:https. */
function httpsStatus(url: string, ca: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    httpsGet(url, { ca, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}
