/**
 * The analysis job processor: validate the payload, pull the pinned platform image, run the core pipeline, store the
 * result in one transaction. Failures are classified once: a non-retryable error (bad reference, manifest unknown,
 * unauthorized, digest mismatch) fails the job at once with UnrecoverableError; a transient one is retried by BullMQ.
 */
import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import { analyzeImage, layerReportBody, type AnalysisHooks } from '../src/analyze.js';
import type { ResultStore, LayerSummaryStore } from '../src/cache/stores.js';
import type { Limits } from '../src/config.js';
import { LayerlensError, withContext } from '../src/errors.js';
import { factsOf } from '../src/fleet/package-facts.js';
import type { PackageIndex } from '../src/fleet/package-index.js';
import { openImage } from '../src/image/open.js';
import { resultSummary } from '../src/inspect/result-summary.js';
import { analysisPayload, type AnalysisPayload } from '../src/jobs/analysis-job.js';
import type { Logger } from '../src/logger.js';
import type { RegistryClient } from '../src/registry/client.js';

export interface ProcessorDeps {
  client: RegistryClient;
  results: ResultStore;
  layerStore?: LayerSummaryStore;
  limits: Limits;
  layerConcurrency: number;
  /** oci-dir:/oci-archive:/docker-archive: jobs read the worker's disk; only when the API was allowed to accept them. */
  allowLocalSources?: boolean;
  logger: Logger;
  /** The fleet's package index, written before the result so a result is never visible unindexed. */
  packageIndex?: Pick<PackageIndex, 'record'>;
  /** The process's tuning hooks (src/runtime/v8-tuning.ts). */
  hooks?: AnalysisHooks;
}

/**
 * The abort reason of a running job cancelled by a shutting-down worker (run-worker.ts): the processor gives the
 * job back to the waiting list instead of failing it, so another worker picks it up at once, no attempt spent.
 */
export const HAND_BACK = 'layerlens:hand-back';

export interface AnalysisJobResult {
  digest: string;
  packages: Record<string, number>;
  warnings: number;
}

export function createAnalyzeProcessor(deps: ProcessorDeps) {
  return async (job: Job<AnalysisPayload>, token?: string, signal?: AbortSignal): Promise<AnalysisJobResult> => {
    const parsed = analysisPayload.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`INVALID_PAYLOAD: ${parsed.error.message}`);
    const data = parsed.data;
    const log = deps.logger.child({ jobId: job.id, image: data.image, digest: data.digest });
    const started = Date.now();
    // The job's own budget: pulls, inflating and parsing together. A timer, not a check between steps, so a layer
    // stream under every size cap but slow (or a stack of bombs) is cut off too.
    const budget = AbortSignal.timeout(deps.limits.jobTimeBudgetMs);
    const outer = signal;
    signal = outer ? AbortSignal.any([outer, budget]) : budget;
    try {
      const source = await openImage(data.pinned, { client: deps.client, signal, limits: deps.limits, allowLocalSources: deps.allowLocalSources });
      const result = await analyzeImage(source, {
        limits: deps.limits,
        layerConcurrency: deps.layerConcurrency,
        layerStore: deps.layerStore,
        signal,
        onLayer: (done, total) => void job.updateProgress({ layersDone: done, layers: total }).catch(() => undefined),
        hooks: deps.hooks,
      });
      await deps.packageIndex?.record({ digest: source.digest, image: data.image, platform: result.image.platform, facts: factsOf(result.packages) });
      await deps.results.put({
        meta: {
          image: data.image,
          digest: source.digest,
          indexDigest: data.indexDigest,
          platform: result.image.platform,
          analyzerVersion: result.analyzerVersion,
          completedAt: new Date().toISOString(),
          packages: result.counts,
          warnings: result.warnings,
          summary: resultSummary(result.report),
        },
        sbom: result.sbom,
        layers: layerReportBody(result),
      });
      log.info({ ms: Date.now() - started, packages: result.counts, warnings: result.warnings.length }, 'analysis completed');
      return { digest: source.digest, packages: result.counts, warnings: result.warnings.length };
    } catch (e) {
      if (outer?.aborted && outer.reason === HAND_BACK && token) {
        await job.moveToWait(token);
        log.info({ attempt: job.attemptsMade + 1 }, 'job handed back to the queue (worker shutting down)');
        throw new WaitingError();
      }
      const err =
        budget.aborted && !outer?.aborted
          ? new LayerlensError('TIME_BUDGET_EXCEEDED', `the analysis took longer than its budget of ${deps.limits.jobTimeBudgetMs} ms (LAYERLENS_JOB_TIME_BUDGET)`, {
              image: data.image,
              step: 'analyze',
              retryable: false,
            })
          : withContext(e, data.image);
      log.warn({ code: err.code, step: err.step, attempt: job.attemptsMade + 1, retryable: err.retryable }, err.message);
      if (!err.retryable) throw new UnrecoverableError(err.describe());
      throw new Error(err.describe());
    }
  };
}
