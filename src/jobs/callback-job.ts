/**
 * Result callbacks: the queue that delivers them, the payload, the signature, and the per-job set of URLs waiting
 * for an analysis. URLs live in a Redis set keyed by job id rather than in the job data: a duplicate request shares
 * the first request's job and never writes its own data, yet its caller must be told as well.
 */
import { createHmac } from 'node:crypto';
import type { DefaultJobOptions } from 'bullmq';
import type { RedisClient } from '../redis/connect.js';
import { KeySpace } from '../redis/keys.js';
import { z } from 'zod';
import type { Changes, TagMove } from '../fleet/changes.js';
import { checkCallbackTarget, type LookupAll } from './callback-target.js';

export const CALLBACK_QUEUE = 'layerlens-callback';
export const SIGNATURE_HEADER = 'x-layerlens-signature';

export const callbackPayload = z.object({
  url: z.string().url(),
  /** The exact bytes signed and sent: serialised once, so every retry carries the same body and signature. */
  body: z.string(),
  analysisId: z.string(),
});

export type CallbackPayload = z.infer<typeof callbackPayload>;

/** What the receiver gets: the same fields as GET /v1/analyses/{id}. */
export interface CallbackBody {
  id: string;
  status: 'completed' | 'failed';
  image: string;
  digest: string;
  platform: string;
  links: { self: string; sbom: string; layers: string };
  error?: { code: string; detail: string };
  result?: { packages: Record<string, number>; warnings: number };
  /** For a watch's callback: which watch and tag moved, and what changed from the digest it left. */
  watch?: { id: string; tag: string };
  changes?: Changes;
}

/** `sha256=<hex HMAC-SHA256(secret, body)>`, the form GitHub uses, so receivers can reuse their verifiers. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** How long URLs wait for their job: longer than any job's queueing, retries and backoff. */
const PENDING_TTL_SECONDS = 7 * 24 * 3600;

export class CallbackRegistry {
  constructor(
    private readonly redis: RedisClient,
    private readonly options: { prefix?: string; allowPrivate: boolean; lookup?: LookupAll },
  ) {}

  private key(jobId: string): string {
    return new KeySpace(this.options.prefix).callbacks(jobId);
  }

  /** undefined when the URL may be called back, else why not (for a 400 before anything is enqueued). */
  async checkUrl(url: string): Promise<string | undefined> {
    const target = await checkCallbackTarget(url, this.options.allowPrivate, this.options.lookup);
    return target.ok ? undefined : target.reason;
  }

  private movesKey(jobId: string): string {
    return `${this.key(jobId)}:moves`;
  }

  /** A watched tag moved to the digest `jobId` analyses: its callback reports the change when the job ends. */
  async registerMove(jobId: string, move: TagMove): Promise<void> {
    const key = this.movesKey(jobId);
    await this.redis.multi().hset(key, `${move.watchId}\n${move.tag}`, JSON.stringify(move)).expire(key, PENDING_TTL_SECONDS).exec();
  }

  /** The tag moves waiting for `jobId`, removed in the same transaction (as `take`). */
  async takeMoves(jobId: string): Promise<TagMove[]> {
    const replies = await this.redis.multi().hgetall(this.movesKey(jobId)).del(this.movesKey(jobId)).exec();
    const moves = replies?.[0]?.[1];
    return moves && typeof moves === 'object' ? Object.values(moves as Record<string, string>).map((m) => JSON.parse(m) as TagMove) : [];
  }

  async register(jobId: string, url: string): Promise<void> {
    await this.redis.multi().sadd(this.key(jobId), url).expire(this.key(jobId), PENDING_TTL_SECONDS).exec();
  }

  /** The URLs waiting for `jobId`, removed in the same transaction so two workers never both deliver them. */
  async take(jobId: string): Promise<string[]> {
    const replies = await this.redis.multi().smembers(this.key(jobId)).del(this.key(jobId)).exec();
    const members = replies?.[0]?.[1];
    return Array.isArray(members) ? (members as string[]) : [];
  }
}
