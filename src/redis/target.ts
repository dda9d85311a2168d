/**
 * Where layerlens' Redis is: one standalone server (REDIS_URL), a Redis Cluster (seed nodes) or a Sentinel-managed
 * primary. Parsed from the environment's strings once at boot, with every mistake named; no ioredis here, so
 * `layerlens scan` (which loads the config) pays nothing for it.
 */

export interface RedisNode {
  host: string;
  port: number;
}

/** ACL user / password and TLS of the data nodes (Cluster and Sentinel modes; standalone carries them in its URL). */
export interface RedisAuth {
  username?: string;
  password?: string;
  tls: boolean;
}

export type RedisTarget =
  | { mode: 'standalone'; url: string }
  | ({ mode: 'cluster'; nodes: RedisNode[] } & RedisAuth)
  | ({ mode: 'sentinel'; sentinels: RedisNode[]; masterName: string; sentinelUsername?: string; sentinelPassword?: string } & RedisAuth);

/** The environment strings a target is made of (config.ts owns the variable names and defaults). */
export interface RedisTargetInput {
  url?: string;
  clusterNodes?: string;
  sentinels?: string;
  sentinelMaster?: string;
  sentinelUsername?: string;
  sentinelPassword?: string;
  username?: string;
  password?: string;
  tls: boolean;
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** `host:port` or `[v6]:port` list → nodes; an issue string names the first bad entry. */
export function parseNodeList(text: string, what: string): RedisNode[] | string {
  const nodes: RedisNode[] = [];
  for (const raw of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s\[\]]+)):(\d{1,5})$/.exec(raw);
    const port = m ? Number(m[3]) : NaN;
    if (!m || port < 1 || port > 65535) return `${what}: "${raw}" is not host:port`;
    nodes.push({ host: m[1] ?? m[2], port });
  }
  if (nodes.length === 0) return `${what}: no host:port entries`;
  return nodes;
}

/** The target, or the list of problems (each one line, naming the variable). */
export function parseRedisTarget(input: RedisTargetInput): RedisTarget | string[] {
  const issues: string[] = [];
  const cluster = input.clusterNodes?.trim();
  const sentinels = input.sentinels?.trim();
  if (cluster && sentinels) issues.push('REDIS_CLUSTER_NODES and REDIS_SENTINELS are both set: choose Cluster or Sentinel');
  if (input.url !== undefined && (cluster || sentinels)) {
    issues.push(`REDIS_URL is set together with ${cluster ? 'REDIS_CLUSTER_NODES' : 'REDIS_SENTINELS'}: set only one connection mode`);
  }
  const auth: RedisAuth = { username: input.username || undefined, password: input.password || undefined, tls: input.tls };
  if (cluster && !sentinels) {
    const nodes = parseNodeList(cluster, 'REDIS_CLUSTER_NODES');
    if (typeof nodes === 'string') issues.push(nodes);
    else if (!issues.length) return { mode: 'cluster', nodes, ...auth };
    return issues;
  }
  if (sentinels && !cluster) {
    const nodes = parseNodeList(sentinels, 'REDIS_SENTINELS');
    if (typeof nodes === 'string') issues.push(nodes);
    const masterName = input.sentinelMaster?.trim();
    if (!masterName) issues.push('REDIS_SENTINEL_MASTER: required with REDIS_SENTINELS (the master name the sentinels monitor)');
    if (issues.length || typeof nodes === 'string' || !masterName) return issues;
    return {
      mode: 'sentinel',
      sentinels: nodes,
      masterName,
      sentinelUsername: input.sentinelUsername || undefined,
      sentinelPassword: input.sentinelPassword || undefined,
      ...auth,
    };
  }
  if (issues.length) return issues;
  if (input.sentinelMaster) issues.push('REDIS_SENTINEL_MASTER: set without REDIS_SENTINELS');
  if (input.username || input.password) issues.push('REDIS_USERNAME/REDIS_PASSWORD: only for Cluster or Sentinel; in standalone mode put them in REDIS_URL (redis://user:password@host:port)');
  const url = input.url ?? DEFAULT_REDIS_URL;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    issues.push(`REDIS_URL: not a URL (expected redis://[user:password@]host:port[/db] or rediss://…)`);
  }
  if (parsed && parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') issues.push(`REDIS_URL: scheme must be redis:// or rediss://, not ${parsed.protocol}//`);
  if (parsed && !parsed.hostname) issues.push('REDIS_URL: no host');
  return issues.length ? issues : { mode: 'standalone', url };
}

/** A log-safe description: never the password. */
export function describeRedisTarget(target: RedisTarget): string {
  if (target.mode === 'standalone') {
    const u = new URL(target.url);
    if (u.password) u.password = '***';
    return u.toString();
  }
  const list = (nodes: RedisNode[]) => nodes.map((n) => `${n.host}:${n.port}`).join(',');
  return target.mode === 'cluster' ? `cluster ${list(target.nodes)}` : `sentinel ${target.masterName}@${list(target.sentinels)}`;
}
