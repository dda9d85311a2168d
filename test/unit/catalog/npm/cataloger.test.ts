import { describe, expect, it } from 'vitest';
import { npmCataloger } from '../../../../src/catalog/npm/cataloger.js';
import { byName, catalogLayers, globHit, parseFile } from '../../../support/catalog-tester.js';

const pj = (o: Record<string, unknown>) => JSON.stringify(o, null, 2);

const app = {
  files: {
    'app/package.json': pj({ name: 'my-app', version: '1.0.0', private: true, dependencies: { a: '^1', 'b-alias': 'npm:b@^2' }, devDependencies: { c: '1' } }),
    'app/node_modules/a/package.json': pj({ name: 'a', version: '1.2.0', license: 'MIT', dependencies: { b: '^1' }, peerDependencies: { missing: '*' } }),
    'app/node_modules/a/node_modules/b/package.json': pj({ name: 'b', version: '1.0.0', license: { type: 'ISC', url: 'x' } }),
    'app/node_modules/b/package.json': pj({ name: 'b', version: '2.0.0', licenses: [{ type: 'MIT' }, { type: 'Apache-2.0' }] }),
    'app/node_modules/b-alias/package.json': pj({ name: 'b', version: '2.0.0' }),
    'app/node_modules/@scope/pkg/package.json': pj({ name: '@scope/pkg', version: '0.1.0', optionalDependencies: { a: '1' } }),
    'app/node_modules/@scope/pkg/lib/package.json': pj({ type: 'module' }),
    'app/node_modules/a/test/fixture/package.json': pj({ name: 'fixture', version: '9.9.9' }),
    'app/node_modules/c/package.json': pj({ name: 'c', version: '1.0.0' }),
    'app/node_modules/noversion/package.json': pj({ name: 'noversion' }),
  },
};

describe('npm cataloger', () => {
  const { packages, warnings } = catalogLayers([app], [npmCataloger]);

  it('reports package roots only, nested copies and scoped packages included', () => {
    expect(packages.map((p) => `${p.name}@${p.version}`).sort()).toEqual(['@scope/pkg@0.1.0', 'a@1.2.0', 'b@1.0.0', 'b@2.0.0', 'b@2.0.0', 'c@1.0.0', 'my-app@1.0.0']);
    expect(byName(packages, 'fixture')).toEqual([]);
  });

  it('warns about an installed package.json without version', () => {
    expect(warnings).toEqual(['npm-package-cataloger: app/node_modules/noversion/package.json: installed package.json without version; not a component']);
  });

  it('reports the project manifest as an application, installed ones as libraries', () => {
    expect(byName(packages, 'my-app')[0]).toMatchObject({ componentType: 'application', location: 'app/package.json', purl: 'pkg:npm/my-app@1.0.0' });
    expect(byName(packages, 'a')[0].componentType).toBe('library');
  });

  it('uses the real name for aliases, and the scope as purl namespace', () => {
    const alias = packages.find((p) => p.location === 'app/node_modules/b-alias/package.json')!;
    expect(alias).toMatchObject({ name: 'b', version: '2.0.0', properties: { 'layerlens:npm:alias': 'b-alias' } });
    expect(byName(packages, '@scope/pkg')[0].purl).toBe('pkg:npm/%40scope/pkg@0.1.0');
  });

  it('reads string, object and legacy list licenses', () => {
    const b1 = packages.find((p) => p.name === 'b' && p.version === '1.0.0')!;
    const b2 = packages.find((p) => p.location === 'app/node_modules/b/package.json')!;
    expect(byName(packages, 'a')[0].licenses).toEqual(['MIT']);
    expect(b1.licenses).toEqual(['ISC']);
    expect(b2.licenses).toEqual(['MIT', 'Apache-2.0']);
  });

  it('gives the same purl at two locations distinct refs', () => {
    expect(new Set(packages.map((p) => p.ref)).size).toBe(packages.length);
  });

  it('resolves dependencies as Node does: nearest node_modules, aliases by directory, missing peers dropped', () => {
    const at = (loc: string) => packages.find((p) => p.location === `${loc}/package.json`)!.ref;
    expect(byName(packages, 'my-app')[0].dependsOn).toEqual([at('app/node_modules/a'), at('app/node_modules/b-alias'), at('app/node_modules/c')].sort());
    expect(byName(packages, 'a')[0].dependsOn).toEqual([at('app/node_modules/a/node_modules/b')]);
    expect(byName(packages, '@scope/pkg')[0].dependsOn).toEqual([at('app/node_modules/a')]);
  });

  it('an opaque directory in a later layer hides the lower node_modules', () => {
    const r = catalogLayers([app, { opaqueDirs: ['app/node_modules'], files: { 'app/node_modules/z/package.json': pj({ name: 'z', version: '1.0.0' }) } }], [npmCataloger]);
    expect(r.packages.map((p) => p.name).sort()).toEqual(['my-app', 'z']);
    expect(byName(r.packages, 'z')[0].layer?.index).toBe(1);
    expect(byName(r.packages, 'my-app')[0].layer?.index).toBe(0);
  });

  it('invalid JSON in an installed manifest is a warning; in a project manifest it is ignored', () => {
    const r = catalogLayers([{ files: { 'x/node_modules/bad/package.json': '{"name": "bad", ', 'srv/package.json': '{oops' } }], [npmCataloger]);
    expect(r.packages).toEqual([]);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/x\/node_modules\/bad\/package.json: not a valid package.json/);
  });

  it('a project manifest without a version is no component and no warning', () => {
    expect(parseFile(npmCataloger, 'srv/package.json', pj({ name: 'x', type: 'module' }))).toEqual({ packages: [] });
  });

  it('globs: every package.json is captured and parsed', () => {
    expect(globHit(npmCataloger, 'app/node_modules/a/package.json')).toEqual({ captured: true, parsed: true });
    expect(globHit(npmCataloger, 'package.json').parsed).toBe(true);
    expect(globHit(npmCataloger, 'app/package-lock.json').parsed).toBe(false);
  });
});
