/** What the HTTP shell needs from the rest of the system — injected, so tests and processes wire it their own way. */
import type { ResultStore } from '../cache/stores.js';
import type { ResolvedImage } from '../image/resolve.js';
import type { AnalysisQueue } from '../jobs/client.js';
import type { Logger } from '../logger.js';
import type { Platform } from '../registry/platform.js';

export interface ApiDeps {
  queue: Pick<AnalysisQueue, 'enqueue' | 'get'>;
  results: ResultStore;
  /** Reference (+ platform) → the platform manifest digest; talks to the registry, never pulls a layer. */
  resolve(image: string, platform: Platform | undefined, signal?: AbortSignal): Promise<ResolvedImage>;
  /** True when Redis answers. */
  ready(): Promise<boolean>;
  apiKeys: readonly string[];
  logger: Logger;
  openapi: string;
  /** Largest accepted request body. */
  maxBodyBytes?: number;
}
