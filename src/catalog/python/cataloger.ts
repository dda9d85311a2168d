/**
 * python-installed-cataloger: distributions installed into site-packages / dist-packages, as importlib.metadata
 * lists them; each one an OS package installed is marked with that package's purl (`layerlens:ownedBy`).
 */
import type { Package } from '../../sbom/package.js';
import { OWNED_BY_PROPERTY, type Cataloger, type CatalogContext, type RelateContext } from '../cataloger.js';
import { infoLocation, PYTHON_AUX_GLOBS, PYTHON_GLOBS, type InfoLocation } from './location.js';
import { appliesByDefault, normalizePyName, parseRequirement, parseRequiresTxt } from './names.js';
import { pythonPackage } from './package.js';
import { parsePythonMetadata } from './parse-metadata.js';

export { OWNED_BY_PROPERTY };

/** Per distribution, where it is recorded and what it requires (not emitted). */
interface PythonRelations {
  where: InfoLocation;
  requires: string[];
}
type Relations = RelateContext<PythonRelations>['relations'];

export const pythonCataloger: Cataloger<PythonRelations> = {
  name: 'python-installed-cataloger',
  version: '1',
  globs: PYTHON_GLOBS,
  auxiliaryGlobs: PYTHON_AUX_GLOBS,
  parse(file, ctx) {
    const where = infoLocation(file.path);
    if (!where) return { packages: [] };
    const { metadata, warnings } = parsePythonMetadata(file.content.toString('utf8'));
    const { name, version } = metadata;
    if (!name || !version) {
      return { packages: [], warnings: [...warnings, `no ${name ? 'Version' : 'Name'} in the metadata; not a component`] };
    }
    const p = pythonPackage({ ...metadata, name, version }, file.path, this.name);
    return { packages: [p], warnings, relations: new Map([[p, { where, requires: [...metadata.requiresDist, ...eggRequires(where, ctx)] }]]) };
  },
  relate(own, _all, ctx) {
    linkRequirements(own, ctx.relations);
    markOsOwned(own, ctx);
  },
};

function eggRequires(where: InfoLocation, ctx: CatalogContext): string[] {
  if (where.kind !== 'egg-info-dir') return [];
  const body = ctx.files.get(`${where.infoPath}/requires.txt`);
  return body ? parseRequiresTxt(body.toString('utf8')) : [];
}

/**
 * A requirement resolves to the distribution of that PEP 503 name in the same site-packages directory, else in
 * another one (Debian puts pip's installs in /usr/local/lib/python3.X/dist-packages and its own in
 * /usr/lib/python3/dist-packages, both on sys.path).
 */
function linkRequirements(own: Package[], relations: Relations): void {
  const bySite = new Map<string, Map<string, Package>>();
  const anywhere = new Map<string, Package>();
  for (const p of [...own].sort((a, b) => a.location.localeCompare(b.location))) {
    const r = relations.get(p);
    if (!r) continue;
    let names = bySite.get(r.where.sitePackages);
    if (!names) bySite.set(r.where.sitePackages, (names = new Map()));
    const key = normalizePyName(p.name);
    if (!names.has(key)) names.set(key, p);
    if (!anywhere.has(key)) anywhere.set(key, p);
  }
  for (const p of own) {
    const r = relations.get(p);
    if (!r) continue;
    const names = bySite.get(r.where.sitePackages)!;
    const deps = new Set<string>();
    for (const text of r.requires) {
      const req = parseRequirement(text);
      if (!req || !appliesByDefault(req.marker)) continue;
      const key = normalizePyName(req.name);
      const target = names.get(key) ?? anywhere.get(key);
      if (target && target !== p) deps.add(target.ref);
    }
    p.dependsOn = [...deps].sort();
  }
}

/** The metadata file or its info directory listed by an OS package's file list. */
function markOsOwned(own: Package[], ctx: RelateContext<PythonRelations>): void {
  const wanted = own.flatMap((p) => {
    const r = ctx.relations.get(p);
    return r ? [p.location, r.where.infoPath] : [];
  });
  const owners = ctx.ownersOf(wanted);
  for (const p of own) {
    const r = ctx.relations.get(p);
    const owner = owners.get(p.location) ?? (r ? owners.get(r.where.infoPath) : undefined);
    if (owner) p.properties[OWNED_BY_PROPERTY] = owner.purl;
  }
}
