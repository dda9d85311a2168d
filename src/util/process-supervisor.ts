/**
 * Runs N copies of this CLI as child processes and keeps them running. Tar parsing is single-threaded JavaScript:
 * two layers in one process reach only 1.2× (ARCHITECTURE §8), so the worker scales by processes, one per core. A
 * child that exits unexpectedly is started again after a delay that grows while it keeps crashing; close() sends
 * SIGTERM to every child and waits for them to finish their jobs (each one shuts down gracefully on its own).
 *
 * With `sharePorts` the children are forked through node:cluster, so the servers they listen on are one socket:
 * the primary (this process) accepts connections and hands them to the children round-robin. That is how
 * `layerlens serve` runs several API processes on one port.
 */
import { fork, type ChildProcess } from 'node:child_process';
import cluster from 'node:cluster';

export interface SupervisorOptions {
  processes: number;
  /** Arguments for the child CLI, e.g. ['worker']. */
  args: string[];
  /** Extra environment for every child. */
  env?: NodeJS.ProcessEnv;
  logger: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** First restart delay; doubles per quick crash up to 30 s. */
  restartDelayMs?: number;
  /** Script to fork; defaults to this process's entry point. */
  script?: string;
  /** What the children are, for the log lines ("worker", "api"). Default "worker". */
  role?: string;
  /** Fork through node:cluster: a port the children listen on is shared (connections handed out round-robin). */
  sharePorts?: boolean;
}

export interface Supervisor {
  readonly children: readonly (ChildProcess | undefined)[];
  close(): Promise<void>;
}

/** A child that ran at least this long before exiting is considered healthy: its restart delay starts over. */
const HEALTHY_MS = 60_000;

export function superviseProcesses(options: SupervisorOptions): Supervisor {
  const script = options.script ?? process.argv[1];
  const base = options.restartDelayMs ?? 1000;
  const children: (ChildProcess | undefined)[] = new Array(options.processes).fill(undefined);
  const delays = new Array<number>(options.processes).fill(base);
  const timers = new Set<NodeJS.Timeout>();
  const role = options.role ?? 'worker';
  let closing = false;
  // execArgv is inherited (tsx loader, --max-old-space-size…), so children run exactly as this process does.
  if (options.sharePorts) cluster.setupPrimary({ exec: script, args: options.args, execArgv: process.execArgv, silent: false });
  const spawnChild = (): ChildProcess =>
    options.sharePorts ? cluster.fork(options.env).process : fork(script, options.args, { env: { ...process.env, ...options.env }, stdio: 'inherit' });

  const start = (slot: number) => {
    const started = Date.now();
    const child = spawnChild();
    children[slot] = child;
    options.logger.info({ slot, childPid: child.pid }, `${role} process started`);
    child.once('exit', (code, signal) => {
      children[slot] = undefined;
      if (closing) return;
      delays[slot] = Date.now() - started > HEALTHY_MS ? base : Math.min(delays[slot] * 2, 30_000);
      options.logger.error({ slot, childPid: child.pid, code, signal, restartInMs: delays[slot] }, `${role} process exited; restarting`);
      const t = setTimeout(() => {
        timers.delete(t);
        if (!closing) start(slot);
      }, delays[slot]);
      timers.add(t);
    });
  };
  for (let i = 0; i < options.processes; i++) start(i);

  return {
    children,
    async close() {
      closing = true;
      for (const t of timers) clearTimeout(t);
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
