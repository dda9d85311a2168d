/**
 * Resolving Depends/Pre-Depends against what is installed, the way dpkg checks them: a requirement is satisfied by
 * the first alternative that an installed package (or an installed package's Provides) fulfils; architecture
 * qualifiers pick among Multi-Arch copies of the same name. Version constraints are not re-checked: dpkg already
 * refused to configure a package whose constraints fail, and every entry we keep is configured.
 */
import type { Package } from '../../sbom/package.js';
import type { DpkgRelation } from './parse-dpkg-status.js';

export interface Installed {
  pkg: Package;
  provides: readonly string[];
  multiArch?: string;
}

export class RelationResolver {
  private readonly byName = new Map<string, Installed[]>();
  private readonly byProvides = new Map<string, Installed[]>();
  /** dpkg's native architecture: the dpkg package's own, else the most common one. */
  readonly nativeArch: string | undefined;

  constructor(installed: readonly Installed[]) {
    const archCount = new Map<string, number>();
    for (const i of installed) {
      push(this.byName, i.pkg.name, i);
      for (const v of i.provides) push(this.byProvides, v, i);
      if (i.pkg.arch && i.pkg.arch !== 'all') archCount.set(i.pkg.arch, (archCount.get(i.pkg.arch) ?? 0) + 1);
    }
    const dpkgArch = this.byName.get('dpkg')?.[0]?.pkg.arch;
    this.nativeArch = dpkgArch && dpkgArch !== 'all' ? dpkgArch : [...archCount].sort((a, b) => b[1] - a[1])[0]?.[0];
  }

  /** The installed package satisfying a requirement group for a dependent of architecture `fromArch`. */
  resolve(group: readonly DpkgRelation[], fromArch: string | undefined): Package | undefined {
    for (const alt of group) {
      const hit = this.pick(this.byName.get(alt.name), alt, fromArch) ?? this.pick(this.byProvides.get(alt.name), alt, fromArch);
      if (hit) return hit.pkg;
    }
    return undefined;
  }

  private pick(candidates: Installed[] | undefined, alt: DpkgRelation, fromArch: string | undefined): Installed | undefined {
    if (!candidates?.length) return undefined;
    if (candidates.length === 1 || alt.archQualifier === 'any') return candidates[0];
    const wanted = alt.archQualifier === 'native' ? this.nativeArch : alt.archQualifier ?? (fromArch === 'all' || !fromArch ? this.nativeArch : fromArch);
    return (
      candidates.find((c) => c.pkg.arch === wanted) ??
      candidates.find((c) => c.pkg.arch === 'all' || c.multiArch === 'foreign') ??
      candidates[0]
    );
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
