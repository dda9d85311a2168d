/**
 * Store contracts. Keys are content addresses × analyzer version: a new analyzer version finds nothing and recomputes,
 * no migration needed. An absent entry is `undefined`, never an error.
 */
import type { LayerSummary } from '../image/layer-summary.js';

export interface LayerSummaryStore {
  get(layerDigest: string): Promise<LayerSummary | undefined>;
  put(summary: LayerSummary): Promise<void>;
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
}

export interface ResultStore {
  getMeta(digest: string): Promise<ResultMeta | undefined>;
  getSbom(digest: string): Promise<string | undefined>;
  getLayers(digest: string): Promise<string | undefined>;
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
