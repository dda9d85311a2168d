/**
 * Scoped API keys and the per-caller rate limit of POST /v1/analyses, on the real Redis: the bucket is shared by
 * two limiters (two API processes), refuses with 429 problem+json and Retry-After, and refills with time.
 */
import { Hono } from 'hono';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { apiKeyAuth, isValidApiKey, parseApiKey, requiredScope } from '../../../src/api/auth.js';
import { parseRateLimit, RedisRateLimiter } from '../../../src/api/rate-limit.js';
import { loadConfig } from '../../../src/config.js';
import { dropPrefix, redisUrl, testPrefix } from '../../support/redis.js';

const prefix = testPrefix('ratelimit');
const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
afterAll(async () => {
  redis.disconnect();
  await dropPrefix(prefix);
});

function app(keys: string[], limiter?: RedisRateLimiter) {
  const a = new Hono();
  a.use('/v1/*', apiKeyAuth(keys, { analyzeLimiter: limiter }));
  a.get('/v1/sboms/x', (c) => c.text('sbom'));
  a.post('/v1/analyses', (c) => c.text('queued', 202));
  a.post('/v1/watches', (c) => c.text('watch', 201));
  a.delete('/v1/watches/w', (c) => c.body(null, 204));
  return a;
}
const as = (key: string, method = 'GET') => ({ method, headers: { authorization: `Bearer ${key}` } });

describe('scoped API keys', () => {
  it('parses KEY and KEY:scope+scope; a bare key has every scope; a colon in a key is kept', () => {
    expect([...parseApiKey('k1').scopes]).toEqual(['read', 'analyze', 'admin']);
    expect([...parseApiKey('k2:read+analyze').scopes]).toEqual(['read', 'analyze']);
    expect(parseApiKey('k2:read+analyze').secret).toBe('k2');
    expect(parseApiKey('a:b:c').secret).toBe('a:b:c');
    expect(parseApiKey('k2:read').id).toMatch(/^[a-f0-9]{16}$/);
    expect(parseApiKey('k2:read').id).not.toContain('k2');
  });

  it('maps requests to scopes', () => {
    expect(requiredScope('GET', '/v1/watches')).toBe('read');
    expect(requiredScope('POST', '/v1/analyses')).toBe('analyze');
    expect(requiredScope('POST', '/v1/watches')).toBe('admin');
    expect(requiredScope('DELETE', '/v1/watches/w-1')).toBe('admin');
  });

  it('a read key reads but cannot analyse or administer (403 problem+json naming the scope)', async () => {
    const a = app(['reader:read', 'analyst:read+analyze', 'root']);
    expect((await a.request('/v1/sboms/x', as('reader'))).status).toBe(200);
    const refused = await a.request('/v1/analyses', as('reader', 'POST'));
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(await refused.json()).toMatchObject({ code: 'FORBIDDEN', detail: expect.stringContaining('"analyze"') });
    expect((await a.request('/v1/analyses', as('analyst', 'POST'))).status).toBe(202);
    expect((await a.request('/v1/watches', as('analyst', 'POST'))).status).toBe(403);
    expect((await a.request('/v1/watches/w', as('analyst', 'DELETE'))).status).toBe(403);
    expect((await a.request('/v1/watches', as('root', 'POST'))).status).toBe(201);
    expect((await a.request('/v1/sboms/x', as('nobody'))).status).toBe(401);
  });

  it('the cached-result fast path asks for the read scope', () => {
    expect(isValidApiKey(['a:analyze', 'r:read'], 'r')).toBe(true);
    expect(isValidApiKey(['a:analyze', 'r:read'], 'a')).toBe(false);
  });
});

describe('rate limit of POST /v1/analyses', () => {
  it('parses rates and refuses bad ones at boot', () => {
    expect(parseRateLimit('60/m')).toEqual({ rate: 60, perMs: 60_000, burst: 60 });
    expect(parseRateLimit('10/s:20')).toEqual({ rate: 10, perMs: 1000, burst: 20 });
    expect(parseRateLimit('fast')).toBeUndefined();
    expect(() => loadConfig({ LAYERLENS_ANALYZE_RATE_LIMIT: 'fast' })).toThrow(/LAYERLENS_ANALYZE_RATE_LIMIT: not a rate/);
    expect(loadConfig({ LAYERLENS_ANALYZE_RATE_LIMIT: '60/m' }).analyzeRateLimit).toBe('60/m');
  });

  it('a key past its burst gets 429 problem+json with Retry-After; other keys and reads are not affected', async () => {
    const p = `${prefix}-a`;
    // Two limiters on one Redis stand for two API processes: the bucket is shared.
    const one = app(['k1', 'k2'], new RedisRateLimiter(redis, parseRateLimit('3/m')!, p));
    const two = app(['k1', 'k2'], new RedisRateLimiter(redis, parseRateLimit('3/m')!, p));
    const statuses = [];
    for (const a of [one, two, one, two]) statuses.push((await a.request('/v1/analyses', as('k1', 'POST'))).status);
    expect(statuses).toEqual([202, 202, 202, 429]);
    const limited = await one.request('/v1/analyses', as('k1', 'POST'));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(20);
    expect(await limited.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect((await one.request('/v1/analyses', as('k2', 'POST'))).status).toBe(202);
    expect((await one.request('/v1/sboms/x', as('k1'))).status).toBe(200);
    // One key in Redis per caller, named by the key's hash, never the secret.
    const keys = await redis.keys(`${p}:rate:*`);
    expect(keys).toHaveLength(2);
    expect(keys.join()).not.toMatch(/k1|k2/);
  });

  it('the bucket refills with time', async () => {
    const limiter = new RedisRateLimiter(redis, parseRateLimit('20/s:1')!, `${prefix}-b`);
    expect((await limiter.take('analyze', 'c')).allowed).toBe(true);
    expect((await limiter.take('analyze', 'c')).allowed).toBe(false);
    await new Promise((r) => setTimeout(r, 120));
    expect((await limiter.take('analyze', 'c')).allowed).toBe(true);
  });
});
