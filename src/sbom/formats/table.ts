/**
 * The SBOM for people: `NAME VERSION TYPE` as `syft IMAGE` prints it (sorted by name, version, type; Syft's type
 * names, `python` for pypi), plus the index of the layer that brought the package in.
 */
import type { SbomInput } from '../cyclonedx.js';

const TYPE_NAMES: Record<string, string> = { pypi: 'python' };

export function encodeTable(input: SbomInput): string {
  if (input.packages.length === 0) return 'No packages discovered\n';
  const rows = input.packages
    .map((p) => [p.name, p.version, TYPE_NAMES[p.type] ?? p.type, p.layer ? String(p.layer.index) : ''])
    .sort((a, b) => compareRows(a, b));
  const all = [['NAME', 'VERSION', 'TYPE', 'LAYER'], ...rows];
  // A loop, not Math.max(...): an image may hold more packages than a call has room for arguments.
  const widths = all[0].map((_, i) => all.reduce((w, r) => Math.max(w, r[i].length), 0));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd()).join('\n') + '\n';
}

/** One purl per line, sorted and without repeats (a purl installed in two places is one package to look up). */
export function encodePurls(input: SbomInput): string {
  const purls = [...new Set(input.packages.map((p) => p.purl).filter(Boolean))].sort(compare);
  return purls.length ? `${purls.join('\n')}\n` : '';
}

function compareRows(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i++) {
    const c = compare(a[i], b[i]);
    if (c !== 0) return c;
  }
  return 0;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
