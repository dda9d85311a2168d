/**
 * The report as a person reads it in a terminal (`layerlens layers IMAGE --format table`): one row per layer, sizes
 * humanised the way Dive prints them, the Dockerfile step shortened, then the image totals, the exact waste and the
 * Dive-compatible figures (printed as Dive's `--ci` mode prints them).
 */
import { formatBytes } from './bytes.js';
import type { LayerReport } from './report.js';
import { grid } from '../util/text-grid.js';

export interface TableOptions {
  /** Width of the CREATED BY column (default 60). */
  commandWidth?: number;
}

const NOP = /^\/bin\/(?:ba)?sh -c #\(nop\)\s*/;
const SHELL = /^\/bin\/(?:ba)?sh -c\s+/;

/**
 * `/bin/sh -c #(nop) ADD file:… in /` → `ADD file:… in /`; `/bin/sh -c apt-get update` → `RUN apt-get update`;
 * BuildKit's `RUN /bin/sh -c … # buildkit` → `RUN …`; whitespace collapsed, then cut to `width` with an ellipsis.
 */
export function shortenCreatedBy(createdBy: string | null, width = 60): string {
  if (createdBy === null) return '(missing)';
  let s = createdBy.replace(/\s+/g, ' ').trim();
  s = s.replace(/ # buildkit$/, '');
  if (NOP.test(s)) s = s.replace(NOP, '');
  else if (SHELL.test(s)) s = `RUN ${s.replace(SHELL, '')}`;
  else s = s.replace(/^RUN \/bin\/(?:ba)?sh -c /, 'RUN ');
  return s.length > width ? `${s.slice(0, Math.max(1, width - 1))}…` : s;
}

function changeCell(c: { files: number; bytes: number }): string {
  return c.files === 0 ? '-' : `${c.files} (${formatBytes(c.bytes)})`;
}

function percent(x: number | null): string {
  return x === null ? 'n/a' : `${(x * 100).toFixed(4)} %`;
}

export function formatLayerTable(report: LayerReport, opts: TableOptions = {}): string {
  const width = opts.commandWidth ?? 60;
  const header = ['#', 'SIZE', 'COMPRESSED', 'ADDED', 'MODIFIED', 'REMOVED', 'CREATED BY'];
  const rows = report.layers.map((l) => [
    String(l.index),
    formatBytes(l.size),
    formatBytes(l.compressedSize),
    changeCell(l.added),
    changeCell(l.modified),
    changeCell(l.removed),
    shortenCreatedBy(l.createdBy, width),
  ]);

  const t = report.totals;
  const d = report.dive;
  const out = [...grid(header, rows, new Set([0, 1, 2])), ''];
  out.push(`Total: ${formatBytes(t.size)} in ${t.layers} layer${t.layers === 1 ? '' : 's'} (${formatBytes(t.compressedSize)} compressed)`);
  out.push(`Visible: ${formatBytes(t.visibleBytes)} in ${t.visibleFiles} files and ${t.visibleDirs} directories`);
  out.push(
    `Wasted: ${formatBytes(t.wastedBytes)} (${t.wastedBytes} bytes), ${percent(t.userWastedPercent)} of the layers after the first; ` +
      `efficiency ${percent(t.efficiency)}`,
  );
  for (const w of t.wastedPaths) out.push(`  ${formatBytes(w.bytes).padStart(8)}  ${w.path}`);
  out.push('Dive-compatible:');
  out.push(`  efficiency: ${percent(d.efficiency)}`);
  out.push(`  wastedBytes: ${d.wastedBytes} bytes (${formatBytes(d.wastedBytes)})`);
  out.push(`  userWastedPercent: ${percent(d.userWastedPercent)}`);
  return `${out.join('\n')}\n`;
}
