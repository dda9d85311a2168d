/**
 * Real Redis topologies for the Cluster and Sentinel suites, from Debian's redis-server and redis-cli: a Redis
 * Cluster of N primaries with replicas, and a Sentinel-managed primary with a replica and three sentinels. Every
 * node runs on a free loopback port with its own temporary directory, is started in parallel with the others, and
 * is stopped by PID. A test kills a primary with `kill(port)` (SIGKILL) to force a failover.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, waitFor } from './ports.js';

const run = promisify(execFile);

export const hasRedisBinaries = ['/usr/bin/redis-server', '/usr/bin/redis-cli'].every((p) => existsSync(p));
export const redisBinariesSkipMessage =
  'skipping the Redis Cluster/Sentinel suites: redis-server and redis-cli (Debian redis-server, redis-tools) are not installed';

interface NodeProcess {
  port: number;
  child: ChildProcess;
}

function startProcess(args: string[], port: number, logs: string[]): NodeProcess {
  const child = spawn('/usr/bin/redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer) => {
    logs.push(`[${port}] ${chunk.toString().trimEnd()}`);
    if (logs.length > 400) logs.shift();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { port, child };
}

async function pingable(port: number, password?: string): Promise<boolean> {
  const client = new Redis({ port, host: '127.0.0.1', password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } finally {
    client.disconnect();
  }
}

async function info(port: number, section: string, password?: string): Promise<Record<string, string>> {
  const client = new Redis({ port, host: '127.0.0.1', password, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await client.connect();
    const text = section === 'cluster' ? await client.cluster('INFO') : await client.info(section);
    return Object.fromEntries(
      String(text)
        .split(/\r?\n/)
        .filter((l) => l.includes(':'))
        .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]),
    );
  } finally {
    client.disconnect();
  }
}

function stopAll(processes: Iterable<NodeProcess>): Promise<void> {
  const waits: Promise<void>[] = [];
  for (const p of processes) {
    if (p.child.exitCode !== null || p.child.signalCode !== null) continue;
    waits.push(new Promise((resolve) => p.child.once('exit', () => resolve())));
    p.child.kill('SIGKILL');
  }
  return Promise.all(waits).then(() => undefined);
}

export interface RedisClusterTopology {
  /** `127.0.0.1:P,…` for REDIS_CLUSTER_NODES. */
  seeds: string;
  ports: number[];
  /** The port of the primary that serves the slot of `key` now. */
  primaryOf(key: string): Promise<number>;
  /** SIGKILL one node and wait for the cluster to report a healthy state again (a replica promoted). */
  killAndAwaitFailover(port: number, timeoutMs?: number): Promise<number>;
  logs: string[];
  stop(): Promise<void>;
}

export async function startRedisCluster(options: { primaries?: number; replicasPerPrimary?: number } = {}): Promise<RedisClusterTopology> {
  const primaries = options.primaries ?? 3;
  const replicas = options.replicasPerPrimary ?? 1;
  const dir = mkdtempSync(join(tmpdir(), 'layerlens-cluster-'));
  const logs: string[] = [];
  const ports = await distinctPorts(primaries * (1 + replicas));
  const nodes = new Map<number, NodeProcess>();
  for (const port of ports) {
    nodes.set(
      port,
      startProcess(
        [
          '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
          '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '1500',
          // A replica may take over whatever its replication offset: the tests kill primaries on purpose.
          '--cluster-replica-validity-factor', '0', '--maxmemory-policy', 'noeviction',
        ],
        port,
        logs,
      ),
    );
  }
  const stop = async () => {
    await stopAll(nodes.values());
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(ports.map((p) => waitFor(() => pingable(p), 10_000, `redis cluster node ${p}`)));
    await run('/usr/bin/redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', String(replicas), '--cluster-yes'], {
      timeout: 30_000,
    });
    await waitFor(async () => (await Promise.all(ports.map((p) => info(p, 'cluster')))).every((i) => i.cluster_state === 'ok'), 20_000, 'cluster_state:ok');
  } catch (err) {
    await stop();
    throw new Error(`starting a Redis Cluster failed: ${(err as Error).message}\n${logs.slice(-20).join('\n')}`);
  }

  const live = () => [...nodes.values()].filter((n) => n.child.exitCode === null && n.child.signalCode === null).map((n) => n.port);

  async function primaryOf(key: string): Promise<number> {
    const client = new Redis({ port: live()[0], host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await client.connect();
      const slot = Number(await client.cluster('KEYSLOT', key));
      const shards = (await client.cluster('SLOTS')) as unknown as [number, number, [string, number, string]][];
      const owner = shards.find(([from, to]) => slot >= from && slot <= to);
      if (!owner) throw new Error(`no node serves slot ${slot}`);
      return Number(owner[2][1]);
    } finally {
      client.disconnect();
    }
  }

  return {
    seeds: ports.map((p) => `127.0.0.1:${p}`).join(','),
    ports,
    logs,
    primaryOf,
    async killAndAwaitFailover(port, timeoutMs = 30_000) {
      const node = nodes.get(port);
      if (!node) throw new Error(`no cluster node on ${port}`);
      const exited = new Promise((r) => node.child.once('exit', r));
      node.child.kill('SIGKILL');
      await exited;
      const started = Date.now();
      // Done when every live node has marked the dead one failed and its slots are served by a promoted replica.
      await waitFor(
        async () => {
          for (const p of live()) {
            const client = new Redis({ port: p, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
            try {
              await client.connect();
              const nodesText = String(await client.cluster('NODES'));
              const dead = nodesText.split('\n').find((l) => l.includes(`127.0.0.1:${port}@`));
              if (!dead || !/\bfail\b/.test(dead.split(' ')[2] ?? '')) return false;
              const shards = (await client.cluster('SLOTS')) as unknown as [number, number, [string, number]][];
              if (shards.some((s) => Number(s[2][1]) === port)) return false;
              if ((await info(p, 'cluster')).cluster_state !== 'ok') return false;
            } finally {
              client.disconnect();
            }
          }
          return true;
        },
        timeoutMs,
        `the cluster to fail over from ${port}`,
      );
      return Date.now() - started;
    },
    stop,
  };
}

export interface RedisSentinelTopology {
  /** `127.0.0.1:P,…` for REDIS_SENTINELS. */
  sentinels: string;
  masterName: string;
  password: string;
  sentinelPassword: string;
  /** The port of the primary the sentinels name now. */
  primaryPort(): Promise<number>;
  /** SIGKILL the current primary and wait for the sentinels to name the replica in its place. */
  killPrimaryAndAwaitFailover(timeoutMs?: number): Promise<number>;
  logs: string[];
  stop(): Promise<void>;
}

export async function startRedisSentinel(): Promise<RedisSentinelTopology> {
  const dir = mkdtempSync(join(tmpdir(), 'layerlens-sentinel-'));
  const logs: string[] = [];
  const masterName = 'layerlens-primary';
  const password = 'data-node-secret';
  const sentinelPassword = 'sentinel-secret';
  const [primaryPort, replicaPort, ...sentinelPorts] = await distinctPorts(5);
  const dataNode = (port: number, extra: string[]) =>
    startProcess(
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--requirepass', password, '--masterauth', password, '--maxmemory-policy', 'noeviction', ...extra],
      port,
      logs,
    );
  const processes: NodeProcess[] = [dataNode(primaryPort, []), dataNode(replicaPort, ['--replicaof', '127.0.0.1', String(primaryPort)])];
  for (const port of sentinelPorts) {
    const conf = join(dir, `sentinel-${port}.conf`);
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `requirepass ${sentinelPassword}`,
        `sentinel monitor ${masterName} 127.0.0.1 ${primaryPort} 2`,
        `sentinel auth-pass ${masterName} ${password}`,
        `sentinel down-after-milliseconds ${masterName} 1000`,
        `sentinel failover-timeout ${masterName} 5000`,
        `sentinel parallel-syncs ${masterName} 1`,
        // Sentinels find each other through the primary; they must also know each other's password.
        `sentinel sentinel-pass ${sentinelPassword}`,
        '',
      ].join('\n'),
    );
    processes.push(startProcess([conf, '--sentinel'], port, logs));
  }
  const stop = async () => {
    await stopAll(processes);
    rmSync(dir, { recursive: true, force: true });
  };

  async function primaryPortNow(): Promise<number> {
    for (const port of sentinelPorts) {
      const client = new Redis({ port, host: '127.0.0.1', password: sentinelPassword, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      try {
        await client.connect();
        const addr = (await client.call('SENTINEL', 'get-master-addr-by-name', masterName)) as [string, string] | null;
        if (addr) return Number(addr[1]);
      } catch {
        // that sentinel is not answering: ask the next
      } finally {
        client.disconnect();
      }
    }
    throw new Error('no sentinel names a primary');
  }

  try {
    await Promise.all([primaryPort, replicaPort].map((p) => waitFor(() => pingable(p, password), 10_000, `redis node ${p}`)));
    await waitFor(async () => (await info(replicaPort, 'replication', password)).master_link_status === 'up', 15_000, 'the replica to sync');
    await waitFor(async () => {
      for (const port of sentinelPorts) {
        const client = new Redis({ port, host: '127.0.0.1', password: sentinelPassword, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        try {
          await client.connect();
          const masters = (await client.call('SENTINEL', 'master', masterName)) as string[];
          const fields = Object.fromEntries(masters.flatMap((v, i) => (i % 2 === 0 ? [[v, masters[i + 1]]] : [])));
          if (Number(fields['num-other-sentinels']) < 2 || Number(fields['num-slaves']) < 1) return false;
        } finally {
          client.disconnect();
        }
      }
      return true;
    }, 20_000, 'the sentinels to see each other and the replica');
  } catch (err) {
    await stop();
    throw new Error(`starting a Sentinel setup failed: ${(err as Error).message}\n${logs.slice(-20).join('\n')}`);
  }

  return {
    sentinels: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','),
    masterName,
    password,
    sentinelPassword,
    logs,
    primaryPort: primaryPortNow,
    async killPrimaryAndAwaitFailover(timeoutMs = 30_000) {
      const before = await primaryPortNow();
      const node = processes.find((p) => p.port === before)!;
      const exited = new Promise((r) => node.child.once('exit', r));
      node.child.kill('SIGKILL');
      await exited;
      const started = Date.now();
      await waitFor(async () => {
        const now = await primaryPortNow();
        return now !== before && (await info(now, 'replication', password)).role === 'master';
      }, timeoutMs, 'the sentinels to promote the replica');
      return Date.now() - started;
    },
    stop,
  };
}

async function distinctPorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  // A cluster node also listens on port + 10000 (the cluster bus): keep both free and below 55535.
  while (ports.size < n) {
    const p = await freePort();
    if (p < 55535 && ![...ports].some((q) => Math.abs(q - p) === 10000)) ports.add(p);
  }
  return [...ports];
}
