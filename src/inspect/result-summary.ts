/**
 * The few figures of an analysis shown next to a tag: packages per ecosystem, wasted bytes and efficiency. Written
 * into the result's meta when a job completes (so a tag listing reads one small key per digest); for results stored
 * before that, read from the layer report's totals instead.
 */
import type { ResultStore, ResultSummary } from '../cache/stores.js';
import type { LayerReport } from '../layers/report.js';

export type { ResultSummary };

export function resultSummary(report: Pick<LayerReport, 'totals' | 'dive'>): ResultSummary {
  const { totals, dive } = report;
  return {
    layers: totals.layers,
    compressedSize: totals.compressedSize,
    size: totals.size,
    wastedBytes: totals.wastedBytes,
    efficiency: totals.efficiency,
    dive: { efficiency: dive.efficiency, wastedBytes: dive.wastedBytes, userWastedPercent: dive.userWastedPercent },
  };
}

export type Analysis =
  | {
      status: 'analysed';
      analyzerVersion: string;
      completedAt: string;
      packages: Record<string, number>;
      wastedBytes: number | null;
      efficiency: number | null;
      summary: ResultSummary | null;
      links: { sbom: string; layers: string };
    }
  | { status: 'not-analysed' };

/** What layerlens knows about one platform manifest digest from its own results (for the running analyzer version). */
export async function analysisOf(results: Pick<ResultStore, 'getMeta' | 'getLayers'>, digest: string): Promise<Analysis> {
  const meta = await results.getMeta(digest);
  if (!meta) return { status: 'not-analysed' };
  const summary = meta.summary ?? (await summaryFromReport(results, digest));
  return {
    status: 'analysed',
    analyzerVersion: meta.analyzerVersion,
    completedAt: meta.completedAt,
    packages: meta.packages,
    wastedBytes: summary?.wastedBytes ?? null,
    efficiency: summary?.efficiency ?? null,
    summary,
    links: { sbom: `/v1/sboms/${digest}`, layers: `/v1/layers/${digest}` },
  };
}

/** Results written before meta carried a summary: parse the stored report once (it is bounded: top-N lists only). */
async function summaryFromReport(results: Pick<ResultStore, 'getLayers'>, digest: string): Promise<ResultSummary | null> {
  const text = await results.getLayers(digest);
  if (!text) return null;
  try {
    const report = JSON.parse(text) as Partial<LayerReport>;
    return report.totals && report.dive ? resultSummary(report as LayerReport) : null;
  } catch {
    return null;
  }
}
