/** dpkg-db-cataloger: Debian and Ubuntu packages from dpkg's status database, including distroless status.d. */
import type { Package } from '../../sbom/package.js';
import type { Cataloger, CatalogContext } from '../cataloger.js';
import { copyrightPath, parseDep5Licenses } from './copyright.js';
import { DPKG_FILE_LIST_GLOB, dpkgOwnersOf } from './file-lists.js';
import { dpkgPackage } from './package.js';
import { parseDpkgStatus, type DpkgEntry } from './parse-dpkg-status.js';
import { RelationResolver } from './resolve-relations.js';

export const DPKG_STATUS = 'var/lib/dpkg/status';
export const DPKG_STATUS_D = 'var/lib/dpkg/status.d/';

/** Per package, its parsed relationships (the status entry), kept for `relate` (not emitted). */
export const dpkgCataloger: Cataloger<DpkgEntry> = {
  name: 'dpkg-db-cataloger',
  version: '1',
  // status.d also holds `NAME.md5sums` files (file lists, not package records).
  globs: [DPKG_STATUS, `${DPKG_STATUS_D}!(*.md5sums)`],
  // The file lists answer ownedFiles ("which deb installed this path").
  auxiliaryGlobs: ['usr/share/doc/*/copyright', DPKG_FILE_LIST_GLOB],
  parse(file, ctx) {
    const statusOptional = file.path.startsWith(DPKG_STATUS_D);
    const { entries, warnings } = parseDpkgStatus(file.content.toString('utf8'), { statusOptional });
    const relations = new Map<Package, DpkgEntry>();
    const packages = entries.map((e) => {
      const p = dpkgPackage(e, file.path, ctx.distro, this.name, licensesOf(e.name, ctx));
      relations.set(p, e);
      return p;
    });
    return { packages, warnings, relations };
  },
  ownedFiles(own, wanted, ctx) {
    const out = new Map<string, Package>();
    for (const [path, o] of dpkgOwnersOf(ctx.files, wanted)) {
      const pkg = own.find((p) => p.name === o.name && (!o.arch || p.arch === o.arch));
      if (pkg) out.set(path, pkg);
    }
    return out;
  },
  relate(own, _all, { relations }) {
    const resolver = new RelationResolver(
      own.flatMap((pkg) => {
        const e = relations.get(pkg);
        return e ? [{ pkg, provides: e.provides, multiArch: e.multiArch }] : [];
      }),
    );
    for (const p of own) {
      const deps = new Set<string>();
      for (const group of relations.get(p)?.depends ?? []) {
        const target = resolver.resolve(group, p.arch);
        if (target && target !== p) deps.add(target.ref);
      }
      p.dependsOn = [...deps].sort();
    }
  },
};

function licensesOf(name: string, ctx: CatalogContext): string[] {
  const body = ctx.files.get(copyrightPath(name));
  if (!body) return [];
  try {
    return parseDep5Licenses(body.toString('utf8')) ?? [];
  } catch {
    // A broken copyright file must not cost the package: it is documentation, not the database.
    return [];
  }
}
