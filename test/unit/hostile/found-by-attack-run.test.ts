/**
 * Regressions for what an attack run against round 1 found: inputs under every size cap that hung a worker or failed
 * a whole analysis. Each case fails (hangs or throws) on the code before its fix.
 */
import { describe, expect, it } from 'vitest';
import { parseWebhook } from '../../../src/api/webhooks/detect.js';
import { parseDep5Licenses } from '../../../src/catalog/dpkg/copyright.js';
import { catalogLayers } from '../../support/catalog-tester.js';

const DEP5_HEADER = 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n';

describe('inputs found by the attack run', () => {
  // Before the fix the DEP-5 split was cubic in a run of spaces: 2 000 cost ~1.5 s, 100 000 would take days.
  it.each([
    ['License: GPL followed by 100 000 spaces', `Files: *\nLicense: GPL${' '.repeat(100_000)}\n`, ['GPL']],
    ['spaces then more text', `Files: *\nLicense: GPL${' '.repeat(100_000)}x\n`, []],
    ['spaces around every separator', `Files: *\nLicense: GPL-2+${' '.repeat(200)}or${' '.repeat(200)}MIT\n`, ['GPL-2.0-or-later', 'MIT']],
    ['tabs and commas', `Files: *\nLicense: ${',\t'.repeat(50_000)}MIT\n`, []],
  ])('DEP-5 license split stays linear: %s', (_name, body, expected) => {
    const started = performance.now();
    expect(parseDep5Licenses(DEP5_HEADER + body)).toEqual(expected);
    // Milliseconds now; the margin is three orders of magnitude, so this cannot flake, and it fails on the old code.
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('an apk database of 200 000 packages catalogs (no stack overflow from spreading the package list)', () => {
    const db = Array.from({ length: 200_000 }, (_, i) => `P:pkg${i}\nV:1.0-r0\nA:x86_64\nD:so:libc.musl-x86_64.so.1\n`).join('\n');
    const result = catalogLayers([{ files: { 'etc/os-release': 'ID=alpine\nVERSION_ID=3.20.3\n', 'lib/apk/db/installed': db } }]);
    expect(result.packages.filter((p) => p.type === 'apk')).toHaveLength(200_000);
  });

  it('an apk D: line of 300 000 dependencies parses', () => {
    const deps = Array.from({ length: 300_000 }, (_, i) => `so:lib${i}.so`).join(' ');
    const result = catalogLayers([{ files: { 'lib/apk/db/installed': `P:big\nV:1.0-r0\nA:x86_64\nD:${deps}\n` } }]);
    expect(result.packages.map((p) => p.name)).toEqual(['big']);
  });

  it('a Harbor payload of 300 000 resources of a non-push event is counted, not a stack overflow', () => {
    const resources = Array.from({ length: 300_000 }, (_, i) => ({ digest: `sha256:${i}`, resource_url: `harbor.example.com/p/r:${i}` }));
    const parsed = parseWebhook({ get: () => undefined }, { type: 'PULL_ARTIFACT', event_data: { resources, repository: { repo_full_name: 'p/r' } } });
    expect(parsed?.sender).toBe('harbor');
    expect(parsed?.ignored).toHaveLength(300_000);
  });
});
