import { beforeAll, describe, expect, it } from 'vitest';
import { formatBytes, parseDiveBytes } from '../../../src/layers/bytes.js';
import { buildLayerReport, type LayerReport } from '../../../src/layers/report.js';
import { formatLayerTable, shortenCreatedBy } from '../../../src/layers/table.js';
import { CONFIG, scenario } from './scenario.js';

describe('formatBytes / parseDiveBytes (go-humanize, as Dive)', () => {
  it('formats SI sizes', () => {
    expect([0, 9, 10, 999, 1000, 12_345, 3_200_000, 3_250_000, 10_970, 1e9, 1.5e12].map(formatBytes)).toEqual([
      '0 B', '9 B', '10 B', '999 B', '1.0 kB', '12 kB', '3.2 MB', '3.3 MB', '11 kB', '1.0 GB', '1.5 TB',
    ]);
  });

  it('parses sizes the way ParseBytes does (bare M is SI, Mi binary, commas allowed)', () => {
    expect(parseDiveBytes('20MB')).toBe(20_000_000);
    expect(parseDiveBytes('20M')).toBe(20_000_000);
    expect(parseDiveBytes('20 mib')).toBe(20 * 1024 ** 2);
    expect(parseDiveBytes('1.5kB')).toBe(1500);
    expect(parseDiveBytes('1,000')).toBe(1000);
    expect(parseDiveBytes('42')).toBe(42);
    expect(parseDiveBytes('0.5 B')).toBe(0);
    for (const bad of ['', 'MB', '-5', '20 XB', '1.2.3MB']) expect(parseDiveBytes(bad)).toBeUndefined();
  });
});

describe('shortenCreatedBy', () => {
  it('strips the shell prefixes and BuildKit suffix, collapses whitespace and truncates', () => {
    expect(shortenCreatedBy('/bin/sh -c #(nop) ADD file:0123abcd in / ')).toBe('ADD file:0123abcd in /');
    expect(shortenCreatedBy('/bin/sh -c #(nop)  CMD ["bash"]')).toBe('CMD ["bash"]');
    expect(shortenCreatedBy('/bin/sh -c apt-get update &&\t\n    apt-get install -y curl')).toBe('RUN apt-get update && apt-get install -y curl');
    expect(shortenCreatedBy('RUN /bin/sh -c make install # buildkit')).toBe('RUN make install');
    expect(shortenCreatedBy('COPY . /app # buildkit')).toBe('COPY . /app');
    expect(shortenCreatedBy(null)).toBe('(missing)');
    expect(shortenCreatedBy('RUN /bin/sh -c echo 0123456789', 12)).toBe('RUN echo 01…');
    expect(shortenCreatedBy('RUN /bin/sh -c echo 0123456789', 12)).toHaveLength(12);
  });
});

describe('formatLayerTable', () => {
  let report: LayerReport;
  beforeAll(async () => {
    const { summaries } = await scenario();
    // compressed sizes of gzip'd test tars vary with the tar's mtimes: pin them for a byte-stable table
    const pinned = summaries.map((s, i) => ({ ...s, compressedSize: [1_523_456, 2_048, 310, 97][i] }));
    report = buildLayerReport(pinned, CONFIG, { top: 3 });
  });

  it('prints one row per layer, the totals, the exact waste and the Dive-compatible figures', () => {
    expect(formatLayerTable(report)).toBe(
      [
        '#    SIZE  COMPRESSED  ADDED        MODIFIED    REMOVED     CREATED BY',
        '0  4.5 kB      1.5 MB  10 (4.5 kB)  -           -           ADD file:0123abcd in /',
        '1  5.2 kB      2.0 kB  1 (5.0 kB)   1 (150 B)   -           RUN echo 150 > /etc/config && curl -o /tmp/download.tgz htt…',
        '2   110 B       310 B  1 (50 B)     1 (60 B)    5 (7.9 kB)  RUN rm -rf /tmp/download.tgz /cache /usr/bin/perl',
        '3  1.2 kB        97 B  1 (0 B)      1 (1.2 kB)  1 (0 B)     (missing)',
        '',
        'Total: 11 kB in 4 layers (1.5 MB compressed)',
        'Visible: 1.5 kB in 7 files and 7 directories',
        'Wasted: 9.5 kB (9500 bytes), 147.0588 % of the layers after the first; efficiency 13.4002 %',
        '    5.0 kB  tmp/download.tgz',
        '    2.0 kB  usr/bin/perl',
        '    1.0 kB  app/big.bin',
        'Dive-compatible:',
        '  efficiency: 22.8422 %',
        '  wastedBytes: 10010 bytes (10 kB)',
        '  userWastedPercent: 154.9536 %',
        '',
      ].join('\n'),
    );
  });

  it('narrows the CREATED BY column on request and says n/a without user layers', () => {
    const one = buildLayerReport([], {});
    expect(formatLayerTable(one)).toContain('userWastedPercent: n/a');
    expect(formatLayerTable(report, { commandWidth: 10 }).split('\n')[1]).toMatch(/ADD file:…$/);
  });
});
