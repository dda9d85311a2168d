/** The diff for people: one line per change, `syft`-style columns, then the layer figures. */
import { grid } from '../util/text-grid.js';
import type { ImageDiff } from './diff.js';

const signed = (n: number) => (n > 0 ? `+${n}` : String(n));

export function diffTable(d: ImageDiff): string {
  const rows: string[][] = [];
  for (const c of d.packages.upgraded) rows.push(['upgraded', c.name, c.type, `${c.from} → ${c.to}`]);
  for (const c of d.packages.downgraded) rows.push(['downgraded', c.name, c.type, `${c.from} → ${c.to}`]);
  for (const f of d.packages.added) rows.push(['added', f.name, f.type, f.version]);
  for (const f of d.packages.removed) rows.push(['removed', f.name, f.type, f.version]);
  for (const l of d.licenses) rows.push(['license', l.name, l.identity.split('/')[0]!, `${l.from.join(' AND ') || '(none)'} → ${l.to.join(' AND ') || '(none)'}`]);
  const lines = rows.length ? grid(['CHANGE', 'NAME', 'TYPE', 'VERSION'], rows) : ['no package changes'];
  if (d.layers) {
    const l = d.layers;
    lines.push(
      '',
      ...grid(
        ['LAYERS', 'SIZE', 'COMPRESSED', 'WASTED', 'EFFICIENCY'],
        [
          [signed(l.layers.delta), signed(l.size.delta), signed(l.compressedSize.delta), signed(l.wastedBytes.delta), signed(l.efficiency.delta)],
        ],
        new Set([0, 1, 2, 3, 4]),
      ),
    );
  }
  lines.push('', d.summary);
  return `${lines.join('\n')}\n`;
}
