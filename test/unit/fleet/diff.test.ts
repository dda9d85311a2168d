import { describe, expect, it } from 'vitest';
import { diffImages, summarise } from '../../../src/fleet/diff.js';
import type { PackageFact } from '../../../src/fleet/package-facts.js';

const fact = (type: string, name: string, version: string, extra: Partial<PackageFact> = {}): PackageFact => ({
  identity: `${type}/${type === 'deb' ? 'debian' : ''}/${name}`,
  purl: `pkg:${type}/${name}@${version}`,
  type,
  name,
  version,
  licenses: [],
  ...extra,
});

describe('diffImages', () => {
  it('compares versions by the ecosystem order, not as strings', () => {
    const d = diffImages(
      { facts: [fact('deb', 'openssl', '3.0.11-1~deb12u2', { arch: 'amd64' }), fact('npm', 'lodash', '4.9.0'), fact('deb', 'libc6', '2.36-9+deb12u4', { arch: 'amd64' })] },
      { facts: [fact('deb', 'openssl', '3.0.13-1~deb12u1', { arch: 'amd64', layer: 2 }), fact('npm', 'lodash', '4.10.0'), fact('deb', 'libc6', '2.36-9+deb12u3', { arch: 'amd64' })] },
    );
    expect(d.packages.upgraded.map((c) => `${c.name} ${c.from} ${c.to}`)).toEqual(['openssl 3.0.11-1~deb12u2 3.0.13-1~deb12u1', 'lodash 4.9.0 4.10.0']);
    expect(d.packages.downgraded.map((c) => c.name)).toEqual(['libc6']);
    expect(d.packages.upgraded.find((c) => c.name === 'openssl')?.layer).toBe(2);
  });

  it('treats each arch, and each of several installed versions, as its own package', () => {
    const d = diffImages(
      { facts: [fact('npm', 'ms', '2.0.0'), fact('npm', 'ms', '2.1.3'), fact('deb', 'libc6', '2.36', { arch: 'amd64' })] },
      { facts: [fact('npm', 'ms', '2.1.3'), fact('npm', 'ms', '2.1.2'), fact('npm', 'ms', '3.0.0'), fact('deb', 'libc6', '2.36', { arch: 'i386' })] },
    );
    expect(d.packages.unchanged).toBe(1);
    expect(d.packages.upgraded).toEqual([]);
    expect(d.packages.removed.map((f) => `${f.name}@${f.version}:${f.arch ?? ''}`)).toEqual(['libc6@2.36:amd64', 'ms@2.0.0:']);
    expect(d.packages.added.map((f) => `${f.name}@${f.version}:${f.arch ?? ''}`)).toEqual(['libc6@2.36:i386', 'ms@2.1.2:', 'ms@3.0.0:']);
  });

  it('reports license changes of the same version and of an upgrade', () => {
    const d = diffImages(
      { facts: [fact('pypi', 'requests', '2.31.0', { licenses: ['Apache-2.0'] }), fact('deb', 'tar', '1.34', { licenses: ['GPL-3.0-or-later'] })] },
      { facts: [fact('pypi', 'requests', '2.32.0', { licenses: ['Apache-2.0', 'MIT'] }), fact('deb', 'tar', '1.34', { licenses: ['GPL-3.0-only'] })] },
    );
    expect(d.licenses.map((l) => `${l.name} ${l.from} → ${l.to}`)).toEqual(['tar GPL-3.0-or-later → GPL-3.0-only', 'requests Apache-2.0 → Apache-2.0,MIT']);
  });

  it('says the change in one line', () => {
    const d = diffImages({ facts: [fact('deb', 'openssl', '3.0.11')] }, { facts: [fact('deb', 'openssl', '3.0.13'), fact('deb', 'a', '1'), fact('deb', 'b', '1')] });
    expect(d.summary).toBe('openssl 3.0.11 → 3.0.13, +2 packages');
    expect(summarise({ packages: { added: [], removed: [], upgraded: [], downgraded: [], unchanged: 3 }, licenses: [] })).toBe('no package changes');
  });

  it('gives the layer-report deltas when both sides have a summary', () => {
    const s = (size: number, wasted: number) => ({ layers: 3, compressedSize: size / 2, size, wastedBytes: wasted, efficiency: 0.9, dive: { efficiency: 0.9, wastedBytes: wasted, userWastedPercent: 0 } });
    const d = diffImages({ facts: [], summary: s(1000, 10) }, { facts: [], summary: s(1500, 5) });
    expect(d.layers).toMatchObject({ size: { from: 1000, to: 1500, delta: 500 }, wastedBytes: { delta: -5 }, layers: { delta: 0 } });
    expect(diffImages({ facts: [] }, { facts: [], summary: s(1, 0) }).layers).toBeUndefined();
  });
});
