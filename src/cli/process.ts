/** What the long-running commands (serve, worker, start) share: their logger and a bounded shutdown on a signal. */
import type { Config } from '../config.js';
/** pino is loaded only by the commands that log (serve, worker, start): `scan` keeps its memory for the layers. */
export async function createLogger(level: string, name: string) {
  return (await import('../logger.js')).createLogger(level, name);
}

/**
 * Resolves once `close` is done after the first SIGTERM/SIGINT. Bounded: the grace period (LAYERLENS_SHUTDOWN_GRACE)
 * for requests and jobs, 5 s more for handing jobs back and closing Redis, then exit 1 — before Kubernetes' SIGKILL
 * at terminationGracePeriodSeconds (deploy/k8s sets it above both).
 */
export function untilSignal(config: Config, logger: { info: (o: object, m: string) => void; error?: (o: object, m: string) => void }, close: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let closing = false;
    const onSignal = (signal: string) => {
      if (closing) return;
      closing = true;
      logger.info({ signal }, 'shutting down');
      const boundMs = config.operations.shutdownGraceMs + 5_000;
      const timer = setTimeout(() => {
        logger.error?.({ boundMs }, 'shutdown did not finish in time; exiting');
        process.exit(1);
      }, boundMs);
      timer.unref();
      close()
        .then(() => logger.info({ signal }, 'shut down'))
        .finally(resolve);
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  });
}
