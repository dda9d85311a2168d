/**
 * The producer side of the analysis queue: what the API (and later webhooks and schedules) call to get an image
 * analysed. It never imports worker code.
 */
import { Queue, type Job } from 'bullmq';
import type { RedisClient } from '../redis/connect.js';
import { KeySpace } from '../redis/keys.js';
import { ANALYZE_QUEUE, analysisJobId, analysisPayload, sourceJobId, sourceOf, type AnalysisPayload } from './analysis-job.js';
import { analysisQueueOptions } from './queue-options.js';

export type JobStatus = 'queued' | 'active' | 'completed' | 'failed';

export interface JobView {
  id: string;
  status: JobStatus;
  data: AnalysisPayload;
  failedReason?: string;
  attemptsMade: number;
  progress?: unknown;
}

export class AnalysisQueue {
  readonly queue: Queue<AnalysisPayload>;

  constructor(connection: RedisClient, options: { prefix?: string; attempts?: number } = {}) {
    this.queue = new Queue<AnalysisPayload>(ANALYZE_QUEUE, analysisQueueOptions(connection, options.prefix, options.attempts ?? 3));
  }

  /**
   * Enqueues unless the same job is already waiting or running. A job that failed or completed earlier is replaced
   * when asked again (a retry after a fix, or `force`).
   */
  /**
   * A job pending for the same digest but pulled from another repository is not joined: this source gets a job of
   * its own (sourceJobId), so one caller's slow or broken registry cannot hold up or fail another's request.
   * `beforeAdd` runs with the chosen id before anything is added (callback URLs are registered there, so a job that
   * finishes at once still finds them).
   */
  async enqueue(payload: AnalysisPayload, options: { beforeAdd?: (id: string) => Promise<void> } = {}): Promise<{ id: string; created: boolean }> {
    const data = analysisPayload.parse(payload);
    const primary = analysisJobId(data.digest, data.platform, data.analyzerVersion);
    let id = primary;
    let existing = await this.queue.getJob(id);
    let state = existing ? await existing.getState() : undefined;
    if (existing && isPending(state) && sourceOf(existing.data.pinned) !== sourceOf(data.pinned)) {
      id = sourceJobId(primary, sourceOf(data.pinned));
      existing = await this.queue.getJob(id);
      state = existing ? await existing.getState() : undefined;
    }
    await options.beforeAdd?.(id);
    if (existing) {
      if (isPending(state)) return { id, created: false };
      await existing.remove().catch(() => undefined);
    }
    await this.queue.add('analyze', data, { jobId: id });
    return { id, created: true };
  }

  async get(id: string): Promise<JobView | undefined> {
    const job = (await this.queue.getJob(id)) as Job<AnalysisPayload> | undefined;
    if (!job) return undefined;
    const state = await job.getState();
    return {
      id,
      status: toStatus(state),
      data: job.data,
      failedReason: job.failedReason || undefined,
      attemptsMade: job.attemptsMade,
      progress: job.progress,
    };
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

function isPending(state: string | undefined): boolean {
  return state !== undefined && state !== 'completed' && state !== 'failed' && state !== 'unknown';
}

function toStatus(state: string): JobStatus {
  switch (state) {
    case 'active':
      return 'active';
    case 'completed':
      return 'completed';
    case 'failed':
      return 'failed';
    default:
      // waiting, delayed (a retry's backoff), prioritized, waiting-children
      return 'queued';
  }
}
