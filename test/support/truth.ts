/** Reads a corpus .truth.tsv: `type name version [arch]`; a type starting with `?` marks an optional row. */
import { readFileSync } from 'node:fs';

export interface TruthRow {
  type: string;
  name: string;
  version: string;
  arch?: string;
  optional: boolean;
}

export function readTruth(path: string): TruthRow[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => {
      const [type, name, version, arch] = l.split('\t');
      const optional = type.startsWith('?');
      // Some truth files put a comment in the fourth column; only a plain architecture name is an arch.
      return { type: optional ? type.slice(1) : type, name, version, arch: arch && !/[\s/]/.test(arch) ? arch : undefined, optional };
    });
}

export function pep503(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

export function truthKey(type: string, name: string, version: string): string {
  return `${type}\t${type === 'pypi' ? pep503(name) : name}\t${version}`;
}
