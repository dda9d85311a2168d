/**
 * `inspect` and `tags` as a person reads them in a terminal: sizes humanised as the layer table does (Dive's SI
 * units), Dockerfile steps shortened the same way, one analysis cell per platform (`3 apk, 12 npm · 4.1 MB wasted,
 * 97.2 %` or `not analysed`).
 */
import { formatBytes } from '../layers/bytes.js';
import { grid } from '../util/text-grid.js';
import { shortenCreatedBy } from '../layers/table.js';
import type { Inspection, PlatformEntry } from './inspect-image.js';
import type { TagListing } from './list-tags.js';
import type { Analysis } from './result-summary.js';

export function analysisCell(a: Analysis | undefined): string {
  if (!a) return '-';
  if (a.status === 'not-analysed') return 'not analysed';
  const counts = Object.entries(a.packages)
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([type, n]) => `${n} ${type}`)
    .join(', ');
  const waste = a.wastedBytes === null ? '' : ` · ${formatBytes(a.wastedBytes)} wasted`;
  const eff = a.efficiency === null ? '' : `, ${(a.efficiency * 100).toFixed(1)} % efficient`;
  return `${counts || 'no packages'}${waste}${eff}`;
}

export function shortDigest(digest: string | undefined): string {
  return digest ? digest.slice(0, 19) : '-';
}

export function formatInspectTable(x: Inspection): string {
  const out = [`Reference:  ${x.reference}`, `Digest:     ${x.digest}`, `Media type: ${x.mediaType} (${x.kind})`];
  if (x.kind === 'index') {
    out.push('', ...platformRows(x.platforms));
    if (x.artifacts.length) {
      out.push('', ...grid(['KIND', 'DIGEST', 'SIZE', 'REFERS TO'], x.artifacts.map((a) => [a.kind, shortDigest(a.digest), formatBytes(a.size), a.refersTo ? shortDigest(a.refersTo) : '-']), new Set([2])));
    }
    return `${out.join('\n')}\n`;
  }
  const i = x.image;
  const platform = [i.os, i.architecture, i.variant].filter(Boolean).join('/') || 'unknown';
  const field = (name: string, value: string | undefined | null) => out.push(`${`${name}:`.padEnd(12)}${value ?? '-'}`);
  field('Config', i.configDigest);
  field('Platform', i.osVersion ? `${platform} (${i.osVersion})` : platform);
  field('Created', i.created);
  field('Author', i.author);
  field('User', i.user);
  field('WorkingDir', i.workingDir);
  field('Entrypoint', i.entrypoint ? JSON.stringify(i.entrypoint) : null);
  field('Cmd', i.cmd ? JSON.stringify(i.cmd) : null);
  field('Ports', i.exposedPorts.join(', ') || null);
  field('Size', `${formatBytes(i.size)} compressed in ${i.layers.length} layer${i.layers.length === 1 ? '' : 's'}`);
  if (i.analysis) field('Analysis', analysisCell(i.analysis));
  if (i.env.length) out.push('Env:', ...i.env.map((e) => `  ${e}`));
  const labels = Object.entries(i.labels).sort(([a], [b]) => a.localeCompare(b));
  if (labels.length) out.push('Labels:', ...labels.map(([k, v]) => `  ${k}=${v}`));
  if (i.history.length) {
    const sizes = new Map(i.layers.map((l) => [l.digest, l.size]));
    const rows = i.history.map((h) => [
      h.emptyLayer ? '(empty)' : shortDigest(h.layerDigest),
      h.layerDigest ? formatBytes(sizes.get(h.layerDigest) ?? 0) : '0 B',
      h.created ?? '-',
      shortenCreatedBy(h.createdBy ?? null, 70),
    ]);
    out.push('', ...grid(['LAYER', 'SIZE', 'CREATED', 'CREATED BY'], rows, new Set([1])));
  }
  return `${out.join('\n')}\n`;
}

function platformCell(p: PlatformEntry): string {
  return p.osVersion ? `${p.platform} (${p.osVersion})` : p.platform;
}

function platformRows(platforms: PlatformEntry[]): string[] {
  const rows = platforms.map((p) => [platformCell(p), shortDigest(p.digest), formatBytes(p.size), analysisCell(p.analysis)]);
  return withoutEmptyAnalysis(['PLATFORM', 'DIGEST', 'SIZE', 'ANALYSIS'], rows, platforms.some((p) => p.analysis), new Set([2]));
}

/** The ANALYSIS column only when results were looked up (the CLI without --results has none to show). */
function withoutEmptyAnalysis(header: string[], rows: string[][], hasAnalysis: boolean, right: ReadonlySet<number>): string[] {
  return hasAnalysis ? grid(header, rows, right) : grid(header.slice(0, -1), rows.map((r) => r.slice(0, -1)), right);
}

export function formatTagsTable(listing: TagListing): string {
  const rows: string[][] = [];
  for (const t of listing.tags) {
    if (t.error) {
      rows.push([t.tag, '-', `error: ${t.error.code}`, '-', '']);
      continue;
    }
    if (t.kind !== 'index') {
      const p = t.platforms[0];
      rows.push([t.tag, shortDigest(t.digest), p ? platformCell(p) : (t.kind ?? '-'), t.size === undefined ? '-' : formatBytes(t.size), p ? analysisCell(p.analysis) : '-']);
      continue;
    }
    // An index: one row for the tag, then one per platform with that platform's own digest, size and results.
    const extra = t.artifacts ? `, +${t.artifacts} attestation/artifact` : '';
    rows.push([t.tag, shortDigest(t.digest), `index (${t.platforms.length} platform${t.platforms.length === 1 ? '' : 's'}${extra})`, formatBytes(t.size ?? 0), '']);
    for (const p of t.platforms) rows.push(['', `  ${shortDigest(p.digest)}`, platformCell(p), formatBytes(p.size), analysisCell(p.analysis)]);
  }
  const analysed = listing.tags.some((t) => t.platforms.some((p) => p.analysis));
  const out = [`Repository: ${listing.repository}`, '', ...withoutEmptyAnalysis(['TAG', 'DIGEST', 'PLATFORM', 'SIZE', 'ANALYSIS'], rows, analysed, new Set([3]))];
  const failed = listing.tags.filter((t) => t.error);
  if (failed.length) out.push('', 'Errors:', ...failed.map((t) => `  ${t.tag}: ${t.error!.code}: ${t.error!.message}`));
  if (listing.next) out.push('', `More tags after ${listing.next} (--last ${listing.next})`);
  return `${out.join('\n')}\n`;
}
