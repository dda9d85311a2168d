import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { describeRedisTarget, parseRedisTarget } from '../../src/redis/target.js';

describe('Redis connection target', () => {
  it('is standalone on REDIS_URL, redis:// or rediss://', () => {
    expect(parseRedisTarget({ tls: false })).toEqual({ mode: 'standalone', url: 'redis://127.0.0.1:6379' });
    expect(parseRedisTarget({ url: 'rediss://app:s3cret@redis.example:6380/2', tls: false })).toEqual({ mode: 'standalone', url: 'rediss://app:s3cret@redis.example:6380/2' });
  });
  it('reads a Cluster seed list with ACL user, password and TLS', () => {
    expect(parseRedisTarget({ clusterNodes: '10.0.0.1:7000, [::1]:7001,redis-b:7002', username: 'app', password: 'pw', tls: true })).toEqual({
      mode: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '::1', port: 7001 },
        { host: 'redis-b', port: 7002 },
      ],
      username: 'app',
      password: 'pw',
      tls: true,
    });
  });
  it('reads Sentinel addresses, master name and both passwords', () => {
    const t = loadConfig({ REDIS_SENTINELS: 's1:26379,s2:26379', REDIS_SENTINEL_MASTER: 'mymaster', REDIS_SENTINEL_PASSWORD: 'spw', REDIS_PASSWORD: 'dpw' }).redis;
    expect(t).toEqual({
      mode: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      masterName: 'mymaster',
      sentinelUsername: undefined,
      sentinelPassword: 'spw',
      username: undefined,
      password: 'dpw',
      tls: false,
    });
  });
  it('refuses mistakes at start-up, naming the variable', () => {
    expect(() => loadConfig({ REDIS_URL: 'http://x:6379' })).toThrow(/REDIS_URL: scheme must be redis:\/\/ or rediss:\/\//);
    expect(() => loadConfig({ REDIS_URL: 'not a url' })).toThrow(/REDIS_URL: not a URL/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'a:1', REDIS_SENTINELS: 'b:2' })).toThrow(/both set/);
    expect(() => loadConfig({ REDIS_URL: 'redis://a', REDIS_CLUSTER_NODES: 'a:1' })).toThrow(/set only one connection mode/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'a:1,b' })).toThrow(/REDIS_CLUSTER_NODES: "b" is not host:port/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'a:70000' })).toThrow(/"a:70000" is not host:port/);
    expect(() => loadConfig({ REDIS_SENTINELS: 's:26379' })).toThrow(/REDIS_SENTINEL_MASTER: required/);
    expect(() => loadConfig({ REDIS_PASSWORD: 'x' })).toThrow(/in standalone mode put them in REDIS_URL/);
    expect(() => loadConfig({ REDIS_TLS: 'maybe' })).toThrow(/REDIS_TLS/);
  });
  it('never shows a password when described for logs', () => {
    expect(describeRedisTarget({ mode: 'standalone', url: 'rediss://app:s3cret@h:6380' })).not.toContain('s3cret');
    expect(describeRedisTarget({ mode: 'cluster', nodes: [{ host: 'a', port: 1 }], password: 's3cret', tls: false })).toBe('cluster a:1');
  });
});
