/**
 * analyzeImage: the whole pure pipeline, shared by the CLI, the API's worker and the benchmarks.
 * ImageSource → one streaming pass per layer (bounded parallelism, each LayerSummary reused from the store when
 * known) → squash → catalogers → CycloneDX SBOM + layer report. Knows nothing of HTTP, queues or Redis.
 */
import { CATALOGERS, captureMatcher } from './catalog/catalogers.js';
import type { Cataloger } from './catalog/cataloger.js';
import { catalogImage } from './catalog/run.js';
import type { LayerSummaryStore } from './cache/stores.js';
import { defaultLimits, type Limits } from './config.js';
import { withContext } from './errors.js';
import type { LayerSummary } from './image/layer-summary.js';
import type { ImageSource } from './image/source.js';
import { CapturedView } from './image/squash.js';
import { assertLayerCount } from './image/layers-of.js';
import { walkLayer } from './image/walk-layer.js';
import { formatPlatform } from './registry/platform.js';
// report.js, not layers/index.js: the index also loads the CI gate and its YAML parser, which a scan never needs.
import { buildLayerReport, type LayerReport } from './layers/report.js';
import { encodeCycloneDx, type SbomInput } from './sbom/cyclonedx.js';
import type { Package } from './sbom/package.js';
import { mapLimit } from './util/map-limit.js';
import { ANALYZER_VERSION } from './version.js';

export interface AnalyzeOptions {
  catalogers?: readonly Cataloger[];
  limits?: Limits;
  /** Layers pulled and walked at once. */
  layerConcurrency?: number;
  layerStore?: LayerSummaryStore;
  signal?: AbortSignal;
  /** Called after each layer, for progress reporting. */
  onLayer?: (done: number, total: number, summary: LayerSummary) => void;
  /** False when only the SBOM is wanted (`layerlens scan`): the layer report is not built. */
  layerReport?: boolean;
  /** The running process's tuning (src/runtime/v8-tuning.ts installs it); the pipeline only reports to it. */
  hooks?: AnalysisHooks;
}

/**
 * What the pipeline tells the process it runs in, for tuning that is not the pipeline's business (V8's heap).
 * Every hook is optional and synchronous; none changes a result.
 */
export interface AnalysisHooks {
  /** A walk has seen `entries` entries of its layer so far; called every 4096 entries. */
  onLayerEntries?: (entries: number) => void;
  /** Right before the layer report is built: Σ entries of the image's layers, and how many layers were walked (not read from the store). */
  beforeLayerReport?: (stats: { entries: number; walkedLayers: number }) => void;
}

export interface AnalysisResult {
  image: {
    name: string;
    digest: string;
    indexDigest?: string;
    platform: string;
    layers: number;
  };
  analyzerVersion: string;
  packages: Package[];
  /** Packages per ecosystem. */
  counts: Record<string, number>;
  warnings: string[];
  /** CycloneDX 1.6 JSON: the stored form. */
  sbom: string;
  /** What every SBOM encoding is made from (src/sbom/formats): the CLI's other `-o` formats. */
  sbomInput: SbomInput;
  /** The layer-size report, from the same summaries (no second pull). */
  report: LayerReport;
  summaries: LayerSummary[];
}

/** An analysis without the layer report (`layerReport: false`). */
export type SbomAnalysis = Omit<AnalysisResult, 'report'>;

export function analyzeImage(source: ImageSource, options: AnalyzeOptions & { layerReport: false }): Promise<SbomAnalysis>;
export function analyzeImage(source: ImageSource, options?: AnalyzeOptions): Promise<AnalysisResult>;
export async function analyzeImage(source: ImageSource, options: AnalyzeOptions = {}): Promise<SbomAnalysis & { report?: LayerReport }> {
  const catalogers = options.catalogers ?? CATALOGERS;
  const limits = options.limits ?? defaultLimits;
  const capture = captureMatcher(catalogers);
  let done = 0;
  let walks = 0;
  let summaries: LayerSummary[];
  try {
    assertLayerCount(source, limits.maxLayers, source.name);
    summaries = await mapLimit(source.layers, options.layerConcurrency ?? 3, async (layer) => {
      const walk = () => {
        walks++;
        return walkLayer(layer, { capture, limits, signal: options.signal, onEntries: options.hooks?.onLayerEntries });
      };
      const store = options.layerStore;
      let summary: LayerSummary;
      // A store that can share walks (the Redis layer cache) does the get → walk → put itself, once per layer
      // across concurrent jobs; a plain store gets the simple sequence.
      if (store?.getOrCompute) summary = await store.getOrCompute(layer.digest, walk, options.signal);
      else {
        const cached = await store?.get(layer.digest);
        summary = cached ?? (await walk());
        if (!cached) await store?.put(summary);
      }
      options.onLayer?.(++done, source.layers.length, summary);
      return summary;
    });
  } catch (e) {
    throw withContext(e, source.name);
  }
  const view = CapturedView.fromLayers(summaries);
  const layerRefs = source.layers.map((l) => ({ index: l.index, digest: l.digest, diffId: l.diffId }));
  const catalog = catalogImage(view, layerRefs, catalogers, { timeBudgetMs: limits.catalogTimeBudgetMs });
  const warnings = [...summaries.flatMap((s, i) => s.warnings.map((w) => `layer ${i}: ${w}`)), ...catalog.warnings];
  const sbomInput: SbomInput = {
    subject: {
      name: source.name,
      digest: source.digest,
      indexDigest: source.indexDigest,
      platform: source.platform,
      repositoryUrl: source.repositoryUrl,
      created: source.config.created,
    },
    distro: catalog.distro,
    packages: catalog.packages,
    warnings,
  };
  const sbom = encodeCycloneDx(sbomInput);
  const counts: Record<string, number> = {};
  for (const p of catalog.packages) counts[p.type] = (counts[p.type] ?? 0) + 1;
  const layerReport = options.layerReport !== false;
  if (layerReport && options.hooks?.beforeLayerReport) {
    let entries = 0;
    for (const s of summaries) entries += s.files.paths.length;
    options.hooks.beforeLayerReport({ entries, walkedLayers: walks });
  }
  return {
    image: {
      name: source.name,
      digest: source.digest,
      indexDigest: source.indexDigest,
      platform: formatPlatform(source.platform),
      layers: source.layers.length,
    },
    analyzerVersion: ANALYZER_VERSION,
    packages: catalog.packages,
    counts,
    warnings,
    sbom,
    sbomInput,
    ...(layerReport ? { report: buildLayerReport(summaries, source.config) } : {}),
    summaries,
  };
}
