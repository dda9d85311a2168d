/** The V8 tuning is the runtime's: no module of the analysis core imports src/runtime (it reports through AnalysisHooks). */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../support/paths.js';

const CORE = ['src/image', 'src/catalog', 'src/sbom', 'src/layers', 'src/registry'];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('the core and the runtime', () => {
  it('no core module (nor analyze.ts) imports src/runtime or node:v8', () => {
    const core = [...CORE.flatMap((d) => files(resolve(repoRoot, d))), resolve(repoRoot, 'src/analyze.ts')];
    expect(core.length).toBeGreaterThan(50);
    const offenders = core.filter((f) => /from '(?:\.\.?\/)+(?:\.\.\/)*runtime\/|from 'node:v8'/.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
