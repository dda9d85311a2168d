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
const TSX = pathToFileURL(resolve(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;

/**
 * New-space bytes (both semi-spaces) when the scan's setting is made, and after churning like a walk that calls
 * noteManyEntries every 4096 objects when `many`. (Loading tsx alone grows the new space past V8's initial size.)
 */
function newSpaceAfterChurn(many: boolean): { before: number; after: number } {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    const { keepYoungGenerationSmall, noteManyEntries } = await import(${JSON.stringify(MODULE)});
    const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    keepYoungGenerationSmall();
    const before = newSpace();
    let kept = [];
    for (let i = 1; i <= 3_000_000; i++) {
      kept.push({ name: 'entry ' + i, size: i });
      if (kept.length > 50_000) kept = [];
      if (${many} && (i & 4095) === 0) noteManyEntries();
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
});
