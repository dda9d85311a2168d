/**
 * The registry transport's https path end to end: the CLI as a child process against a real TLS registry whose
 * self-signed certificate it trusts only through NODE_EXTRA_CA_CERTS, as a user with a private CA would run it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../src/registry/reference.js';
import { validateCycloneDx } from '../../src/sbom/cyclonedx.js';
import { apkImage } from '../support/apk-image.js';
import { pushImage } from '../support/image-builder.js';
import { repoRoot } from '../support/paths.js';
import { hasRegistry, registrySkipMessage, startRegistry, type TestRegistry } from '../support/registry.js';

const tsxLoader = pathToFileURL(resolve(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;

// The CLI speaks plain HTTP to loopback registries (127.x, localhost), so the TLS registry is reached by the
// machine's own name, which /etc/hosts usually maps to a local address.
const registryName = hostname().toLowerCase();
const resolvable = await lookup(registryName).then(
  () => true,
  () => false,
);
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

const skipMessage = !hasRegistry
  ? registrySkipMessage
  : !hasOpenssl
    ? 'openssl is not installed: the TLS registry test is skipped'
    : !resolvable || isLoopbackHost(registryName)
      ? `the host name ${registryName} does not resolve or looks like loopback (plain HTTP to the CLI): the TLS registry test is skipped`
      : undefined;
if (skipMessage) console.warn(skipMessage);

function scan(image: string, extraEnv: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  // Whatever the outer shell sets would decide the outcome instead of the test: plain HTTP, or trust from elsewhere.
  const env = { ...process.env, ...extraEnv };
  if (!extraEnv.NODE_EXTRA_CA_CERTS) delete env.NODE_EXTRA_CA_CERTS;
  delete env.LAYERLENS_INSECURE_REGISTRIES;
  delete env.NODE_TLS_REJECT_UNAUTHORIZED;
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', tsxLoader, resolve(repoRoot, 'src/cli.ts'), 'scan', image, '-q'], { cwd: repoRoot, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

describe.skipIf(skipMessage !== undefined)('scanning a registry over https', () => {
  let plain: TestRegistry;
  let secure: TestRegistry;
  let certDir: string;
  let certificate: string;
  let image: string;

  beforeAll(async () => {
    certDir = await mkdtemp(join(tmpdir(), 'layerlens-tls-'));
    certificate = join(certDir, 'cert.pem');
    const key = join(certDir, 'key.pem');
    const req = spawnSync(
      'openssl',
      [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', certificate, '-days', '1',
        '-subj', `/CN=${registryName}`, '-addext', `subjectAltName=DNS:${registryName}`,
      ],
      { encoding: 'utf8' },
    );
    if (req.status !== 0) throw new Error(`openssl failed: ${req.stderr}`);

    // Test code can only push over plain HTTP (global fetch takes no CA), so the image goes into a plain registry
    // and a second, TLS-only registry serves the same storage.
    plain = await startRegistry();
    await pushImage(plain.url, 'team/musl', '1', await apkImage('musl', '1.2.4-r2'));
    secure = await startRegistry({
      hostname: registryName,
      storageDir: join(plain.dir, 'data'),
      tls: { certificate, key, ca: certificate },
    });
    image = `${secure.host}/team/musl:1`;
  });
  afterAll(async () => {
    // The TLS registry serves the plain one's directory: stop it first.
    await secure?.stop();
    await plain?.stop();
    if (certDir) await rm(certDir, { recursive: true, force: true });
  });

  it('scans when the registry certificate is trusted through NODE_EXTRA_CA_CERTS', async () => {
    const res = await scan(image, { NODE_EXTRA_CA_CERTS: certificate });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(await validateCycloneDx(res.stdout)).toBeUndefined();
    const components = JSON.parse(res.stdout).components as { name: string; version: string; purl: string }[];
    expect(components.find((c) => c.name === 'musl')).toMatchObject({
      version: '1.2.4-r2',
      purl: expect.stringMatching(/^pkg:apk\/alpine\/musl@1\.2\.4-r2\?/),
    });
  });

  it('refuses a registry whose certificate it cannot verify, naming the certificate problem', async () => {
    const res = await scan(image, {});
    expect(res.code).not.toBe(0);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/TLS certificate of \S+ is not trusted \([A-Z_]*CERT[A-Z_]*\)/);
    expect(res.stderr).toContain('NODE_EXTRA_CA_CERTS');
    // A one-line diagnosis, not a crash.
    expect(res.stderr).not.toMatch(/^\s+at /m);
  });
});
