/**
 * V8 flags are per process, so each case runs in a child process of its own: a scan's young generation stays at
 * its size under churn, grows once told a walk has many entries, and stops at 8 MiB.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../support/paths.js';

const MODULE = pathToFileURL(resolve(repoRoot, 'src/runtime/young-generation.ts')).href;
const TUNING = pathToFileURL(resolve(repoRoot, 'src/runtime/v8-tuning.ts')).href;
const TSX = pathToFileURL(resolve(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;

/**
 * New-space bytes (both semi-spaces) when the scan's setting is made, and after churning like a walk that calls
 * noteManyEntries every 4096 objects when `many`. (Loading tsx alone grows the new space past V8's initial size.)
 */
function newSpaceAfterChurn(many: boolean, via: 'module' | 'hooks' | 'v8-defaults' = 'module'): { before: number; after: number } {
  // 'hooks': as a scan runs it, the walker's onLayerEntries (every 4096 entries, from 0) installed by tuneProcess.
  const setup =
    via === 'module'
      ? `const { keepYoungGenerationSmall, noteManyEntries } = await import(${JSON.stringify(MODULE)});
         keepYoungGenerationSmall();
         const note = () => noteManyEntries();`
      : `const { tuneProcess } = await import(${JSON.stringify(TUNING)});
         const hooks = tuneProcess('one-shot', { scanV8Defaults: ${via === 'v8-defaults'} });
         const note = (i) => hooks.onLayerEntries?.(i);`;
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    ${setup}
    const before = newSpace();
    let kept = [];
    for (let i = 1; i <= 3_000_000; i++) {
      kept.push({ name: 'entry ' + i, size: i });
      if (kept.length > 50_000) kept = [];
      if (${many} && (i & 4095) === 0) note(${via === 'module' ? '' : 'i % 100_000'});
    }
    console.log(JSON.stringify({ before, after: newSpace() }));
  `;
  const out = spawnSync(process.execPath, ['--import', TSX, '--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(out.stderr).toBe('');
  return JSON.parse(out.stdout) as { before: number; after: number };
}

describe('young generation of a one-shot scan', () => {
  it('does not grow while no walk reports many entries', () => {
    const { before, after } = newSpaceAfterChurn(false);
    expect(after).toBe(before);
    expect(after).toBeLessThan(16 * 1024 * 1024);
  });

  it('grows to 8 MiB semi-spaces for a walk of many entries, and no further', () => {
    expect(newSpaceAfterChurn(true).after).toBe(16 * 1024 * 1024);
  });

  it('is what a one-shot process gets through its analysis hooks: small until a layer passes 16 384 entries', () => {
    expect(newSpaceAfterChurn(true, 'hooks').after).toBe(16 * 1024 * 1024);
    const small = newSpaceAfterChurn(false, 'hooks');
    expect(small.after).toBe(small.before);
  });

  it('keeps V8 defaults with scanV8Defaults: no entry hook, the young generation grows past 8 MiB semi-spaces', () => {
    expect(newSpaceAfterChurn(true, 'v8-defaults').after).toBeGreaterThan(16 * 1024 * 1024);
  });
});
