/**
 * A token bucket per caller, kept in Redis so it holds across API processes and hosts. One Lua script over one key
 * (atomic, and Redis-Cluster-safe: a single key always lives on one slot); the clock is Redis' own (TIME), so API
 * hosts with skewed clocks share one notion of "now". An idle bucket expires once it would be full again.
 */
import type { RedisClient } from '../redis/connect.js';

/** `rate` tokens per `perMs`, up to `burst` at once. */
export interface RateLimit {
  rate: number;
  perMs: number;
  burst: number;
}

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the next token, when refused. */
  retryAfterSeconds: number;
}

// KEYS[1] bucket; ARGV: tokens per ms, burst. Returns {allowed (0|1), ms until a token}.
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local perMs = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * perMs)
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) / perMs)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / perMs) + 1000)
return {allowed, wait}
`;

/** `60/m`, `10/s`, `1000/h` (optionally `60/m:120` for a burst of 120); undefined when it is not a rate. */
export function parseRateLimit(text: string): RateLimit | undefined {
  const m = /^\s*(\d+)\s*\/\s*(s|m|h)\s*(?::\s*(\d+))?\s*$/i.exec(text);
  if (!m || Number(m[1]) === 0) return undefined;
  const perMs = { s: 1000, m: 60_000, h: 3_600_000 }[m[2].toLowerCase() as 's' | 'm' | 'h'];
  return { rate: Number(m[1]), perMs, burst: m[3] ? Math.max(1, Number(m[3])) : Number(m[1]) };
}

export class RedisRateLimiter {
  constructor(
    private readonly redis: RedisClient,
    private readonly limit: RateLimit,
    private readonly prefix = 'layerlens',
  ) {}

  /** Takes one token from `caller`'s bucket (`caller` is a key id or an address, never a secret). */
  async take(bucket: string, caller: string): Promise<RateDecision> {
    const [allowed, waitMs] = (await this.redis.eval(TAKE, 1, `${this.prefix}:rate:${bucket}:${caller}`, String(this.limit.rate / this.limit.perMs), String(this.limit.burst))) as [number, number];
    return { allowed: allowed === 1, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }
}
