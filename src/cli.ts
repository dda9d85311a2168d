#!/usr/bin/env node
/**
 * layerlens CLI: `scan` and `layers` run the same analysis in-process (no Redis); `inspect` and `tags` read only
 * manifests and configs from the registry; `serve`, `worker` and `start` run the service. Exit codes: 0 success, 1 the analysis failed (or a CI gate failed), 2 usage error.
 */
// Each command (one file under src/cli/) is imported when it runs, and imports what it needs then: `scan` bounds V8's young generation before the analysis
// modules load (src/runtime/v8-tuning.ts), and no command pays for the modules of another (pino, BullMQ, Hono…).
import { parseArgs } from 'node:util';
import type { CliValues, CommandContext } from './cli/context.js';
import { UsageError } from './cli/usage.js';

const COMMANDS: Record<string, () => Promise<(ctx: CommandContext) => Promise<number>>> = {
  scan: async () => (await import('./cli/scan.js')).runScan,
  layers: async () => (await import('./cli/layers.js')).runLayers,
  inspect: async () => (await import('./cli/inspect.js')).runInspect,
  tags: async () => (await import('./cli/inspect.js')).runInspect,
  serve: async () => (await import('./cli/serve.js')).runServe,
  worker: async () => (await import('./cli/worker.js')).runWorker,
  start: async () => (await import('./cli/start.js')).runStart,
};

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      platform: { type: 'string' },
      pattern: { type: 'string' },
      limit: { type: 'string' },
      last: { type: 'string' },
      results: { type: 'boolean' },
      attach: { type: 'boolean' },
      output: { type: 'string', short: 'o', multiple: true },
      format: { type: 'string' },
      ci: { type: 'boolean' },
      'ci-config': { type: 'string' },
      'lowest-efficiency': { type: 'string' },
      'highest-wasted-bytes': { type: 'string' },
      'highest-user-wasted-percent': { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  if (values.version) {
    process.stdout.write(`${(await import('./version.js')).TOOL_VERSION}\n`);
    return 0;
  }
  const [command, image] = positionals;
  if (values.help || !command) {
    process.stdout.write((await import('./cli/usage.js')).help((await import('./version.js')).TOOL_VERSION));
    return values.help ? 0 : 2;
  }
  const load = COMMANDS[command];
  if (!load) throw new UsageError(`unknown command ${command}; see layerlens --help`);
  const config = (await import('./config.js')).loadConfig();
  // V8 settings per kind of process, and the hooks through which a one-shot analysis applies the rest.
  const role = command === 'scan' || command === 'layers' ? 'one-shot' : command === 'serve' ? 'api' : undefined;
  const hooks = role ? (await import('./runtime/v8-tuning.js')).tuneProcess(role, { scanV8Defaults: config.scanV8Defaults }) : {};
  return (await load())({ command, image, values: values as CliValues, config, hooks });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (e: unknown) => {
    const { isLayerlensError } = await import('./errors.js');
    if (e instanceof UsageError || (e as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`layerlens: ${(e as Error).message}\n`);
      process.exitCode = 2;
    } else if (isLayerlensError(e)) {
      process.stderr.write(`layerlens: ${e.describe()}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`layerlens: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 1;
    }
  },
);
