/**
 * "Resolve → cached? → enqueue": the one path by which anything asks for an analysis — POST /v1/analyses, the
 * registry webhook and the watch rescans — so all of them share the job-id dedup and the result cache.
 */
import type { ResultStore } from '../cache/stores.js';
import { cancelledRequest } from '../errors.js';
import type { TagMove } from '../fleet/changes.js';
import type { PackageIndex } from '../fleet/package-index.js';
import { platformKey, type ResolvedImage } from '../image/resolve.js';
import type { Logger } from '../logger.js';
import { formatPlatform, type Platform } from '../registry/platform.js';
import { SingleFlight } from '../util/single-flight.js';
import { ANALYZER_VERSION } from '../catalog/catalogers.js';
import { analysisJobId, type AnalysisPayload } from './analysis-job.js';
import type { CallbackRegistry } from './callback-job.js';
import type { AnalysisQueue } from './client.js';
import { analysisLinks } from './links.js';

export interface AnalysisRequest {
  image: string;
  platform?: Platform;
  /** Enqueue even when a result for this digest and analyzer version exists. */
  force?: boolean;
  /** Told when the job completes or fails (already checked against the SSRF policy by the caller). */
  callbackUrl?: string;
  /** A watched tag moved to this image: its callback (with the diff) is sent when the job ends. */
  move?: TagMove;
}

export interface RequestedAnalysis {
  id: string;
  image: string;
  digest: string;
  indexDigest?: string;
  platform: string;
  links: ReturnType<typeof analysisLinks>;
  status: 'completed' | 'queued';
  /** Set for `completed`: the stored result's summary. */
  result?: { packages: Record<string, number>; warnings: number };
  /** For `queued`: false when an identical job was already waiting or running. */
  created?: boolean;
}

/** What the one request path needs; the API's deps (src/api/deps.ts) and the rescan worker's both provide it. */
export interface RequestAnalysisDeps {
  queue: Pick<AnalysisQueue, 'enqueue'>;
  results: Pick<ResultStore, 'getMeta'>;
  /** Reference (+ platform) → the platform manifest digest; talks to the registry, never pulls a layer. */
  resolve(image: string, platform: Platform | undefined, signal?: AbortSignal): Promise<ResolvedImage>;
  logger: Logger;
  callbacks?: Pick<CallbackRegistry, 'register' | 'registerMove'>;
  packages?: Pick<PackageIndex, 'addReference'>;
}
export type RequestAllDeps = RequestAnalysisDeps & {
  /** `platform: "all"`: every image platform of the reference, each resolved to its own digest. */
  resolveAll?(image: string, signal?: AbortSignal): Promise<ResolvedImage[]>;
};

export async function requestAnalysis(deps: RequestAnalysisDeps, req: AnalysisRequest, signal?: AbortSignal): Promise<RequestedAnalysis> {
  const resolved = await deps.resolve(req.image, req.platform, signal);
  const key = platformKey(resolved);
  const id = analysisJobId(resolved.digest, key);
  const base = { id, image: resolved.name, digest: resolved.digest, indexDigest: resolved.indexDigest, platform: key, links: analysisLinks(id, resolved.digest) };
  if (!req.force) {
    const meta = await deps.results.getMeta(resolved.digest);
    // A cached answer is the notification: no callback is sent for it (the caller has the result in hand).
    if (meta) {
      // Another name for an image already analysed: the fleet index answers it under this reference too.
      await deps.packages?.addReference(resolved.digest, resolved.name);
      return { ...base, status: 'completed', platform: meta.platform, result: { packages: meta.packages, warnings: meta.warnings.length } };
    }
  }
  const payload: AnalysisPayload = {
    image: resolved.name,
    pinned: resolved.pinned,
    digest: resolved.digest,
    indexDigest: resolved.indexDigest,
    platform: key,
    analyzerVersion: ANALYZER_VERSION,
    requestedAt: new Date().toISOString(),
  };
  // The callback is registered before the job is added, so a job that finishes at once still finds the URL; kept per
  // job id (a Redis set), not in the job data, because a deduplicated request never writes its data.
  // A watched tag's move is registered the same way: its callback carries the diff when the job ends.
  const { callbackUrl, move } = req;
  const callbacks = deps.callbacks;
  const queued = await deps.queue.enqueue(payload, {
    beforeAdd:
      callbacks && (callbackUrl || move)
        ? async (jobId) => {
            if (callbackUrl) await callbacks.register(jobId, callbackUrl);
            if (move) await callbacks.registerMove(jobId, move);
          }
        : undefined,
  });
  deps.logger.info({ jobId: queued.id, image: resolved.name, digest: resolved.digest, created: queued.created }, 'analysis requested');
  // Another source's job for this digest is pending: this request has a job of its own (see AnalysisQueue.enqueue).
  const own = !queued.id.startsWith(`${id}-s`) ? base : { ...base, id: queued.id, links: analysisLinks(queued.id, resolved.digest) };
  return { ...own, status: 'queued', created: queued.created };
}

/**
 * Every image platform of an index (or the one image of a plain manifest), each through the one request path with
 * its resolution already done: its own digest, job and cache entry. Without a multi-platform resolver (a narrow
 * deployment), the default platform only.
 */
export async function requestAllPlatforms(deps: RequestAllDeps, req: Omit<AnalysisRequest, 'platform'>, signal?: AbortSignal): Promise<RequestedAnalysis[]> {
  if (!deps.resolveAll) return [await requestAnalysis(deps, req, signal)];
  const images = await deps.resolveAll(req.image, signal);
  const out: RequestedAnalysis[] = [];
  for (const resolved of images) out.push(await requestAnalysis({ ...deps, resolve: async () => resolved }, req, signal));
  return out;
}

/**
 * Resolvers whose concurrent calls for one reference share one registry round trip: a burst of POSTs for a tag (a
 * deploy asking for its image's SBOM from every replica, say) costs one manifest request, not one each. Each caller
 * still sees the registry as of a lookup made while it waited. Not for push webhooks: a tag-only push event must be
 * resolved by a lookup that starts after the push, not joined to one that may have started before it.
 */
export function sharedResolution(deps: Pick<RequestAllDeps, 'resolve' | 'resolveAll'>): Pick<RequestAllDeps, 'resolve' | 'resolveAll'> {
  const one = new SingleFlight<ResolvedImage>(() => cancelledRequest());
  const all = new SingleFlight<ResolvedImage[]>(() => cancelledRequest());
  const resolveAll = deps.resolveAll;
  return {
    resolve: (image, platform, signal) => one.run(`${image}\n${platform ? formatPlatform(platform) : ''}`, (shared) => deps.resolve(image, platform, shared), signal),
    resolveAll: resolveAll && ((image, signal) => all.run(image, (shared) => resolveAll(image, shared), signal)),
  };
}
