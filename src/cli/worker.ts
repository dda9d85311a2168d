/** `layerlens worker`: analysis workers, LAYERLENS_WORKER_PROCESSES processes. */
import type { CommandContext } from './context.js';
import { createLogger, untilSignal } from './process.js';

export async function runWorker({ config }: CommandContext): Promise<number> {
  const logger = await createLogger(config.logLevel, 'layerlens-worker');
  if (config.workerProcesses > 1) {
    // One process per core (LAYERLENS_WORKER_PROCESSES): each child runs one BullMQ Worker; crashed ones restart.
    const { superviseProcesses } = await import('../util/process-supervisor.js');
    const pool = superviseProcesses({ processes: config.workerProcesses, args: ['worker'], env: { LAYERLENS_WORKER_PROCESSES: '1' }, logger });
    logger.info({ processes: config.workerProcesses }, 'layerlens worker supervisor started');
    await untilSignal(config, logger, () => pool.close());
    return 0;
  }
  const { startWorker } = await import('../../workers/run-worker.js');
  const worker = startWorker(config, logger);
  logger.info({ concurrency: config.workerConcurrency }, 'layerlens worker started');
  await untilSignal(config, logger, () => worker.close());
  return 0;
}
