/**
 * npm-package-cataloger: packages npm installed (every package-root package.json under node_modules) and the
 * project's own manifest as an application component.
 */
import type { Package } from '../../sbom/package.js';
import type { Cataloger } from '../cataloger.js';
import { manifestRole } from './location.js';
import { npmPackage } from './package.js';
import { parsePackageJson, type PackageManifest } from './parse-package-json.js';
import { resolveFrom } from './resolve.js';

/** Per package, its directory and the dependency names to resolve from there (not emitted). */
interface NpmRelations {
  dir: string;
  requests: string[];
}

export const npmCataloger: Cataloger<NpmRelations> = {
  name: 'npm-package-cataloger',
  version: '1',
  globs: ['**/package.json'],
  parse(file) {
    const role = manifestRole(file.path);
    if (role.kind === 'helper') return { packages: [] };
    let manifest: PackageManifest;
    try {
      manifest = parsePackageJson(file.content.toString('utf8'));
    } catch (e) {
      // A project's broken manifest is not an installed package; only installed ones are worth a warning.
      if (role.kind === 'project') return { packages: [] };
      throw new Error(`not a valid package.json: ${(e as Error).message}`);
    }
    const { name, version } = manifest;
    if (!name || !version) {
      if (role.kind === 'project') return { packages: [] };
      return { packages: [], warnings: [`installed package.json without ${name ? 'version' : 'name'}; not a component`] };
    }
    const application = role.kind === 'project';
    const p = npmPackage({ ...manifest, name, version }, file.path, this.name, {
      application,
      installName: role.kind === 'installed' ? role.installName : undefined,
    });
    // devDependencies are installed for the project itself only; for an installed package they would resolve to
    // whatever unrelated copy happens to be hoisted.
    const requests = [
      ...manifest.dependencies,
      ...manifest.optionalDependencies,
      ...manifest.peerDependencies,
      ...(application ? manifest.devDependencies : []),
    ];
    return { packages: [p], relations: new Map([[p, { dir: role.dir, requests }]]) };
  },
  relate(own, _all, { relations }) {
    const byDir = new Map<string, Package>();
    for (const p of own) {
      const r = relations.get(p);
      if (r && p.componentType !== 'application') byDir.set(r.dir, p);
    }
    for (const p of own) {
      const r = relations.get(p);
      if (!r) continue;
      const deps = new Set<string>();
      for (const request of r.requests) {
        const target = resolveFrom(byDir, r.dir, request);
        if (target && target !== p) deps.add(target.ref);
      }
      p.dependsOn = [...deps].sort();
    }
  },
};
