/**
 * What changed between two analysed images: packages added, removed, upgraded and downgraded (same identity and
 * arch, versions compared by the ecosystem's own order), license changes, and the layer report's size and waste
 * deltas. Pure: both sides' facts and summaries in, the diff out.
 */
import type { ResultSummary } from '../cache/stores.js';
import { versionScheme } from '../versions/index.js';
import type { PackageFact } from './package-facts.js';

export interface VersionChange {
  identity: string;
  name: string;
  type: string;
  arch?: string;
  from: string;
  to: string;
  fromPurl: string;
  toPurl: string;
  layer?: number;
}

export interface LicenseChange {
  identity: string;
  name: string;
  version: string;
  from: string[];
  to: string[];
}

export interface SizeDelta {
  from: number;
  to: number;
  delta: number;
}

export interface ImageDiff {
  packages: {
    added: PackageFact[];
    removed: PackageFact[];
    upgraded: VersionChange[];
    downgraded: VersionChange[];
    unchanged: number;
  };
  licenses: LicenseChange[];
  layers?: { layers: SizeDelta; size: SizeDelta; compressedSize: SizeDelta; wastedBytes: SizeDelta; efficiency: SizeDelta };
  /** One line for people: `openssl 3.0.11 → 3.0.13, +2 packages, −1 package`. */
  summary: string;
}

const sideKey = (f: PackageFact) => `${f.identity}\u0000${f.arch ?? ''}`;

function compareVersions(type: string, a: string, b: string): number {
  const scheme = versionScheme(type);
  if (scheme) return scheme.compare(a, b);
  return a < b ? -1 : a > b ? 1 : 0;
}

function group(facts: readonly PackageFact[]): Map<string, PackageFact[]> {
  const groups = new Map<string, PackageFact[]>();
  for (const f of facts) {
    const k = sideKey(f);
    const list = groups.get(k);
    if (list) list.push(f);
    else groups.set(k, [f]);
  }
  return groups;
}

const orderKey = (x: { identity: string; version?: string; from?: string | string[] }) =>
  `${x.identity}\u0000${x.version ?? (typeof x.from === 'string' ? x.from : '')}`;
const byIdentity = (a: Parameters<typeof orderKey>[0], b: Parameters<typeof orderKey>[0]) => (orderKey(a) < orderKey(b) ? -1 : orderKey(a) > orderKey(b) ? 1 : 0);

const sameLicenses = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

export function diffPackages(from: readonly PackageFact[], to: readonly PackageFact[]): Pick<ImageDiff, 'packages' | 'licenses'> {
  const before = group(from);
  const after = group(to);
  const added: PackageFact[] = [];
  const removed: PackageFact[] = [];
  const upgraded: VersionChange[] = [];
  const downgraded: VersionChange[] = [];
  const licenses: LicenseChange[] = [];
  let unchanged = 0;
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(key) ?? [];
    const b = after.get(key) ?? [];
    // Versions present on both sides are unchanged (npm can install several versions of one name side by side).
    const bVersions = new Map(b.map((f) => [f.version, f]));
    const aOnly: PackageFact[] = [];
    for (const f of a) {
      const same = bVersions.get(f.version);
      if (same) {
        unchanged++;
        bVersions.delete(f.version);
        if (!sameLicenses(f.licenses, same.licenses)) {
          licenses.push({ identity: f.identity, name: f.name, version: f.version, from: f.licenses, to: same.licenses });
        }
      } else aOnly.push(f);
    }
    const bOnly = [...bVersions.values()];
    if (aOnly.length === 1 && bOnly.length === 1) {
      const [x, y] = [aOnly[0]!, bOnly[0]!];
      const change: VersionChange = { identity: x.identity, name: x.name, type: x.type, from: x.version, to: y.version, fromPurl: x.purl, toPurl: y.purl };
      if (x.arch) change.arch = x.arch;
      if (y.layer !== undefined) change.layer = y.layer;
      (compareVersions(x.type, x.version, y.version) <= 0 ? upgraded : downgraded).push(change);
      if (!sameLicenses(x.licenses, y.licenses)) licenses.push({ identity: y.identity, name: y.name, version: y.version, from: x.licenses, to: y.licenses });
      continue;
    }
    for (const f of aOnly) removed.push(f);
    for (const f of bOnly) added.push(f);
  }
  added.sort(byIdentity);
  removed.sort(byIdentity);
  upgraded.sort(byIdentity);
  downgraded.sort(byIdentity);
  licenses.sort(byIdentity);
  return { packages: { added, removed, upgraded, downgraded, unchanged }, licenses };
}

const delta = (from: number, to: number): SizeDelta => ({ from, to, delta: to - from });

export function diffSummaries(from: ResultSummary | undefined, to: ResultSummary | undefined): ImageDiff['layers'] {
  if (!from || !to) return undefined;
  return {
    layers: delta(from.layers, to.layers),
    size: delta(from.size, to.size),
    compressedSize: delta(from.compressedSize, to.compressedSize),
    wastedBytes: delta(from.wastedBytes, to.wastedBytes),
    efficiency: { from: from.efficiency, to: to.efficiency, delta: Math.round((to.efficiency - from.efficiency) * 1e6) / 1e6 },
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The headline a watch's callback carries: the first version changes by name, then counts. */
export function summarise(d: Pick<ImageDiff, 'packages' | 'licenses'>, maxNamed = 3): string {
  const changes = [...d.packages.upgraded, ...d.packages.downgraded];
  const parts = changes.slice(0, maxNamed).map((c) => `${c.name} ${c.from} → ${c.to}`);
  if (changes.length > maxNamed) parts.push(`${plural(changes.length - maxNamed, 'more version change')}`);
  if (d.packages.added.length) parts.push(`+${plural(d.packages.added.length, 'package')}`);
  if (d.packages.removed.length) parts.push(`−${plural(d.packages.removed.length, 'package')}`);
  if (d.licenses.length) parts.push(plural(d.licenses.length, 'license change'));
  return parts.length ? parts.join(', ') : 'no package changes';
}

export function diffImages(
  from: { facts: readonly PackageFact[]; summary?: ResultSummary },
  to: { facts: readonly PackageFact[]; summary?: ResultSummary },
): ImageDiff {
  const packages = diffPackages(from.facts, to.facts);
  return { ...packages, layers: diffSummaries(from.summary, to.summary), summary: summarise(packages) };
}
