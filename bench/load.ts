/**
 * A cheap loopback load generator. It shares the machine's cores with the server it measures, so it does as little
 * as it can: one raw keep-alive socket per client, the request serialised once, responses framed by Content-Length
 * (or chunked) without an HTTP parser, no pipelining. Two modes:
 * - closed loop (`clients` sockets each sending the next request when the previous answer is read): throughput, and
 *   latency that by Little's law is mostly queueing once the server is saturated;
 * - open loop (`rate` requests per second on a fixed schedule, over up to `clients` sockets): latency at a load the
 *   server can carry, measured from the scheduled send time so a stall is not hidden (no coordinated omission).
 * `wrk` is used instead for closed-loop GETs when it is installed (BENCH_WRK=0 turns that off); the fallback is this.
 */
import { spawn, spawnSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  statuses: Record<string, number>;
  mode: 'closed' | 'open';
  clients: number;
  /** Open loop: the target rate. */
  rate?: number;
  tool: 'raw-socket' | 'wrk';
  /** CPU seconds (user + system) the load generator itself used: wrk's (through /usr/bin/time), or this process's. */
  generatorCpuSeconds?: number;
}

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
  clients: number;
  maxRequests: number;
  maxSeconds: number;
  /** Open loop at this many requests per second (clients = sockets available); closed loop when absent. */
  rate?: number;
}

interface Conn {
  socket: Socket;
  busy: boolean;
  onResponse?: (status: number) => void;
  onError?: () => void;
  buf: Buffer;
}

/** Bytes of one complete response at the start of `buf`, and its status; undefined while incomplete. */
function frame(buf: Buffer): { length: number; status: number } | undefined {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd === -1) return undefined;
  const head = buf.toString('latin1', 0, headEnd).toLowerCase();
  const status = Number(head.slice(9, 12));
  const cl = /\r\ncontent-length:\s*(\d+)/.exec(head);
  if (cl) {
    const length = headEnd + 4 + Number(cl[1]);
    return buf.length >= length ? { length, status } : undefined;
  }
  if (/\r\ntransfer-encoding:\s*chunked/.test(head)) {
    let pos = headEnd + 4;
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', pos);
      if (lineEnd === -1) return undefined;
      const size = parseInt(buf.toString('latin1', pos, lineEnd), 16);
      pos = lineEnd + 2 + size + 2;
      if (pos > buf.length) return undefined;
      if (size === 0) return { length: pos, status };
    }
  }
  return { length: headEnd + 4, status }; // 204/304: no body
}

function openConn(host: string, port: number): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true });
    const conn: Conn = { socket, busy: false, buf: Buffer.alloc(0) };
    socket.once('connect', () => resolve(conn));
    socket.once('error', reject);
    socket.on('error', () => conn.onError?.());
    socket.on('close', () => conn.onError?.());
    socket.on('data', (d: Buffer) => {
      conn.buf = conn.buf.length ? Buffer.concat([conn.buf, d]) : d;
      const f = frame(conn.buf);
      if (!f) return;
      conn.buf = conn.buf.subarray(f.length);
      const done = conn.onResponse;
      conn.onResponse = undefined;
      conn.onError = undefined;
      done?.(f.status);
    });
  });
}

function summarise(
  latencies: number[],
  statuses: Record<string, number>,
  errors: number,
  seconds: number,
  extra: Pick<LoadResult, 'mode' | 'clients' | 'rate' | 'tool' | 'generatorCpuSeconds'>,
): LoadResult {
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return {
    requests: latencies.length,
    errors,
    seconds,
    rps: latencies.length / seconds,
    p50: q(0.5),
    p90: q(0.9),
    p99: q(0.99),
    max: latencies[latencies.length - 1] ?? NaN,
    statuses,
    ...extra,
  };
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  const url = new URL(options.url);
  const port = Number(url.port || 80);
  const body = options.body ?? '';
  const headers: Record<string, string> = { host: url.host, ...options.headers };
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  const request = Buffer.from(
    `${options.method ?? 'GET'} ${url.pathname}${url.search} HTTP/1.1\r\n${Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')}\r\n${body}`,
  );
  const conns = await Promise.all(Array.from({ length: options.clients }, () => openConn(url.hostname, port)));
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  const send = (conn: Conn, since: number) =>
    new Promise<void>((resolve) => {
      conn.busy = true;
      conn.onResponse = (status) => {
        latencies.push(performance.now() - since);
        statuses[status] = (statuses[status] ?? 0) + 1;
        conn.busy = false;
        resolve();
      };
      conn.onError = () => {
        errors++;
        conn.onResponse = undefined;
        conn.onError = undefined;
        resolve(); // the socket is gone: this client stops (busy stays true)
      };
      conn.socket.write(request);
    });

  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  const cpuSeconds = () => {
    const used = process.cpuUsage(cpuAtStart);
    return (used.user + used.system) / 1e6;
  };
  const deadline = started + options.maxSeconds * 1000;
  try {
    if (options.rate === undefined) {
      let sent = 0;
      await Promise.all(
        conns.map(async (conn) => {
          while (sent < options.maxRequests && performance.now() < deadline && !conn.socket.destroyed) {
            sent++;
            await send(conn, performance.now());
          }
        }),
      );
      return summarise(latencies, statuses, errors, (performance.now() - started) / 1000, { mode: 'closed', clients: options.clients, tool: 'raw-socket', generatorCpuSeconds: cpuSeconds() });
    }
    // Open loop: request i is due at started + i / rate; due requests wait for a free socket, and their latency
    // counts from when they were due.
    const interval = 1000 / options.rate;
    const total = Math.min(options.maxRequests, Math.floor(options.maxSeconds * options.rate));
    const queue: number[] = [];
    let scheduled = 0;
    let outstanding = 0;
    await new Promise<void>((resolve) => {
      let finished = false;
      const finish = () => {
        if (!finished && scheduled >= total && !queue.length && outstanding === 0) {
          finished = true;
          resolve();
        }
      };
      // Due requests go to free sockets; called by the clock and whenever an answer frees a socket.
      const dispatch = () => {
        for (const conn of conns) {
          if (!queue.length) break;
          if (conn.busy || conn.socket.destroyed) continue;
          outstanding++;
          void send(conn, queue.shift()!).then(() => {
            outstanding--;
            dispatch();
            finish();
          });
        }
      };
      // One clock: enqueue what is due, dispatch, sleep until the next request is due (≤ 1 ms).
      const clock = () => {
        const now = performance.now();
        while (scheduled < total && started + scheduled * interval <= now) queue.push(started + scheduled++ * interval);
        dispatch();
        if (scheduled >= total) return finish();
        if (now > deadline + 30_000) {
          finished = true;
          return resolve(); // hopelessly behind: give up
        }
        setTimeout(clock, Math.max(0, Math.min(started + scheduled * interval - performance.now(), 1)));
      };
      clock();
    });
    const seconds = (performance.now() - started) / 1000;
    return summarise(latencies, statuses, errors, seconds, { mode: 'open', clients: options.clients, rate: options.rate, tool: 'raw-socket', generatorCpuSeconds: cpuSeconds() });
  } finally {
    for (const c of conns) c.socket.destroy();
  }
}

const WRK = process.env.BENCH_WRK === '0' ? undefined : ['/usr/bin/wrk', '/usr/local/bin/wrk'].find((p) => spawnSync(p, ['--version']).error === undefined);
/** GNU time, to read wrk's own CPU time; optional. */
const TIME = ['/usr/bin/time'].find((p) => spawnSync(p, ['-f', '', 'true']).status === 0);

/**
 * Closed-loop GET load through `wrk` (two threads, latency distribution) when it is installed; otherwise through
 * load(). wrk's own CPU is a small fraction of this generator's, which matters with the server on the same cores.
 */
export async function closedLoopGet(options: Omit<LoadOptions, 'rate' | 'method' | 'body'>): Promise<LoadResult> {
  if (!WRK) return load(options);
  const headerArgs = Object.entries(options.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const wrkArgs = ['-t2', `-c${options.clients}`, `-d${options.maxSeconds}s`, '--latency', ...headerArgs, options.url];
  const child = TIME ? spawn(TIME, ['-f', 'WRK_RUSAGE %U %S', WRK, ...wrkArgs], { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(WRK, wrkArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  const rusage = /WRK_RUSAGE ([\d.]+) ([\d.]+)/.exec(err);
  if (code !== 0) return load(options);
  const ms = (s: string | undefined) => {
    const m = s ? /([\d.]+)(us|ms|s)/.exec(s) : null;
    return m ? Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1) : NaN;
  };
  const pct = (p: string) => ms(new RegExp(`^\\s*${p}%\\s+(\\S+)`, 'm').exec(out)?.[1]);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
  const seconds = ms(/requests in ([\d.]+\w+)/.exec(out)?.[1]) / 1000;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const errors = [...out.matchAll(/(?:connect|read|write|timeout) (\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
  return {
    requests,
    errors,
    seconds,
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
    p50: pct('50'),
    p90: pct('90'),
    p99: pct('99'),
    max: ms(/Latency\s+\S+\s+\S+\s+(\S+)/.exec(out)?.[1]),
    statuses: { '2xx/3xx': requests - non2xx, other: non2xx },
    mode: 'closed',
    clients: options.clients,
    tool: 'wrk',
    generatorCpuSeconds: rusage ? Number(rusage[1]) + Number(rusage[2]) : undefined,
  };
}
