/**
 * The architecture as a test. `npm run lint:deps` (part of `npm test`) holds the import rules of .dependency-cruiser.cjs
 * on the real tree; this file proves each rule fires — a synthetic tree with one violation per rule must fail — and
 * holds the one rule dependency-cruiser cannot see: the core reads no process.env and sets no V8 flags.
 */
import { cruise, type IReporterOutput } from 'dependency-cruiser';
import { mkdirSync, mkdtempSync, symlinkSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const rules = createRequire(import.meta.url)(path.join(root, '.dependency-cruiser.cjs')) as { forbidden: { name: string }[] };
const CORE = ['src/image', 'src/catalog', 'src/sbom', 'src/layers', 'src/registry'];

async function violationsIn(tree: Record<string, string>): Promise<string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'layerlens-arch-'));
  dirs.push(dir);
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  for (const [file, body] of Object.entries(tree)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), body);
  }
  const out: IReporterOutput = await cruise(['src', 'workers'], {
    doNotFollow: { path: 'node_modules' },
    baseDir: dir,
    validate: true,
    ruleSet: { forbidden: rules.forbidden as never },
    tsPreCompilationDeps: true,
  });
  const result = out.output as Exclude<IReporterOutput['output'], string>;
  return result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to.replace(/^.*?node_modules\//, 'node_modules/')}`).sort();
}
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('dependency rules (.dependency-cruiser.cjs)', () => {
  it('reports every broken rule of a synthetic tree, and nothing on a clean one', async () => {
    const clean = {
      'src/sbom/package.ts': 'export const p = 1;\n',
      'src/catalog/run.ts': "import { p } from '../sbom/package.ts';\nexport const r = p;\n",
      'src/jobs/links.ts': 'export const l = 1;\n',
      'workers/w.ts': "import { l } from '../src/jobs/links.ts';\nexport const w = l;\n",
      'src/version.ts': 'export const v = 1;\n',
    };
    expect(await violationsIn(clean)).toEqual([]);
    const broken = {
      ...clean,
      'src/api/links.ts': 'export const a = 1;\n',
      'workers/w.ts': "import { a } from '../src/api/links.ts';\nexport const w = a;\n",
      'src/version.ts': "import { r } from './catalog/run.ts';\nexport const v = r;\n",
      'src/sbom/cyclonedx.ts': "import { r } from '../catalog/run.ts';\nexport const c = r;\n",
      'src/registry/a.ts': "import type { B } from './b.ts';\nexport type A = { b?: B };\n",
      'src/registry/b.ts': "import type { A } from './a.ts';\nexport type B = { a?: A };\n",
      'src/layers/x.ts': "import { l } from '../jobs/links.ts';\nimport { y } from '../runtime/young-generation.ts';\nexport const x = l + y;\n",
      'src/runtime/young-generation.ts': 'export const y = 1;\n',
      'src/cache/c.ts': "import { a } from '../api/links.ts';\nexport const c = a;\n",
      'src/image/t.ts': "import { t } from '../../test/support/t.ts';\nexport const i = t;\n",
      'test/support/t.ts': 'export const t = 1;\n',
      'src/redis/connect.ts': "import { Redis } from 'ioredis';\nexport const r = Redis;\n",
      'src/jobs/q.ts': "import { Redis } from 'ioredis';\nexport const q = Redis;\n",
      'src/catalog/dpkg/file-lists.ts': 'export const g = 1;\n',
      'src/catalog/python/cataloger.ts': "import { g } from '../dpkg/file-lists.ts';\nexport const c = g;\n",
    };
    const found = await violationsIn(broken);
    expect(found).toEqual([
      'api-is-an-edge: src/cache/c.ts → src/api/links.ts',
      'api-is-an-edge: workers/w.ts → src/api/links.ts',
      'cataloger-folders-independent: src/catalog/python/cataloger.ts → src/catalog/dpkg/file-lists.ts',
      'core-not-edges: src/layers/x.ts → src/jobs/links.ts',
      'core-sets-no-v8-flags: src/layers/x.ts → src/runtime/young-generation.ts',
      'no-circular: src/registry/a.ts → src/registry/b.ts',
      'not-to-tests: src/image/t.ts → test/support/t.ts',
      'one-redis-factory: src/jobs/q.ts → node_modules/ioredis/built/index.js',
      'sbom-not-catalog: src/sbom/cyclonedx.ts → src/catalog/run.ts',
      'version-is-a-leaf: src/version.ts → src/catalog/run.ts',
      'workers-not-api: workers/w.ts → src/api/links.ts',
    ]);
    // Every rule of the config is exercised above.
    expect(new Set(found.map((f) => f.split(':')[0]))).toEqual(new Set(rules.forbidden.map((r) => r.name)));
  });
});

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.join(e.parentPath, e.name));
}

/** Reads of the environment and V8 flag changes; settings reach the core through Config, never around it. */
const FORBIDDEN = /\bprocess\s*(\.\s*env\b|\[\s*['"`]env['"`]\s*\])|\bsetFlagsFromString\b|\bprocess\s*\.\s*execArgv\b/;

describe('the core reads no process.env and sets no V8 flags', () => {
  it.each(CORE)('%s', (dir) => {
    const offenders = tsFiles(path.join(root, dir)).flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) => (FORBIDDEN.test(line.replace(/\/\/.*$|^\s*\*.*$/, '')) ? [`${path.relative(root, file)}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(offenders).toEqual([]);
  });

  it('the pattern catches the forms it is meant to', () => {
    for (const bad of ['const d = process.env.DOCKER_CONFIG;', "process['env'].X", 'v8.setFlagsFromString("--x")', 'const { env } = process; process .env']) {
      expect(FORBIDDEN.test(bad), bad).toBe(true);
    }
    expect(FORBIDDEN.test('options.env ?? undefined')).toBe(false);
  });
});
