/** dpkg-db-cataloger: Debian and Ubuntu packages from dpkg's status database, including distroless status.d. */
import type { Package } from '../../sbom/package.js';
import type { Cataloger, CatalogContext } from '../cataloger.js';
import { copyrightPath, parseDep5Licenses } from './copyright.js';
import { dpkgPackage } from './package.js';
import { parseDpkgStatus, type DpkgEntry } from './parse-dpkg-status.js';
import { RelationResolver } from './resolve-relations.js';

export const DPKG_STATUS = 'var/lib/dpkg/status';
export const DPKG_STATUS_D = 'var/lib/dpkg/status.d/';

/** Per package, its parsed relationships, kept for `relate` (not emitted). */
const relations = new WeakMap<Package, DpkgEntry>();

export const dpkgCataloger: Cataloger = {
  name: 'dpkg-db-cataloger',
  version: '1',
  // status.d also holds `NAME.md5sums` files (file lists, not package records).
  globs: [DPKG_STATUS, `${DPKG_STATUS_D}!(*.md5sums)`],
  auxiliaryGlobs: ['usr/share/doc/*/copyright'],
  parse(file, ctx) {
    const statusOptional = file.path.startsWith(DPKG_STATUS_D);
    const { entries, warnings } = parseDpkgStatus(file.content.toString('utf8'), { statusOptional });
    const packages = entries.map((e) => {
      const p = dpkgPackage(e, file.path, ctx.distro, this.name, licensesOf(e.name, ctx));
      relations.set(p, e);
      return p;
    });
    return { packages, warnings };
  },
  relate(own) {
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
