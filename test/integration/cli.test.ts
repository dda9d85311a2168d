/** The CLI as users run it: a child process, real registry, exit codes and outputs. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateCycloneDx } from '../../src/sbom/cyclonedx.js';
import { buildImage, pushImage, tarLayer } from '../support/image-builder.js';
import { validateFormat } from '../support/sbom-validate.js';
import { corpus, corpusSkipMessage, hasCorpus, repoRoot } from '../support/paths.js';
import { hasRegistry, registrySkipMessage, startRegistry, type TestRegistry } from '../support/registry.js';

// An absolute loader URL, so the CLI also starts from a working directory outside the repo.
const tsxLoader = pathToFileURL(resolve(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;

function run(args: string[], env: Record<string, string> = {}, cwd = repoRoot): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', tsxLoader, resolve(repoRoot, 'src/cli.ts'), ...args], { cwd, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

describe('layerlens CLI', () => {
  it('prints help and refuses unknown commands with exit 2', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('layerlens scan IMAGE');
    const bad = await run(['frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown command frobnicate');
    const missing = await run(['scan']);
    expect(missing.code).toBe(2);
  });

  it.skipIf(!existsSync(resolve(repoRoot, 'dist/src/cli.js')))('runs from the build as the package bin', async () => {
    const out = await new Promise<string>((done) => {
      const child = spawn(process.execPath, [resolve(repoRoot, 'dist/src/cli.js'), '--version']);
      let s = '';
      child.stdout.on('data', (d: Buffer) => (s += d));
      child.on('close', () => done(s));
    });
    expect(out.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

const skip = !hasCorpus || !hasRegistry;
if (skip) console.warn(!hasCorpus ? corpusSkipMessage : registrySkipMessage);

describe.skipIf(skip)('layerlens CLI against a registry', () => {
  let registry: TestRegistry;
  let dir: string;
  beforeAll(async () => {
    registry = await startRegistry();
    dir = await mkdtemp(join(tmpdir(), 'layerlens-cli-'));
    const base = { file: corpus('alpine/alpine-minirootfs-3.19.4-x86_64.tar.gz'), createdBy: '/bin/sh -c #(nop) ADD file:abc in / ' };
    await pushImage(registry.url, 'library/alpine', '3.19', await buildImage([base]));
    // A second layer that deletes a 4 MB library: the bytes stay in the base layer, wasted.
    const wasteful = { bytes: await tarLayer([{ path: 'lib/.wh.libcrypto.so.3', content: '' }]), createdBy: 'RUN rm /lib/libcrypto.so.3' };
    await pushImage(registry.url, 'library/alpine', 'wasteful', await buildImage([base, wasteful]));
  });
  afterAll(async () => {
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('scan writes a valid SBOM to stdout or -o FILE, with a summary on stderr', async () => {
    const image = `${registry.host}/library/alpine:3.19`;
    const res = await run(['scan', image]);
    expect(res.code).toBe(0);
    expect(await validateCycloneDx(res.stdout)).toBeUndefined();
    expect(JSON.parse(res.stdout).components.filter((c: { type: string }) => c.type === 'library')).toHaveLength(15);
    expect(res.stderr).toContain('15 apk');
    const out = join(dir, 'sbom.json');
    const toFile = await run(['scan', image, '-o', out, '-q']);
    expect(toFile.code).toBe(0);
    expect(toFile.stdout).toBe('');
    expect(await readFile(out, 'utf8')).toBe(res.stdout.trimEnd());
  });

  it('scan -o FORMAT[=FILE] repeatable: table to stdout, SPDX and CycloneDX XML/1.5 to files, all valid; bad -o is exit 2', async () => {
    const image = `${registry.host}/library/alpine:3.19`;
    const spdx = join(dir, 'sbom.spdx.json');
    const xml = join(dir, 'sbom.cdx.xml');
    const old = join(dir, 'sbom-1.5.json');
    const res = await run(['scan', image, '-q', '-o', 'table', '-o', `spdx-json=${spdx}`, '-o', `cyclonedx-xml=${xml}`, '-o', `cyclonedx-json@1.5=${old}`]);
    expect(res.code, res.stderr).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+VERSION\s+TYPE\s+LAYER$/);
    expect(lines).toHaveLength(16);
    expect(lines.find((l) => l.startsWith('musl '))).toMatch(/^musl\s+1\.2\.4_git20230717-r4\s+apk\s+0$/);
    for (const [id, file] of [['spdx-json@2.3', spdx], ['cyclonedx-xml@1.6', xml], ['cyclonedx-json@1.5', old]] as const) {
      expect(await validateFormat(id, await readFile(file, 'utf8')), id).toBeUndefined();
    }
    const doc = JSON.parse(await readFile(spdx, 'utf8'));
    expect(doc.packages.filter((p: { primaryPackagePurpose: string }) => p.primaryPackagePurpose === 'LIBRARY')).toHaveLength(15);
    // A rescan writes the same bytes.
    const again = join(dir, 'again.spdx.json');
    expect((await run(['scan', image, '-q', '-o', `spdx-json=${again}`])).code).toBe(0);
    expect(await readFile(again, 'utf8')).toBe(await readFile(spdx, 'utf8'));
    const purls = await run(['scan', image, '-q', '-o', 'purls']);
    expect(purls.stdout.trimEnd().split('\n')).toHaveLength(15);
    const twoToStdout = await run(['scan', image, '-q', '-o', 'table', '-o', 'purls']);
    expect(twoToStdout.code).toBe(2);
    expect(twoToStdout.stderr).toContain('only one -o FORMAT may go to stdout');
    const unknown = await run(['scan', image, '-q', '-o', `docx=${join(dir, 'x')}`]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('"docx" is not a format');
  });

  it('scan --attach pushes the SBOM as a referrer of the image once; a rescan finds it attached', async () => {
    const image = `${registry.host}/library/alpine:3.19`;
    const first = await run(['scan', image, '--attach', '-o', `spdx-json=${join(dir, 'attached.spdx.json')}`]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/attached spdx-json@2\.3 as sha256:[0-9a-f]{64} \(referrers-tag\)/);
    const again = await run(['scan', image, '--attach', '-o', `spdx-json=${join(dir, 'attached.spdx.json')}`]);
    expect(again.stderr).toContain('already attached spdx-json@2.3');
    const local = await run(['scan', `oci-dir:${dir}`, '--attach', '-q']);
    expect(local.code).toBe(2);
  });

  it('scan fails with exit 1 and the error code for a missing image', async () => {
    const res = await run(['scan', `${registry.host}/library/alpine:nope`]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/MANIFEST_UNKNOWN: fetch manifest nope/);
  });

  it('layers prints a table or JSON; --ci passes a clean image and refuses an invalid threshold', async () => {
    const image = `${registry.host}/library/alpine:3.19`;
    const table = await run(['layers', image, '-q']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/CREATED BY/);
    expect(table.stdout).toContain('ADD file:abc in /');
    const json = await run(['layers', image, '--format', 'json', '-q']);
    const report = JSON.parse(json.stdout);
    expect(report.layers).toHaveLength(1);
    expect(report.image.digest).toMatch(/^sha256:/);
    const pass = await run(['layers', image, '-q', '--ci']);
    expect(pass.code).toBe(0);
    expect(pass.stderr).toMatch(/PASS/);
    const invalid = await run(['layers', image, '-q', '--ci', '--lowest-efficiency', '1.5']);
    expect(invalid.code).toBe(2);
  });

  it('layers --ci fails an image that wastes more than .dive-ci allows, and flags override the file', async () => {
    const image = `${registry.host}/library/alpine:wasteful`;
    await writeFile(join(dir, '.dive-ci'), 'rules:\n  highestWastedBytes: 1MB\n');
    const fail = await run(['layers', image, '-q', '--ci'], {}, dir);
    expect(fail.code).toBe(1);
    expect(fail.stderr).toMatch(/highestWastedBytes/);
    expect(fail.stdout).toContain('RUN rm /lib/libcrypto.so.3');
    const override = await run(
      ['layers', image, '-q', '--ci', '--highest-wasted-bytes', 'disabled', '--highest-user-wasted-percent', 'disabled', '--lowest-efficiency', '0.1'],
      {},
      dir,
    );
    expect(override.code).toBe(0);
  });
});
