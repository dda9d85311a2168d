/**
 * The rescan job: one BullMQ job scheduler per watch fires a job carrying only the watch id; the processor reads the
 * watch definition from Redis, so a watch deleted between scheduling and running is a no-op. Schedules are an
 * interval (`90s`, `5m`, `1h`) or a cron pattern, checked with the parser BullMQ itself runs, and never more
 * often than LAYERLENS_WATCH_MIN_INTERVAL.
 */
import { defaultRepeatStrategy } from 'bullmq';
import { z } from 'zod';
import { parseDuration } from '../config.js';

export const RESCAN_QUEUE = 'layerlens-rescan';

export const rescanPayload = z.object({ watchId: z.string().min(1) });
export type RescanPayload = z.infer<typeof rescanPayload>;

export type Schedule = { every: number } | { pattern: string };

/** The BullMQ repeat options for a watch, or why the schedule is refused. */
export function parseSchedule(input: { interval?: string; cron?: string }, minIntervalMs: number, now = Date.now()): Schedule | { error: string } {
  if (input.interval !== undefined) {
    const every = parseDuration(input.interval);
    if (every === undefined) return { error: `interval: not a duration: ${input.interval} (use e.g. 90s, 5m, 1h)` };
    if (every < minIntervalMs) return { error: `interval: ${input.interval} is shorter than the minimum of ${minIntervalMs / 1000}s (LAYERLENS_WATCH_MIN_INTERVAL)` };
    return { every };
  }
  const pattern = input.cron ?? '';
  // The shortest gap among the next firings: enough for regular patterns (`*/5 * * * *`, 6-field seconds patterns)
  // and for irregular ones (`0,1 * * * *`) whose short gap recurs within the sample.
  const firings: number[] = [];
  try {
    let at: number | undefined = now;
    while (firings.length < 32 && at !== undefined) {
      at = defaultRepeatStrategy(at, { pattern });
      if (at !== undefined) firings.push(at);
    }
  } catch (e) {
    return { error: `cron: ${pattern} is not a cron pattern (${e instanceof Error ? e.message : String(e)})` };
  }
  if (firings.length < 2) return { error: `cron: ${pattern} does not fire repeatedly` };
  let gap = Infinity;
  for (let i = 1; i < firings.length; i++) gap = Math.min(gap, firings[i] - firings[i - 1]);
  if (gap < minIntervalMs) return { error: `cron: ${pattern} fires more often than the minimum of ${minIntervalMs / 1000}s (LAYERLENS_WATCH_MIN_INTERVAL)` };
  return { pattern };
}
