/**
 * Queue and worker options, declared once. Each value says why it is what it is.
 */
import type { DefaultJobOptions } from 'bullmq';

export function analysisJobOptions(attempts: number): DefaultJobOptions {
  return {
    // Registry hiccups (5xx, resets) deserve another try; non-retryable failures skip the rest via UnrecoverableError.
    attempts,
    backoff: { type: 'exponential', delay: 2000 },
    // Completed jobs are kept a day so GET /v1/analyses/{id} can answer; the result itself lives in the result store.
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    // Failures are kept a week: "why did it fail" is asked later than "is it done".
    removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
  };
}

