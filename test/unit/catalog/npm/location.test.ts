import { describe, expect, it } from 'vitest';
import { manifestRole } from '../../../../src/catalog/npm/location.js';
import { resolveFrom } from '../../../../src/catalog/npm/resolve.js';

describe('manifestRole', () => {
  it.each([
    ['app/node_modules/rxjs/package.json', { kind: 'installed', installName: 'rxjs', dir: 'app/node_modules/rxjs' }],
    ['app/node_modules/@types/node/package.json', { kind: 'installed', installName: '@types/node', dir: 'app/node_modules/@types/node' }],
    ['node_modules/a/node_modules/b/package.json', { kind: 'installed', installName: 'b', dir: 'node_modules/a/node_modules/b' }],
    ['app/node_modules/.pnpm/a@1.0.0/node_modules/a/package.json', { kind: 'installed', installName: 'a', dir: 'app/node_modules/.pnpm/a@1.0.0/node_modules/a' }],
    ['app/package.json', { kind: 'project', dir: 'app' }],
    ['package.json', { kind: 'project', dir: '' }],
  ])('%s', (path, role) => expect(manifestRole(path)).toEqual(role));

  it.each([
    'app/node_modules/rxjs/ajax/package.json',
    'app/node_modules/glob/dist/esm/package.json',
    'app/node_modules/pino/test/fixtures/transport/package.json',
    'app/node_modules/@scope/package.json',
    'app/node_modules/.bin/package.json',
    'app/node_modules/package.json',
    'usr/share/nodejs/semver/package.json',
    'app/not-package.json',
  ])('%s is not a package', (path) => expect(manifestRole(path)).toEqual({ kind: 'helper' }));
});

describe('resolveFrom (Node module resolution)', () => {
  const installed = new Map(
    ['app/node_modules/a', 'app/node_modules/b', 'app/node_modules/a/node_modules/b', 'node_modules/c', 'app/node_modules/@s/d'].map((d) => [d, d]),
  );
  it('prefers the nearest node_modules, walking up', () => {
    expect(resolveFrom(installed, 'app/node_modules/a', 'b')).toBe('app/node_modules/a/node_modules/b');
    expect(resolveFrom(installed, 'app/node_modules/b', 'a')).toBe('app/node_modules/a');
    expect(resolveFrom(installed, 'app/node_modules/a/node_modules/b', 'c')).toBe('node_modules/c');
    expect(resolveFrom(installed, 'app/node_modules/@s/d', 'b')).toBe('app/node_modules/b');
    expect(resolveFrom(installed, 'app', '@s/d')).toBe('app/node_modules/@s/d');
    expect(resolveFrom(installed, 'app', 'missing')).toBeUndefined();
  });
});
