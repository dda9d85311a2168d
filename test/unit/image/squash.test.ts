import { describe, expect, it } from 'vitest';
import { CapturedView } from '../../../src/image/squash.js';

const layer = (captured: Record<string, string>, extra: { whiteouts?: string[]; opaqueDirs?: string[]; shadowed?: string[] } = {}) => ({
  captured: Object.entries(captured).map(([path, c]) => ({ path, content: Buffer.from(c) })),
  whiteouts: extra.whiteouts ?? [],
  opaqueDirs: extra.opaqueDirs ?? [],
  shadowed: extra.shadowed ?? [],
});

describe('CapturedView', () => {
  it('lets later layers replace files and whiteouts delete them (and everything below)', () => {
    const v = CapturedView.fromLayers([
      layer({ 'var/lib/dpkg/status': 'v0', 'app/node_modules/a/package.json': 'a', 'app/node_modules/b/package.json': 'b' }),
      layer({ 'var/lib/dpkg/status': 'v1' }, { whiteouts: ['app/node_modules/a'] }),
    ]);
    expect(v.get('var/lib/dpkg/status')?.toString()).toBe('v1');
    expect(v.paths()).toEqual(['app/node_modules/b/package.json', 'var/lib/dpkg/status']);
    expect(v.timeline('var/lib/dpkg/status').map((s) => s.layer)).toEqual([0, 1]);
  });

  it('an opaque dir hides lower children but not the same layer\'s own files, wherever the marker stands', () => {
    const v = CapturedView.fromLayers([
      layer({ 'app/node_modules/a/package.json': 'a', 'app/other': 'o' }),
      layer({ 'app/node_modules/c/package.json': 'c' }, { opaqueDirs: ['app/node_modules'] }),
    ]);
    expect(v.paths()).toEqual(['app/node_modules/c/package.json', 'app/other']);
  });

  it('a file replaced by an uncapturable entry (symlink, oversized) is gone', () => {
    const v = CapturedView.fromLayers([layer({ 'etc/os-release': 'ID=x' }), layer({}, { shadowed: ['etc/os-release'] })]);
    expect(v.get('etc/os-release')).toBeUndefined();
    expect(v.timeline('etc/os-release').map((s) => [s.layer, s.version === null])).toEqual([[0, false], [1, true]]);
  });

  it('a whiteout of a file and its re-creation in the same layer keeps the new file', () => {
    const v = CapturedView.fromLayers([layer({ f: 'old' }), layer({ f: 'new' }, { whiteouts: ['f'] })]);
    expect(v.get('f')?.toString()).toBe('new');
  });
});
