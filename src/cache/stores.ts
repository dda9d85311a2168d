/**
 * Store contracts. Keys are content addresses × analyzer version: a new analyzer version finds nothing and recomputes,
 * no migration needed. An absent entry is `undefined`, never an error.
 */
import type { LayerSummary } from '../image/layer-summary.js';

export interface LayerSummaryStore {
  get(layerDigest: string): Promise<LayerSummary | undefined>;
  put(summary: LayerSummary): Promise<void>;
  /**
   * Optional: the stored summary, or `walk()`'s result stored — with concurrent callers for the same layer (in this
   * process or others) sharing one walk, so a layer is downloaded once however many jobs need it at the same time.
   * Stores without it get the plain get → walk → put.
   */
  getOrCompute?(layerDigest: string, walk: () => Promise<LayerSummary>, signal?: AbortSignal): Promise<LayerSummary>;
}

/** What one analysis of one platform image produced. */
export interface StoredResult {
  meta: ResultMeta;
  sbom: string;
  layers: string;
}

export interface ResultMeta {
  image: string;
  digest: string;
  indexDigest?: string;
  platform: string;
  analyzerVersion: string;
  completedAt: string;
  packages: Record<string, number>;
  warnings: string[];
  /** Layer-report figures shown beside tags (src/inspect); absent in results stored before it was added. */
  summary?: ResultSummary;
}

export interface ResultSummary {
  layers: number;
  /** Σ compressed layer sizes and Σ uncompressed layer sizes. */
  compressedSize: number;
  size: number;
  /** Bytes stored in the layers that the final filesystem does not show (exact, see layers/report.ts). */
  wastedBytes: number;
  efficiency: number;
  /** Dive's figures, the ones `.dive-ci` thresholds mean. */
  dive: { efficiency: number; wastedBytes: number; userWastedPercent: number | null };
}

export interface ResultStore {
  getMeta(digest: string): Promise<ResultMeta | undefined>;
  getSbom(digest: string): Promise<string | undefined>;
  getLayers(digest: string): Promise<string | undefined>;
  /**
   * Optional: a body as the store holds it, gzip'd — served as is to clients that accept gzip, so a read costs
   * no compression. Stores without it are read through getSbom/getLayers.
   */
  getGzipped?(part: 'sbom' | 'layers', digest: string): Promise<Buffer | undefined>;
  put(result: StoredResult): Promise<void>;
}

export class MemoryLayerSummaryStore implements LayerSummaryStore {
  private readonly map = new Map<string, LayerSummary>();
  async get(digest: string) {
    return this.map.get(digest);
  }
  async put(summary: LayerSummary) {
    this.map.set(summary.digest, summary);
  }
}
