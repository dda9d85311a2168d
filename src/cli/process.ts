/** What the long-running commands (serve, worker, start) share: their logger and a bounded shutdown on a signal. */
/** pino is loaded only by the commands that log (serve, worker, start): `scan` keeps its memory for the layers. */
export async function createLogger(level: string, name: string) {
  return (await import('../logger.js')).createLogger(level, name);
}

export function untilSignal(logger: { info: (o: object, m: string) => void }, close: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let closing = false;
    const onSignal = (signal: string) => {
      if (closing) return;
      closing = true;
      logger.info({ signal }, 'shutting down');
      // Bounded: Kubernetes sends SIGKILL after its grace period; finish before it.
      const timer = setTimeout(() => process.exit(1), 25_000);
      timer.unref();
      close().finally(resolve);
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  });
}
