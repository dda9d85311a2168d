/**
 * Environment → typed configuration, validated once at boot. Every default lives here and nowhere else; the README's
 * configuration table mirrors this file.
 */
import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';
import { parseRedisTarget, type RedisTarget } from './redis/target.js';
/**
 * One environment variable's parser: its value (undefined when unset) → the typed value, or an Issue. Hand-written
 * rather than a zod schema: `layerlens scan` loads this module, and zod alone is ~10 MB of a scan's resident memory.
 */
type Field<T> = (raw: string | undefined) => T | Issue;

class Issue {
  constructor(readonly message: string) {}
}

const list: Field<string[]> = (s) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);

const str = (fallback: string): Field<string> => (s) => s ?? fallback;

const optionalStr: Field<string | undefined> = (s) => s;

const oneOf = <T extends string>(values: readonly T[], fallback: T): Field<T> => (s) => {
  if (s === undefined) return fallback;
  return (values as readonly string[]).includes(s) ? (s as T) : new Issue(`expected one of ${values.map((v) => JSON.stringify(v)).join('|')}`);
};

const bool = (fallback: boolean): Field<boolean> => (s) => {
  if (s === undefined || s === '') return fallback;
  if (/^(true|1|yes)$/i.test(s)) return true;
  if (/^(false|0|no)$/i.test(s)) return false;
  return new Issue(`expected true or false, got ${s}`);
};

const bytes = (fallback: number): Field<number> => (s) => {
  if (s === undefined || s === '') return fallback;
  return parseByteSize(s) ?? new Issue(`not a byte size: ${s} (use e.g. 512MiB, 2GB or a plain number)`);
};

const int = (fallback: number, min = 0): Field<number> => (s) => {
  if (s === undefined || s === '') return fallback;
  const n = Number(s);
  return !Number.isInteger(n) || n < min ? new Issue(`expected a whole number ≥ ${min}, got ${s}`) : n;
};

const duration = (fallbackMs: number): Field<number> => (s) => {
  if (s === undefined || s === '') return fallbackMs;
  return parseDuration(s) ?? new Issue(`not a duration: ${s} (use e.g. 90s, 5m, 1h)`);
};

/** The defaults of Limits, written once: loadConfig's fallbacks and every caller without a Config use these. */
export const defaultLimits: Limits = {
  maxManifestBytes: 4 * 1024 * 1024,
  maxLayerBytes: 16 * 1024 ** 3,
  // 8 GiB per layer: above the largest real layers (CUDA, ML runtimes), and ~1 minute of inflating for a bomb.
  maxUncompressedBytes: 8 * 1024 ** 3,
  maxFileBytes: 64 * 1024 * 1024,
  maxLayers: 256,
  jobTimeBudgetMs: 30 * 60_000,
  catalogTimeBudgetMs: 20_000,
};

/** The Redis layer-summary cache's defaults (LAYERLENS_LAYER_CACHE*), also the store's own when given none. */
export const defaultLayerCache: Config['layerCache'] = { enabled: true, maxBytes: 64 * 1024 * 1024, ttlSeconds: 7 * 24 * 3600 };

const schema = {
  PORT: int(8080, 0),
  HOST: str('0.0.0.0'),
  REDIS_URL: optionalStr,
  REDIS_CLUSTER_NODES: optionalStr,
  REDIS_SENTINELS: optionalStr,
  REDIS_SENTINEL_MASTER: optionalStr,
  REDIS_SENTINEL_USERNAME: optionalStr,
  REDIS_SENTINEL_PASSWORD: optionalStr,
  REDIS_USERNAME: optionalStr,
  REDIS_PASSWORD: optionalStr,
  REDIS_TLS: bool(false),
  LAYERLENS_INSECURE_REGISTRIES: list,
  LAYERLENS_ALLOWED_REGISTRIES: list,
  LAYERLENS_ALLOW_PRIVATE_REGISTRIES: bool(false),
  LAYERLENS_ALLOW_LOCAL_SOURCES: bool(false),
  LAYERLENS_REGISTRY_CREDENTIALS: optionalStr,
  LAYERLENS_API_KEYS: list,
  LAYERLENS_ANALYZE_RATE_LIMIT: (s: string | undefined) =>
    !s || /^\s*[1-9]\d*\s*\/\s*[smh]\s*(:\s*[1-9]\d*\s*)?$/i.test(s) ? s : new Issue(`not a rate: ${s} (use e.g. 60/m, 10/s:20 for a burst of 20)`),
  LAYERLENS_WORKER_CONCURRENCY: int(1, 1),
  LAYERLENS_WORKER_LOCK_DURATION: duration(60_000),
  LAYERLENS_WORKER_STALLED_INTERVAL: duration(30_000),
  LAYERLENS_LAYER_CONCURRENCY: int(3, 1),
  LAYERLENS_SCAN_V8_DEFAULTS: bool(false),
  LAYERLENS_WORKER_PROCESSES: int(availableParallelism(), 1),
  LAYERLENS_API_PROCESSES: int(1, 1),
  LAYERLENS_LAYER_CACHE: bool(defaultLayerCache.enabled),
  LAYERLENS_LAYER_CACHE_MAX_BYTES: bytes(defaultLayerCache.maxBytes),
  LAYERLENS_LAYER_CACHE_TTL_SECONDS: int(defaultLayerCache.ttlSeconds, 0),
  LAYERLENS_MAX_MANIFEST_BYTES: bytes(defaultLimits.maxManifestBytes),
  LAYERLENS_MAX_LAYER_BYTES: bytes(defaultLimits.maxLayerBytes),
  LAYERLENS_MAX_UNCOMPRESSED_BYTES: bytes(defaultLimits.maxUncompressedBytes),
  LAYERLENS_MAX_FILE_BYTES: bytes(defaultLimits.maxFileBytes),
  LAYERLENS_MAX_LAYERS: int(defaultLimits.maxLayers, 1),
  LAYERLENS_JOB_TIME_BUDGET: duration(defaultLimits.jobTimeBudgetMs),
  LAYERLENS_CATALOG_TIME_BUDGET: duration(defaultLimits.catalogTimeBudgetMs),
  LAYERLENS_RESULT_TTL_SECONDS: int(30 * 24 * 3600, 0),
  LAYERLENS_RESULT_MEMORY_CACHE_BYTES: bytes(64 * 1024 * 1024),
  LAYERLENS_JOB_ATTEMPTS: int(3, 1),
  LAYERLENS_WEBHOOK_SECRET: optionalStr,
  LAYERLENS_WEBHOOK_MAX_BYTES: bytes(1024 * 1024),
  LAYERLENS_WEBHOOK_REGISTRY_HOST: list,
  LAYERLENS_WEBHOOK_DEDUP_SECONDS: int(60, 0),
  LAYERLENS_WATCH_MIN_INTERVAL: duration(60_000),
  LAYERLENS_TAG_CACHE_SECONDS: int(60, 0),
  LAYERLENS_CALLBACK_SECRET: optionalStr,
  LAYERLENS_CALLBACK_ALLOW_PRIVATE: bool(false),
  LAYERLENS_CALLBACK_ATTEMPTS: int(8, 1),
  DOCKER_CONFIG: optionalStr,
  LAYERLENS_LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
  LAYERLENS_KEY_PREFIX: (s: string | undefined) => (s === undefined || s === '' ? 'layerlens' : /[{}]/.test(s) ? new Issue('must not contain { or }') : s),
  LAYERLENS_SHUTDOWN_GRACE: duration(20_000),
};

/** Every environment variable the configuration reads (the deploy-file test holds deploy/ against it). */
export const CONFIG_ENV_NAMES: readonly string[] = Object.keys(schema);

type Parsed = { [K in keyof typeof schema]: Exclude<ReturnType<(typeof schema)[K]>, Issue> };

export interface Config {
  port: number;
  host: string;
  /** Standalone (REDIS_URL), Cluster (REDIS_CLUSTER_NODES) or Sentinel (REDIS_SENTINELS + REDIS_SENTINEL_MASTER). */
  redis: RedisTarget;
  /** host:port entries spoken to over plain HTTP. */
  insecureRegistries: string[];
  /** When non-empty, the only registries the service may pull from. */
  allowedRegistries: string[];
  /** Let the service reach registries on loopback, private or link-local addresses (SSRF guard off). */
  allowPrivateRegistries: boolean;
  /** Let the API accept oci-dir:, oci-archive: and docker-archive: sources (paths on the server's disk). */
  allowLocalSources: boolean;
  /**
   * Per-registry credentials: a path to a JSON file (preferred), or the JSON itself for platforms that inject secrets
   * as environment variables (see registry/credentials.ts). Parsed only by the credential store; never log it.
   */
  registryCredentials?: string;
  /** The Docker CLI's config.json, read for credentials after registryCredentials: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
  dockerConfigPath: string;
  /** `KEY` (every scope) or `KEY:read+analyze+admin`; never log them. */
  apiKeys: string[];
  /** `60/m[:burst]` per API key (per address on an open API) for POST /v1/analyses; unset means unlimited. */
  analyzeRateLimit?: string;
  workerConcurrency: number;
  /**
   * How long an active job's lock lives between renewals, and how often workers look for jobs whose lock expired
   * (a worker that died, or a lock lost in a Redis failover): a stalled job is handed to another worker after at
   * most their sum.
   */
  workerLockDurationMs: number;
  workerStalledIntervalMs: number;
  layerConcurrency: number;
  /** `scan` and `layers` keep V8's default young generation instead of a small one (src/runtime/v8-tuning.ts). */
  scanV8Defaults: boolean;
  /** `layerlens worker` runs this many worker processes (tar parsing is single-threaded: one per core). */
  workerProcesses: number;
  /**
   * `layerlens serve` runs this many API processes sharing the listening port (node:cluster: the primary accepts
   * and hands connections out round-robin). One by default: each process holds its own result cache and Redis
   * connections, and a container's CPU quota is invisible to availableParallelism().
   */
  apiProcesses: number;
  /** The Redis layer-summary cache used by workers. */
  layerCache: { enabled: boolean; maxBytes: number; ttlSeconds: number };
  limits: Limits;
  resultTtlSeconds: number;
  /**
   * Bytes of SBOM and layer-report bodies the API keeps in memory (LRU, by digest × analyzer version) in front of
   * Redis; 0 turns the in-process cache off.
   */
  resultMemoryCacheBytes: number;
  jobAttempts: number;
  logLevel: string;
  webhook: WebhookConfig;
  /** Shortest interval (ms) a watch may be scheduled at: protects registries from a rescan storm. */
  watchMinIntervalMs: number;
  /** How long the API reuses a tag → digest answer for inspection (manifests by digest are kept until evicted). */
  tagCacheSeconds: number;
  callback: CallbackConfig;
  operations: OperationsConfig;
}

/** Running the service: key prefix and shutdown (README "Operations"). */
export interface OperationsConfig {
  /** Base of every Redis key and BullMQ queue prefix (src/redis/keys.ts); several deployments may share a Redis. */
  keyPrefix: string;
  /**
   * On SIGTERM, how long in-flight requests and running jobs get to finish; then open connections are closed and
   * running jobs handed back to the queue. The process exits at most 5 s after it.
   */
  shutdownGraceMs: number;
}

export interface WebhookConfig {
  /** Shared secret of POST /v1/webhooks/registry; without it the endpoint refuses every request. Never log it. */
  secret?: string;
  maxBodyBytes: number;
  /**
   * `from=to` entries rename the registry host a sender reports (a registry that knows itself by an internal name);
   * a bare `host` is the host for senders that report none.
   */
  registryHosts: string[];
  /** Identical (repository, digest) events within this many seconds are handled once; 0 turns that off. */
  dedupSeconds: number;
}

export interface CallbackConfig {
  /** HMAC key of X-Layerlens-Signature; callbackUrl is refused while it is unset. Never log it. */
  secret?: string;
  /** Let callbacks reach loopback, private and link-local addresses (tests, single-host setups). */
  allowPrivate: boolean;
  attempts: number;
}

/** Bounds on everything read from outside: a hostile or broken image must not exhaust memory or disk. */
export interface Limits {
  maxManifestBytes: number;
  /** Compressed size of one layer blob. */
  maxLayerBytes: number;
  /** Decompressed bytes of one layer. */
  maxUncompressedBytes: number;
  /** Size of one package-database file captured into memory. */
  maxFileBytes: number;
  /**
   * Layers of one image. Docker itself stops at 125; an image of 10 000 tiny layers costs 10 000 registry requests
   * and minutes of worker time, so more than this is refused before any layer is pulled.
   */
  maxLayers: number;
  /**
   * Wall-clock milliseconds one analysis job may take, pulls included; past it the job fails TIME_BUDGET_EXCEEDED
   * (not retried: the same image would take as long again). Bounds what a stack of bombs under the other caps costs.
   */
  jobTimeBudgetMs: number;
  /**
   * Milliseconds the catalogers may spend on one image. Parsing is synchronous, so this stays well under the job
   * lock (60 s): once it is spent the remaining files are skipped with a warning instead of the lock being lost.
   */
  catalogTimeBudgetMs: number;
}


export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const out: Record<string, unknown> = {};
  const lines: string[] = [];
  for (const [key, field] of Object.entries(schema) as [string, Field<unknown>][]) {
    const value = field(env[key]);
    if (value instanceof Issue) lines.push(`  ${key}: ${value.message}`);
    else out[key] = value;
  }
  const e = out as Parsed;
  const redis = lines.length
    ? undefined
    : parseRedisTarget({
        url: e.REDIS_URL,
        clusterNodes: e.REDIS_CLUSTER_NODES,
        sentinels: e.REDIS_SENTINELS,
        sentinelMaster: e.REDIS_SENTINEL_MASTER,
        sentinelUsername: e.REDIS_SENTINEL_USERNAME,
        sentinelPassword: e.REDIS_SENTINEL_PASSWORD,
        username: e.REDIS_USERNAME,
        password: e.REDIS_PASSWORD,
        tls: e.REDIS_TLS,
      });
  if (Array.isArray(redis)) lines.push(...redis.map((issue) => `  ${issue}`));
  if (lines.length || !redis || Array.isArray(redis)) throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  return {
    port: e.PORT,
    host: e.HOST,
    redis,
    insecureRegistries: e.LAYERLENS_INSECURE_REGISTRIES,
    allowedRegistries: e.LAYERLENS_ALLOWED_REGISTRIES,
    allowPrivateRegistries: e.LAYERLENS_ALLOW_PRIVATE_REGISTRIES,
    allowLocalSources: e.LAYERLENS_ALLOW_LOCAL_SOURCES,
    registryCredentials: e.LAYERLENS_REGISTRY_CREDENTIALS || undefined,
    dockerConfigPath: join(e.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json'),
    apiKeys: e.LAYERLENS_API_KEYS,
    analyzeRateLimit: e.LAYERLENS_ANALYZE_RATE_LIMIT || undefined,
    workerConcurrency: e.LAYERLENS_WORKER_CONCURRENCY,
    workerLockDurationMs: e.LAYERLENS_WORKER_LOCK_DURATION,
    workerStalledIntervalMs: e.LAYERLENS_WORKER_STALLED_INTERVAL,
    layerConcurrency: e.LAYERLENS_LAYER_CONCURRENCY,
    scanV8Defaults: e.LAYERLENS_SCAN_V8_DEFAULTS,
    workerProcesses: e.LAYERLENS_WORKER_PROCESSES,
    apiProcesses: e.LAYERLENS_API_PROCESSES,
    layerCache: {
      enabled: e.LAYERLENS_LAYER_CACHE,
      maxBytes: e.LAYERLENS_LAYER_CACHE_MAX_BYTES,
      ttlSeconds: e.LAYERLENS_LAYER_CACHE_TTL_SECONDS,
    },
    limits: {
      maxManifestBytes: e.LAYERLENS_MAX_MANIFEST_BYTES,
      maxLayerBytes: e.LAYERLENS_MAX_LAYER_BYTES,
      maxUncompressedBytes: e.LAYERLENS_MAX_UNCOMPRESSED_BYTES,
      maxFileBytes: e.LAYERLENS_MAX_FILE_BYTES,
      maxLayers: e.LAYERLENS_MAX_LAYERS,
      jobTimeBudgetMs: e.LAYERLENS_JOB_TIME_BUDGET,
      catalogTimeBudgetMs: e.LAYERLENS_CATALOG_TIME_BUDGET,
    },
    resultTtlSeconds: e.LAYERLENS_RESULT_TTL_SECONDS,
    resultMemoryCacheBytes: e.LAYERLENS_RESULT_MEMORY_CACHE_BYTES,
    jobAttempts: e.LAYERLENS_JOB_ATTEMPTS,
    logLevel: e.LAYERLENS_LOG_LEVEL,
    webhook: {
      secret: e.LAYERLENS_WEBHOOK_SECRET || undefined,
      maxBodyBytes: e.LAYERLENS_WEBHOOK_MAX_BYTES,
      registryHosts: e.LAYERLENS_WEBHOOK_REGISTRY_HOST,
      dedupSeconds: e.LAYERLENS_WEBHOOK_DEDUP_SECONDS,
    },
    watchMinIntervalMs: e.LAYERLENS_WATCH_MIN_INTERVAL,
    tagCacheSeconds: e.LAYERLENS_TAG_CACHE_SECONDS,
    callback: {
      secret: e.LAYERLENS_CALLBACK_SECRET || undefined,
      allowPrivate: e.LAYERLENS_CALLBACK_ALLOW_PRIVATE,
      attempts: e.LAYERLENS_CALLBACK_ATTEMPTS,
    },
    operations: {
      keyPrefix: e.LAYERLENS_KEY_PREFIX,
      shutdownGraceMs: e.LAYERLENS_SHUTDOWN_GRACE,
    },
  };
}

const UNITS: Record<string, number> = {
  '': 1, b: 1,
  kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12,
  k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4,
  kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4,
};

/** `20MB` → 20 000 000, `512MiB` → 536 870 912; undefined when it is not a size. */
export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return undefined;
  const unit = UNITS[m[2].toLowerCase()];
  if (unit === undefined) return undefined;
  return Math.round(Number(m[1]) * unit);
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s` → 90 000, `5m` → 300 000, `1h` → 3 600 000 (milliseconds); undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/i.exec(text);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * DURATION_UNITS[m[2].toLowerCase()]);
}
