/**
 * The real analysis worker as a process of its own, under a test's key prefix (HOSTILE_PREFIX): what the attack
 * suite measures the peak RSS of. Configuration comes from the environment exactly as `layerlens worker` reads it.
 */
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startWorker } from '../../workers/run-worker.js';

const config = loadConfig(process.env);
const logger = createLogger(config.logLevel, 'hostile-worker');
const worker = startWorker(config, logger, { prefix: process.env.HOSTILE_PREFIX });
process.stdout.write('worker ready\n');
const stop = () => void worker.close().finally(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
