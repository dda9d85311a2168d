/**
 * The layer cache: LayerSummaries in Redis, keyed by layer digest × LayerSummary format version × capture version
 * (the cataloger set, whose globs decide which bodies a summary holds, and the per-file size cap). An image whose
 * layers are all known is analysed without downloading a blob; an image sharing a base downloads only its own layers.
 *
 * One walk per layer, however many jobs want it at once:
 * - in this process, a single-flight map: concurrent callers share the same promise;
 * - across processes, a lock `SET key:lock TOKEN NX PX` held by the walker and renewed while it walks. The others
 *   poll for the summary; when the lock disappears without a summary (the walker failed, or died and its lock
 *   expired) the next one takes the lock and walks.
 * Entries are encoded compactly (summary-codec.ts) and bounded: a summary whose encoding is over `maxBytes` is not
 * stored; a small marker says so, so that waiters walk on their own at once instead of queueing behind the lock.
 * The store is the boundary: analyzeImage sees only the LayerSummaryStore interface and stays free of Redis.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { RedisClient } from '../redis/connect.js';
import { KeySpace } from '../redis/keys.js';
import { catalogerSetVersion } from '../catalog/catalogers.js';
import { LayerlensError, isLayerlensError } from '../errors.js';
import type { LayerSummary } from '../image/layer-summary.js';
import { SingleFlight } from '../util/single-flight.js';
import { LAYER_SUMMARY_VERSION } from '../version.js';
import { decodeSummary, encodeSummary } from './summary-codec.js';
import type { LayerSummaryStore } from './stores.js';
import { defaultLayerCache } from '../config.js';

export interface RedisLayerStoreOptions {
  prefix?: string;
  /** Lifetime of an entry; 0 keeps it. */
  ttlSeconds?: number;
  /** Largest encoded summary stored (bytes). */
  maxBytes?: number;
  /** Overrides for tests: the LayerSummary format version and the capture version that key the entries. */
  summaryVersion?: string;
  captureVersion?: string;
  /** LAYERLENS_MAX_FILE_BYTES: a smaller cap captures fewer bodies, so it is part of the key. */
  maxFileBytes?: number;
  /** Lock lifetime; renewed every third of it while the walk runs. */
  lockMs?: number;
  /** How often a waiter looks for the summary or the end of the lock. */
  pollMs?: number;
  logger?: { debug(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export interface LayerStoreStats {
  hits: number;
  misses: number;
  /** Walks this store ran (the layer was downloaded). */
  walks: number;
  /** Times a caller waited for another process's walk. */
  waits: number;
  tooLarge: number;
}

/** Stored instead of a summary over the size bound: "not cached, walk it yourself". */
const TOO_LARGE_MARKER = Buffer.from('LLS!');
const TOO_LARGE = Symbol('too-large');

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;


export class RedisLayerSummaryStore implements LayerSummaryStore {
  readonly stats: LayerStoreStats = { hits: 0, misses: 0, walks: 0, waits: 0, tooLarge: 0 };
  private readonly flights = new SingleFlight<LayerSummary>();
  private readonly keys: KeySpace;
  private readonly version: string;
  private readonly capture: string;
  private readonly lockMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: RedisLayerStoreOptions = {},
  ) {
    const capture =
      options.captureVersion ??
      createHash('sha256')
        .update(`${catalogerSetVersion()}|maxFile=${options.maxFileBytes ?? 'default'}`)
        .digest('hex')
        .slice(0, 12);
    this.keys = new KeySpace(options.prefix);
    this.version = String(options.summaryVersion ?? LAYER_SUMMARY_VERSION);
    this.capture = capture;
    this.lockMs = options.lockMs ?? 30_000;
    this.pollMs = options.pollMs ?? 200;
  }

  key(layerDigest: string): string {
    return this.keys.layerKey(this.version, this.capture, layerDigest);
  }

  async get(layerDigest: string): Promise<LayerSummary | undefined> {
    const found = await this.read(layerDigest);
    if (found === TOO_LARGE || !found) {
      this.stats.misses++;
      return undefined;
    }
    this.stats.hits++;
    return found;
  }

  async put(summary: LayerSummary): Promise<void> {
    const encoded = await encodeSummary(summary);
    const max = this.options.maxBytes ?? defaultLayerCache.maxBytes;
    let value = encoded;
    if (encoded.length > max) {
      this.stats.tooLarge++;
      this.options.logger?.debug(
        { layer: summary.digest, bytes: encoded.length, max, entries: summary.files.paths.length },
        'layer summary over LAYERLENS_LAYER_CACHE_MAX_BYTES: not cached',
      );
      value = TOO_LARGE_MARKER;
    }
    const ttl = this.options.ttlSeconds ?? 0;
    if (ttl > 0) await this.redis.set(this.key(summary.digest), value, 'EX', ttl);
    else await this.redis.set(this.key(summary.digest), value);
  }

  async getOrCompute(layerDigest: string, walk: () => Promise<LayerSummary>, signal?: AbortSignal): Promise<LayerSummary> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.flights.run(layerDigest, () => this.computeShared(layerDigest, walk, signal));
      } catch (e) {
        // The shared walk ran with the signal of the job that started it; when that job was cancelled, a job that
        // was not goes on with a walk of its own.
        if (isLayerlensError(e) && e.code === 'CANCELLED' && !signal?.aborted && attempt < 3) continue;
        throw e;
      }
    }
  }

  private async computeShared(layerDigest: string, walk: () => Promise<LayerSummary>, signal?: AbortSignal): Promise<LayerSummary> {
    const key = this.key(layerDigest);
    // Same hash tag as the summary: the lock and the value it guards live on one Cluster shard.
    const lockKey = this.keys.layerLockKey(key);
    for (;;) {
      const found = await this.read(layerDigest);
      if (found === TOO_LARGE) {
        this.stats.misses++;
        this.stats.walks++;
        return walk();
      }
      if (found) {
        this.stats.hits++;
        return found;
      }
      const token = randomUUID();
      if ((await this.redis.set(lockKey, token, 'PX', this.lockMs, 'NX')) === 'OK') {
        this.stats.misses++;
        return this.walkHoldingLock(layerDigest, lockKey, token, walk);
      }
      this.stats.waits++;
      await this.waitForOther(key, lockKey, signal);
    }
  }

  private async walkHoldingLock(layerDigest: string, lockKey: string, token: string, walk: () => Promise<LayerSummary>): Promise<LayerSummary> {
    const renew = setInterval(() => {
      this.redis.eval(RENEW, 1, lockKey, token, String(this.lockMs)).catch(() => undefined);
    }, Math.max(50, Math.floor(this.lockMs / 3)));
    renew.unref();
    try {
      // The previous holder may have stored it between our read and our lock.
      const again = await this.read(layerDigest);
      if (again && again !== TOO_LARGE) return again;
      this.stats.walks++;
      const summary = await walk();
      try {
        await this.put(summary);
      } catch (e) {
        // A cache that cannot be written costs a recomputation later, never the analysis.
        this.options.logger?.warn({ layer: layerDigest, err: (e as Error).message }, 'storing a layer summary failed');
      }
      return summary;
    } finally {
      clearInterval(renew);
      await this.redis.eval(RELEASE, 1, lockKey, token).catch(() => undefined);
    }
  }

  /** Until the summary is there or nobody holds the lock any more. */
  private async waitForOther(key: string, lockKey: string, signal?: AbortSignal): Promise<void> {
    for (;;) {
      await sleep(this.pollMs, signal);
      const [stored, locked] = await Promise.all([this.redis.exists(key), this.redis.exists(lockKey)]);
      if (stored || !locked) return;
    }
  }

  private async read(layerDigest: string): Promise<LayerSummary | typeof TOO_LARGE | undefined> {
    const raw = await this.redis.getBuffer(this.key(layerDigest));
    if (!raw) return undefined;
    if (raw.equals(TOO_LARGE_MARKER)) return TOO_LARGE;
    const summary = await decodeSummary(raw);
    // A damaged or foreign entry is a miss: the walk that follows overwrites it.
    return summary?.digest === layerDigest ? summary : undefined;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled());
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function cancelled(): LayerlensError {
  return new LayerlensError('CANCELLED', 'the analysis was cancelled while waiting for a layer another job is reading', { retryable: false });
}
