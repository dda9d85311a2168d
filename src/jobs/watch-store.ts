/**
 * Watches: definitions in a Redis hash (id → JSON), what each watched tag last pointed to in a hash per watch, and
 * one BullMQ job scheduler per watch on the rescan queue. Everything lives in Redis, so API and worker restarts lose
 * nothing. The API creates, lists and deletes watches; the rescan processor reads them and records tag states.
 */
import { randomBytes } from 'node:crypto';
import picomatch from 'picomatch';
import type { Queue } from 'bullmq';
import type { RedisClient } from '../redis/connect.js';
import { KeySpace } from '../redis/keys.js';
import { z } from 'zod';
import { parsePlatform } from '../registry/platform.js';
import { parseReference } from '../registry/reference.js';
import { parseSchedule, type RescanPayload } from './rescan-job.js';

const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export const watchRequest = z
  .object({
    repository: z.string().min(1).max(512),
    tags: z.array(z.string().regex(TAG, 'not a tag')).min(1).max(100).optional(),
    /** A glob over tag names (`1.*`, `v*-alpine`): globs, not regular expressions, so no pattern can be a ReDoS. */
    tagPattern: z.string().min(1).max(128).optional(),
    interval: z.string().max(20).optional(),
    cron: z.string().max(100).optional(),
    platform: z.string().max(100).optional(),
    /** Told, with what changed, each time a watched tag moves to a new digest and its analysis ends. */
    callbackUrl: z.string().url().max(2048).optional(),
  })
  .strict()
  .refine((w) => (w.tags === undefined) !== (w.tagPattern === undefined), { message: 'give either tags or tagPattern' })
  .refine((w) => (w.interval === undefined) !== (w.cron === undefined), { message: 'give either interval or cron' });

export type WatchRequest = z.infer<typeof watchRequest>;

export interface Watch {
  id: string;
  /** `registry/repository`, normalised. */
  repository: string;
  tags?: string[];
  tagPattern?: string;
  interval?: string;
  cron?: string;
  platform?: string;
  callbackUrl?: string;
  createdAt: string;
}

/** What a watched tag pointed to at the last rescan. */
export interface TagState {
  /** The tag's digest (an index or a manifest): compared by HEAD at every rescan. */
  digest: string;
  /** The analysis this digest led to. */
  analysisId?: string;
  platformDigest?: string;
  checkedAt: string;
  changedAt: string;
  error?: { code: string; detail: string };
}

export interface WatchView extends Watch {
  nextRunAt?: string;
  state: Record<string, TagState>;
}

/** A request the service refuses: the route turns it into a 400. */
export class WatchInputError extends Error {}

export class WatchService {
  constructor(
    private readonly redis: RedisClient,
    private readonly queue: Queue<RescanPayload>,
    private readonly options: {
      prefix?: string;
      minIntervalMs: number;
      /**
       * Throws (REGISTRY_NOT_ALLOWED) for a registry the pull policy refuses: such a watch would fail at every run, so
       * it is refused at creation instead.
       */
      admitRegistry?: (registry: string) => Promise<void>;
    },
  ) {}

  private get definitions(): string {
    return new KeySpace(this.options.prefix).watches();
  }

  private stateKey(id: string): string {
    return new KeySpace(this.options.prefix).watchState(id);
  }

  async create(req: WatchRequest): Promise<WatchView> {
    const schedule = parseSchedule(req, this.options.minIntervalMs);
    if ('error' in schedule) throw new WatchInputError(schedule.error);
    if (/[@]/.test(req.repository) || /:[^/]*$/.test(req.repository.replace(/^[^/]*\//, ''))) {
      throw new WatchInputError('repository: name the repository without tag or digest (tags go in `tags` or `tagPattern`)');
    }
    let repository: string;
    try {
      const ref = parseReference(req.repository);
      repository = `${ref.registry}/${ref.repository}`;
      if (req.platform) parsePlatform(req.platform);
      if (req.tagPattern) picomatch.makeRe(req.tagPattern);
    } catch (e) {
      throw new WatchInputError(e instanceof Error ? e.message : String(e));
    }
    await this.options.admitRegistry?.(repository.slice(0, repository.indexOf('/')));
    const watch: Watch = {
      id: `w-${randomBytes(8).toString('hex')}`,
      repository,
      tags: req.tags,
      tagPattern: req.tagPattern,
      interval: req.interval,
      cron: req.cron,
      platform: req.platform,
      callbackUrl: req.callbackUrl,
      createdAt: new Date().toISOString(),
    };
    // Definition first: a scheduler firing before the HSET would find no watch and do nothing, but never the reverse.
    await this.redis.hset(this.definitions, watch.id, JSON.stringify(watch));
    await this.queue.upsertJobScheduler(watch.id, schedule, { name: 'rescan', data: { watchId: watch.id } });
    return (await this.get(watch.id))!;
  }

  async load(id: string): Promise<Watch | undefined> {
    const raw = await this.redis.hget(this.definitions, id);
    return raw ? (JSON.parse(raw) as Watch) : undefined;
  }

  async get(id: string): Promise<WatchView | undefined> {
    const watch = await this.load(id);
    return watch ? this.view(watch) : undefined;
  }

  async list(): Promise<WatchView[]> {
    const all = await this.redis.hvals(this.definitions);
    const watches = all.map((raw) => JSON.parse(raw) as Watch).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    return Promise.all(watches.map((w) => this.view(w)));
  }

  async delete(id: string): Promise<boolean> {
    const removed = await this.redis.hdel(this.definitions, id);
    await this.queue.removeJobScheduler(id);
    await this.redis.del(this.stateKey(id));
    return removed > 0;
  }

  async states(id: string): Promise<Record<string, TagState>> {
    const raw = await this.redis.hgetall(this.stateKey(id));
    return Object.fromEntries(Object.entries(raw).map(([tag, json]) => [tag, JSON.parse(json) as TagState]));
  }

  async setState(id: string, tag: string, state: TagState): Promise<void> {
    // Only while the watch exists: a rescan finishing after DELETE must not leave state behind.
    if (!(await this.redis.hexists(this.definitions, id))) return;
    await this.redis.hset(this.stateKey(id), tag, JSON.stringify(state));
  }

  private async view(watch: Watch): Promise<WatchView> {
    const scheduler = await this.queue.getJobScheduler(watch.id);
    const next = scheduler?.next;
    return { ...watch, ...(next ? { nextRunAt: new Date(next).toISOString() } : {}), state: await this.states(watch.id) };
  }
}

/** The tags a watch covers: its list, or the repository's tags matching its glob (bounded). */
export function selectTags(watch: Pick<Watch, 'tags' | 'tagPattern'>, available: readonly string[], max: number): string[] {
  if (watch.tags) return watch.tags;
  const match = picomatch(watch.tagPattern ?? '', { dot: true });
  return available.filter((t) => match(t)).sort().slice(0, max);
}
