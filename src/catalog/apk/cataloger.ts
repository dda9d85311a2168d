/** apk-db-cataloger: Alpine (and Wolfi/Chainguard) packages from apk's installed database. */
import type { Package } from '../../sbom/package.js';
import type { Cataloger } from '../cataloger.js';
import { apkPackage } from './package.js';
import { dependencyName, parseApkDb } from './parse-apk-db.js';

export const APK_DB_GLOBS = ['lib/apk/db/installed', 'usr/lib/apk/db/installed'] as const;

/** Per package, what it depends on and provides, kept for `relate` (not emitted). */
const relations = new WeakMap<Package, { depends: string[]; provides: string[] }>();

export const apkCataloger: Cataloger = {
  name: 'apk-db-cataloger',
  version: '1',
  globs: APK_DB_GLOBS,
  parse(file, ctx) {
    const { entries, warnings } = parseApkDb(file.content.toString('utf8'));
    const packages = entries.map((e) => {
      const p = apkPackage(e, file.path, ctx.distro, this.name);
      relations.set(p, { depends: e.depends, provides: e.provides });
      return p;
    });
    return { packages, warnings };
  },
  relate(own) {
    const providers = new Map<string, Package>();
    for (const p of own) {
      providers.set(p.name, p);
      for (const token of relations.get(p)?.provides ?? []) {
        const name = dependencyName(token);
        if (name && !providers.has(name)) providers.set(name, p);
      }
    }
    for (const p of own) {
      const deps = new Set<string>();
      for (const token of relations.get(p)?.depends ?? []) {
        const name = dependencyName(token);
        const target = name ? providers.get(name) : undefined;
        if (target && target !== p) deps.add(target.ref);
      }
      p.dependsOn = [...deps].sort();
    }
  },
};
