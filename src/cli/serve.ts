/** `layerlens serve`: the HTTP API, LAYERLENS_API_PROCESSES processes on one port. */
import type { CommandContext } from './context.js';
import { createLogger, untilSignal } from './process.js';

export async function runServe({ config }: CommandContext): Promise<number> {
  const logger = await createLogger(config.logLevel, 'layerlens-api');
  if (config.apiProcesses > 1) {
    // LAYERLENS_API_PROCESSES: children forked through node:cluster share the port (this process accepts and
    // hands connections out round-robin); each is a whole API with its own cache; crashed ones restart.
    const { superviseProcesses } = await import('../util/process-supervisor.js');
    const pool = superviseProcesses({ processes: config.apiProcesses, args: ['serve'], env: { LAYERLENS_API_PROCESSES: '1' }, logger, role: 'api', sharePorts: true });
    logger.info({ processes: config.apiProcesses, port: config.port, host: config.host }, 'layerlens API supervisor started');
    await untilSignal(config, logger, () => pool.close());
    return 0;
  }
  const { startApi } = await import('../api/server.js');
  const api = await startApi(config, logger);
  await untilSignal(config, logger, () => api.close());
  // One of several API processes: its IPC channel to the supervisor would keep it alive; let go of it to exit.
  const { default: cluster } = await import('node:cluster');
  if (cluster.isWorker) cluster.worker?.disconnect();
  return 0;
}
