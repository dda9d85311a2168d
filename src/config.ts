/**
 * Environment → typed configuration, validated once at boot. Every default lives here and nowhere else; the README's
 * configuration table mirrors this file.
 */
import { z } from 'zod';

const list = z
  .string()
  .optional()
  .transform((s) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean));

const bytes = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s === '') return fallback;
      const n = parseByteSize(s);
      if (n === undefined) {
        ctx.addIssue({ code: 'custom', message: `not a byte size: ${s} (use e.g. 512MiB, 2GB or a plain number)` });
        return z.NEVER;
      }
      return n;
    });

const int = (fallback: number, min = 0) =>
  z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s === '') return fallback;
      const n = Number(s);
      if (!Number.isInteger(n) || n < min) {
        ctx.addIssue({ code: 'custom', message: `expected a whole number ≥ ${min}, got ${s}` });
        return z.NEVER;
      }
      return n;
    });

const schema = z.object({
  PORT: int(8080, 0),
  HOST: z.string().default('0.0.0.0'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  LAYERLENS_INSECURE_REGISTRIES: list,
  LAYERLENS_ALLOWED_REGISTRIES: list,
  LAYERLENS_API_KEYS: list,
  LAYERLENS_WORKER_CONCURRENCY: int(1, 1),
  LAYERLENS_LAYER_CONCURRENCY: int(3, 1),
  LAYERLENS_MAX_MANIFEST_BYTES: bytes(4 * 1024 * 1024),
  LAYERLENS_MAX_LAYER_BYTES: bytes(16 * 1024 ** 3),
  LAYERLENS_MAX_UNCOMPRESSED_BYTES: bytes(64 * 1024 ** 3),
  LAYERLENS_MAX_FILE_BYTES: bytes(64 * 1024 * 1024),
  LAYERLENS_RESULT_TTL_SECONDS: int(30 * 24 * 3600, 0),
  LAYERLENS_JOB_ATTEMPTS: int(3, 1),
  LAYERLENS_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  port: number;
  host: string;
  redisUrl: string;
  /** host:port entries spoken to over plain HTTP. */
  insecureRegistries: string[];
  /** When non-empty, the only registries the service may pull from. */
  allowedRegistries: string[];
  apiKeys: string[];
  workerConcurrency: number;
  layerConcurrency: number;
  limits: Limits;
  resultTtlSeconds: number;
  jobAttempts: number;
  logLevel: string;
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
}

export const defaultLimits: Limits = {
  maxManifestBytes: 4 * 1024 * 1024,
  maxLayerBytes: 16 * 1024 ** 3,
  maxUncompressedBytes: 64 * 1024 ** 3,
  maxFileBytes: 64 * 1024 * 1024,
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    redisUrl: e.REDIS_URL,
    insecureRegistries: e.LAYERLENS_INSECURE_REGISTRIES,
    allowedRegistries: e.LAYERLENS_ALLOWED_REGISTRIES,
    apiKeys: e.LAYERLENS_API_KEYS,
    workerConcurrency: e.LAYERLENS_WORKER_CONCURRENCY,
    layerConcurrency: e.LAYERLENS_LAYER_CONCURRENCY,
    limits: {
      maxManifestBytes: e.LAYERLENS_MAX_MANIFEST_BYTES,
      maxLayerBytes: e.LAYERLENS_MAX_LAYER_BYTES,
      maxUncompressedBytes: e.LAYERLENS_MAX_UNCOMPRESSED_BYTES,
      maxFileBytes: e.LAYERLENS_MAX_FILE_BYTES,
    },
    resultTtlSeconds: e.LAYERLENS_RESULT_TTL_SECONDS,
    jobAttempts: e.LAYERLENS_JOB_ATTEMPTS,
    logLevel: e.LAYERLENS_LOG_LEVEL,
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
