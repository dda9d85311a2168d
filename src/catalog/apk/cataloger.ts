/** apk-db-cataloger: Alpine (and Wolfi/Chainguard) packages from apk's installed database. */
import type { Package } from '../../sbom/package.js';
import type { Cataloger } from '../cataloger.js';
import { APK_DB_GLOBS } from './db-paths.js';
import { apkOwnersOf } from './file-owners.js';
import { apkPackage } from './package.js';
import { dependencyName, parseApkDb } from './parse-apk-db.js';

export { APK_DB_GLOBS };

/** Per package, what it depends on and provides, kept for `relate` (not emitted). */
interface ApkRelations {
  depends: string[];
  provides: string[];
}

export const apkCataloger: Cataloger<ApkRelations> = {
  name: 'apk-db-cataloger',
  version: '1',
  globs: APK_DB_GLOBS,
  parse(file, ctx) {
    const { entries, warnings } = parseApkDb(file.content.toString('utf8'));
    const relations = new Map<Package, ApkRelations>();
    const packages = entries.map((e) => {
      const p = apkPackage(e, file.path, ctx.distro, this.name);
      relations.set(p, { depends: e.depends, provides: e.provides });
      return p;
    });
    return { packages, warnings, relations };
  },
  ownedFiles(own, wanted, ctx) {
    const out = new Map<string, Package>();
    for (const [path, o] of apkOwnersOf(ctx.files, wanted)) {
      const pkg = own.find((p) => p.name === o.name && p.version === o.version);
      if (pkg) out.set(path, pkg);
    }
    return out;
  },
  relate(own, _all, { relations }) {
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
