/** What the HTTP shell needs from the rest of the system — injected, so tests and processes wire it their own way. */
import type { ResultBodyCache } from '../cache/result-body-cache.js';
import type { ResultStore } from '../cache/stores.js';
import type { ResolvedImage } from '../image/resolve.js';
import type { PackageIndex } from '../fleet/package-index.js';
import type { RegistryReader } from '../inspect/registry-reader.js';
import type { AnalysisQueue } from '../jobs/client.js';
import type { CallbackRegistry } from '../jobs/callback-job.js';
import type { WatchService } from '../jobs/watch-store.js';
import type { Logger } from '../logger.js';
import type { Platform } from '../registry/platform.js';
import type { RedisRateLimiter } from './rate-limit.js';

export interface ApiDeps {
  queue: Pick<AnalysisQueue, 'enqueue' | 'get'>;
  results: ResultStore;
  /** In-process LRU of prepared result bodies in front of `results` (LAYERLENS_RESULT_MEMORY_CACHE_BYTES); optional. */
  resultBodies?: Pick<ResultBodyCache, 'get'>;
  /** Reference (+ platform) → the platform manifest digest; talks to the registry, never pulls a layer. */
  resolve(image: string, platform: Platform | undefined, signal?: AbortSignal): Promise<ResolvedImage>;
  /** `platform: "all"`: every image platform of the reference, each resolved to its own digest. */
  resolveAll?(image: string, signal?: AbortSignal): Promise<ResolvedImage[]>;
  /** True when Redis answers. */
  ready(): Promise<boolean>;
  /** LAYERLENS_API_KEYS entries: `KEY` or `KEY:scope+scope` (auth.ts). */
  apiKeys: readonly string[];
  /** Per-caller token bucket for POST /v1/analyses (LAYERLENS_ANALYZE_RATE_LIMIT); none means unlimited. */
  analyzeLimiter?: Pick<RedisRateLimiter, 'take'>;
  logger: Logger;
  openapi: string;
  /** Largest accepted request body. */
  maxBodyBytes?: number;
  /** Callback URLs per job; without it `callbackUrl` is refused (no LAYERLENS_CALLBACK_SECRET to sign with). */
  callbacks?: Pick<CallbackRegistry, 'register' | 'checkUrl' | 'registerMove'>;
  /** POST /v1/webhooks/registry; without a secret the endpoint refuses every request. */
  webhook?: WebhookDeps;
  /** Scheduled rescans; without it /v1/watches answers 503. */
  watches?: WatchService;
  /** Registry reads for /v1/images and /v1/repositories (a cache in front of the client); without it they answer 503. */
  registry?: RegistryReader;
  /** The fleet's package index (/v1/packages, /v1/diff, references of cached answers); without it they answer 503. */
  packages?: Pick<PackageIndex, 'query' | 'facts' | 'addReference' | 'references'>;
}

export interface WebhookDeps {
  secret?: string;
  maxBodyBytes: number;
  /** `from=to` host renames and an optional bare default host (LAYERLENS_WEBHOOK_REGISTRY_HOST). */
  registryHosts: readonly string[];
  /** True the first time `key` is seen within the dedup window (Redis SET NX EX); false for a repeat. */
  firstSeen(key: string): Promise<boolean>;
  /** Forget `key` again, so a sender's retry after a failure is not swallowed as a repeat. */
  forget(key: string): Promise<void>;
}
