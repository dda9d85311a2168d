/**
 * The package's bin as users run it: dist/layerlens.cjs (the launcher) running dist/layerlens-main.cjs (the esbuild
 * bundle), built here by `scripts/bundle.mjs` as `npm run build` does, scanning a real registry. It must give the
 * SBOM the sources give, load nothing but the bundle and the native addons (the ISA-L binding through the bundle's
 * createRequire), and reuse V8's code cache from the second run on.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateCycloneDx } from '../../src/sbom/cyclonedx.js';
import { isalBinding } from '../../src/image/isal-gunzip.js';
import { buildImage, pushImage } from '../support/image-builder.js';
import { corpus, corpusSkipMessage, hasCorpus, repoRoot } from '../support/paths.js';
import { hasRegistry, registrySkipMessage, startRegistry, type TestRegistry } from '../support/registry.js';

const bin = resolve(repoRoot, 'dist/layerlens.cjs');
const tsxLoader = pathToFileURL(resolve(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;

function run(args: string[], env: Record<string, string>, nodeArgs: string[] = [bin]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [...nodeArgs, ...args], { cwd: tmpdir(), env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

/** The SBOM without what differs between two runs of one image (none of it should, but the timestamp is "now" for images without one). */
const stable = (sbom: string) => {
  const doc = JSON.parse(sbom) as { serialNumber?: string; metadata: { timestamp?: string; tools?: unknown } };
  delete doc.metadata.timestamp;
  return doc;
};

const skip = !hasCorpus || !hasRegistry;
if (skip) console.warn(!hasCorpus ? corpusSkipMessage : registrySkipMessage);

describe.skipIf(skip)('the bundled CLI (package bin)', () => {
  let registry: TestRegistry;
  let dir: string;
  let image: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    const built = spawnSync(process.execPath, [resolve(repoRoot, 'scripts/bundle.mjs')], { encoding: 'utf8' });
    expect(built.stderr).toBe('');
    expect(built.status).toBe(0);
    registry = await startRegistry();
    dir = await mkdtemp(join(tmpdir(), 'layerlens-bundle-'));
    const base = { file: corpus('alpine/alpine-minirootfs-3.19.4-x86_64.tar.gz'), createdBy: '/bin/sh -c #(nop) ADD file:abc in / ' };
    await pushImage(registry.url, 'library/alpine', '3.19', await buildImage([base]));
    image = `${registry.host}/library/alpine:3.19`;
    env = { LAYERLENS_COMPILE_CACHE_DIR: join(dir, 'cache'), LAYERLENS_INSECURE_REGISTRIES: registry.host };
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is the package bin, and prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(resolve(repoRoot, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };
    expect(pkg.bin.layerlens).toBe('dist/layerlens.cjs');
    const res = await run(['--version'], env);
    expect(res.stderr).toBe('');
    expect(res.stdout.trim()).toBe(pkg.version);
  });

  it('scans a registry image to the same SBOM as the sources, loading only the bundle and native addons', async () => {
    // Which files the process loaded, seen from inside it at exit (the CommonJS cache: the launcher and the addons).
    const probe = join(dir, 'probe.cjs');
    const loaded = join(dir, 'loaded.json');
    await writeFile(probe, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(loaded)}, JSON.stringify(Object.keys(require('node:module')._cache))));`);
    const bundled = await run(['scan', image, '-q'], env, ['--require', probe, bin]);
    expect(bundled.stderr).toBe('');
    expect(bundled.code).toBe(0);
    expect(await validateCycloneDx(bundled.stdout)).toBeUndefined();
    const sources = await run(['scan', image, '-q'], env, ['--import', tsxLoader, resolve(repoRoot, 'src/cli.ts')]);
    expect(sources.code).toBe(0);
    expect(stable(bundled.stdout)).toEqual(stable(sources.stdout));
    expect(JSON.parse(bundled.stdout).components.filter((c: { type: string }) => c.type === 'library')).toHaveLength(15);

    const files = (JSON.parse(readFileSync(loaded, 'utf8')) as string[]).filter((f) => f !== probe);
    expect(files.filter((f) => !f.endsWith('.node') && !f.endsWith('.cjs') && !f.endsWith('.js'))).toEqual([]);
    // The launcher compiles the bundle itself (so it is not in the cache); any other script would be a module loaded
    // from node_modules or dist/src at run time. The addon's own two-line index.cjs is allowed.
    const scripts = files.filter((f) => !f.endsWith('.node') && !f.endsWith('isal-inflate/index.cjs'));
    expect(scripts).toEqual([bin]);
    // The gzip layer went through the ISA-L addon where it is built (as in CI), loaded from node_modules by the bundle.
    if (isalBinding()) expect(files.some((f) => f.endsWith('isal_inflate.node'))).toBe(true);
  });

  it('writes V8 code cache once and reuses it', async () => {
    const cacheDir = join(dir, 'cache-reuse');
    const first = await run(['scan', image, '-q', '-o', 'purls'], { ...env, LAYERLENS_COMPILE_CACHE_DIR: cacheDir });
    expect(first.code).toBe(0);
    const [file] = readdirSync(cacheDir);
    expect(file).toMatch(/^cli-v\d+\.\d+\.\d+-\w+-\d+-\d+\.v8cache$/);
    const written = statSync(join(cacheDir, file));
    expect(written.size).toBeGreaterThan(10_000);
    // Accepted by V8 on the next run (a rejected cache is rewritten): same file, same time, same output.
    const second = await run(['scan', image, '-q', '-o', 'purls'], { ...env, LAYERLENS_COMPILE_CACHE_DIR: cacheDir });
    expect(second.stdout).toBe(first.stdout);
    expect(second.stdout.trimEnd().split('\n')).toHaveLength(15);
    expect(statSync(join(cacheDir, file)).mtimeMs).toBe(written.mtimeMs);
    expect(readdirSync(cacheDir)).toEqual([file]);
    // Off, nothing is written, and the scan is the same.
    const off = await run(['scan', image, '-q', '-o', 'purls'], { ...env, LAYERLENS_COMPILE_CACHE: '0', LAYERLENS_COMPILE_CACHE_DIR: join(dir, 'cache-off') });
    expect(off.stdout).toBe(first.stdout);
    expect(() => readdirSync(join(dir, 'cache-off'))).toThrow();
  });

  it('fails like the sources: a missing image is exit 1 with its error code, a bad option exit 2', async () => {
    const missing = await run(['scan', `${registry.host}/library/nope:1`, '-q'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/MANIFEST_UNKNOWN|NOT_FOUND/);
    const bad = await run(['scan', image, '--frobnicate'], env);
    expect(bad.code).toBe(2);
  });
});
