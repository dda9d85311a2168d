/**
 * One rescan of one watch: for every watched tag, a HEAD tells the digest the tag points to now. An unchanged digest
 * whose result is stored (for this analyzer version) costs nothing more; a moved tag, or a result that is gone (a new
 * analyzer version keys results anew), goes through the same "resolve → cached? → enqueue" path as POST
 * /v1/analyses. A tag's failure is recorded in the watch state and does not stop the other tags.
 */
import type { Job } from 'bullmq';
import { isLayerlensError } from '../src/errors.js';
import type { TagMove } from '../src/fleet/changes.js';
import { parseAnalysisJobId } from '../src/jobs/analysis-job.js';
import type { JobView } from '../src/jobs/client.js';
import { requestAnalysis, type RequestAnalysisDeps } from '../src/jobs/request-analysis.js';
import { rescanPayload, type RescanPayload } from '../src/jobs/rescan-job.js';
import { selectTags, type TagState, type WatchService } from '../src/jobs/watch-store.js';
import type { RegistryClient } from '../src/registry/client.js';
import { parsePlatform } from '../src/registry/platform.js';
import { parseReference, type ImageReference } from '../src/registry/reference.js';
import { listTags } from '../src/registry/tags.js';
import { ANALYZER_VERSION } from '../src/catalog/catalogers.js';

export interface RescanProcessorDeps extends Omit<RequestAnalysisDeps, 'queue'> {
  queue: RequestAnalysisDeps['queue'] & { get(id: string): Promise<JobView | undefined> };
  client: Pick<RegistryClient, 'resolveDigest' | 'getRepositoryDocument'>;
  watches: Pick<WatchService, 'load' | 'states' | 'setState'>;
  /** Most tags one watch may cover (a broad glob on a busy repository). */
  maxTags?: number;
  /** Sends a watch's callback for a tag that moved to an image already analysed (no job will end to send it). */
  announceMove?: (analysis: { id: string; data: { image: string; digest: string; platform: string } }, move: TagMove) => Promise<void>;
}

export interface RescanResult {
  watchId: string;
  checked: number;
  enqueued: number;
  unchanged: number;
  failed: number;
}

export function createRescanProcessor(deps: RescanProcessorDeps) {
  return async (job: Job<RescanPayload>, _token?: string, signal?: AbortSignal): Promise<RescanResult> => {
    const { watchId } = rescanPayload.parse(job.data);
    const result: RescanResult = { watchId, checked: 0, enqueued: 0, unchanged: 0, failed: 0 };
    const watch = await deps.watches.load(watchId);
    // The scheduler may fire once more after DELETE removed the definition.
    if (!watch) return result;
    const log = deps.logger.child({ watchId, repository: watch.repository });
    const repo = parseReference(watch.repository);
    const platform = watch.platform ? parsePlatform(watch.platform) : undefined;
    const tags = watch.tags
      ? watch.tags
      : selectTags(watch, await listTags((path, step) => deps.client.getRepositoryDocument(repo, path, step, signal), repo), deps.maxTags ?? 100);
    const previous = await deps.watches.states(watchId);
    for (const tag of tags) {
      result.checked++;
      const now = new Date().toISOString();
      const prev = previous[tag];
      try {
        const ref: ImageReference = { registry: repo.registry, repository: repo.repository, tag };
        const digest = await deps.client.resolveDigest(ref, signal);
        if (prev && prev.digest === digest && (await settled(deps, prev))) {
          result.unchanged++;
          await deps.watches.setState(watchId, tag, { ...prev, checkedAt: now, error: undefined });
          continue;
        }
        // A move from a digest that had a result: the watch's callback says what changed (none for a tag's first sight).
        const move: TagMove | undefined =
          watch.callbackUrl && prev?.platformDigest && prev.digest !== digest ? { watchId, tag, url: watch.callbackUrl, from: prev.platformDigest } : undefined;
        const answer = await requestAnalysis(deps, { image: `${watch.repository}:${tag}@${digest}`, platform, move }, signal);
        if (move && answer.status === 'completed' && answer.digest !== move.from) {
          await deps.announceMove?.({ id: answer.id, data: { image: answer.image, digest: answer.digest, platform: answer.platform } }, move);
        }
        if (answer.status === 'queued' && answer.created) result.enqueued++;
        else result.unchanged++;
        const state: TagState = {
          digest,
          analysisId: answer.id,
          platformDigest: answer.digest,
          checkedAt: now,
          changedAt: prev?.digest === digest ? prev.changedAt : now,
        };
        await deps.watches.setState(watchId, tag, state);
        if (prev?.digest !== digest) log.info({ tag, from: prev?.digest, to: digest, analysisId: answer.id }, 'watched tag moved');
      } catch (e) {
        result.failed++;
        const error = isLayerlensError(e) ? { code: e.code, detail: e.describe() } : { code: 'INTERNAL', detail: e instanceof Error ? e.message : String(e) };
        log.warn({ tag, ...error }, 'rescan of a watched tag failed');
        await deps.watches.setState(watchId, tag, { ...(prev ?? { digest: '', changedAt: now }), checkedAt: now, error });
      }
    }
    return result;
  };
}

/**
 * Nothing to do for an unchanged digest when its result is stored, or its job is still queued or running, or its
 * job failed (re-running a failed analysis on every tick would hammer the registry; a moved tag or a new analyzer
 * version — a new job id — tries again).
 */
async function settled(deps: RescanProcessorDeps, prev: TagState): Promise<boolean> {
  if (!prev.platformDigest || !prev.analysisId) return false;
  // The result store is keyed by the running analyzer version: a result of an older one is simply not found.
  if (await deps.results.getMeta(prev.platformDigest)) return true;
  if (parseAnalysisJobId(prev.analysisId)?.analyzerVersion !== ANALYZER_VERSION) return false;
  const job = await deps.queue.get(prev.analysisId);
  return job !== undefined && job.status !== 'completed';
}
