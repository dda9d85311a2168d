#!/usr/bin/env node
/**
 * layerlens CLI: `scan` and `layers` run the same analysis in-process (no Redis); `inspect` and `tags` read only
 * manifests and configs from the registry; `serve`, `worker` and `start` run the service. Exit codes: 0 success, 1 the analysis failed (or a CI gate failed), 2 usage error.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
// Everything else is imported when a command needs it: `scan` bounds V8's young generation before the analysis
// modules load (src/runtime/v8-tuning.ts), and no command pays for the modules of another (pino, BullMQ, Hono…).
import type { AnalysisHooks, AnalysisResult, SbomAnalysis } from './analyze.js';
import type { Config } from './config.js';
import type { SbomFormat } from './sbom/formats/index.js';

const help = (version: string) => `layerlens ${version} — SBOMs and layer reports for OCI images

Usage:
  layerlens scan IMAGE [--platform OS/ARCH[/VARIANT]] [-o FORMAT[=FILE]]...
      the SBOM of IMAGE in each FORMAT (stdout, or FILE): cyclonedx-json (1.6; cyclonedx-json@1.5 too),
      cyclonedx-xml, spdx-json (2.3), table (NAME VERSION TYPE LAYER), purls; default: table on a terminal,
      cyclonedx-json otherwise; -o FILE alone is cyclonedx-json to FILE
  layerlens scan IMAGE [-o ...] --attach
      also push the SBOM (each document format among -o, else CycloneDX JSON) to the image's repository as an
      OCI 1.1 referrer of the image (Referrers API, or the sha256-<hex> referrers tag); not pushed twice
  layerlens scan IMAGE --platform all [-o [FORMAT=]DIR]
      one SBOM per image platform: DIR/OS-ARCH[-VARIANT].cdx.json (or the FORMAT's extension), or one
      CycloneDX document per line on stdout
  layerlens layers IMAGE [--platform P] [--format json|table] [--ci [--ci-config FILE]
                   [--lowest-efficiency R] [--highest-wasted-bytes B] [--highest-user-wasted-percent R]]
      per-layer sizes, added/modified/removed files, wasted bytes, efficiency; with --ci, Dive's CI rules
      (defaults, then .dive-ci or --ci-config, then flags; a rule is turned off with "disabled") and exit 1 on failure
  layerlens inspect IMAGE [--format table|json] [--results]
      digest, media type, platforms (index) or config, layers and history (image); no layer is pulled
  layerlens tags REPOSITORY [--pattern GLOB] [--limit N] [--last TAG] [--format table|json] [--results]
      each tag's digest, platforms and compressed size, following the registry's pages (at most --limit tags,
      default 1000; --last TAG continues after TAG)
  layerlens serve     run the HTTP API (PORT, REDIS_URL), LAYERLENS_API_PROCESSES processes on one port (default 1)
  layerlens worker    run analysis workers (REDIS_URL), LAYERLENS_WORKER_PROCESSES processes (default: one per core)
  layerlens start     run API and worker in one process; starts a local redis-server if none is reachable

IMAGE is a registry reference (alpine, ghcr.io/org/app:1.2, host:5000/repo@sha256:…) or oci-dir:PATH[:REF].
Registries on loopback addresses and those in LAYERLENS_INSECURE_REGISTRIES are spoken to over plain HTTP.

Options:
  --platform P   platform to pick from a multi-arch image (default linux/amd64)
  -o, --output   FORMAT[=FILE], repeatable: the SBOM formats to write, and where (see scan)
  --format F     layers, inspect and tags output: table (default) or json
  --pattern G    tags: only tags matching the glob G (e.g. '1.*')
  --results      inspect, tags: show layerlens' stored results per digest (read from REDIS_URL)
  -q, --quiet    no progress on stderr
  -h, --help     this help
  -v, --version  the version
`;

class UsageError extends Error {}

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
    process.stdout.write(help((await import('./version.js')).TOOL_VERSION));
    return values.help ? 0 : 2;
  }
  const config = (await import('./config.js')).loadConfig();
  // V8 settings per kind of process, and the hooks through which a one-shot analysis applies the rest.
  const role = command === 'scan' || command === 'layers' ? 'one-shot' : command === 'serve' ? 'api' : undefined;
  const hooks = role ? (await import('./runtime/v8-tuning.js')).tuneProcess(role, { scanV8Defaults: config.scanV8Defaults }) : {};
  switch (command) {
    case 'scan': {
      if (values.platform === 'all') return scanAllPlatforms(requireImage(image), config, values.output ?? [], hooks, values.quiet);
      const outputs = await outputSpecs(values.output ?? []);
      if (values.attach && (await import('./image/open.js')).isLocalSource(requireImage(image))) {
        throw new UsageError('--attach needs a registry image: a local source has no registry to attach to');
      }
      // The SBOM only: the layer report (the largest allocation on an image of many files) is not built.
      const result = await analyze(requireImage(image), config, values.platform, values.quiet, hooks, false);
      for (const out of outputs) {
        const body = out.format.id === 'cyclonedx-json@1.6' ? result.sbom : out.format.encode(result.sbomInput);
        if (out.file) await writeFile(out.file, body);
        else process.stdout.write(body.endsWith('\n') ? body : `${body}\n`);
      }
      if (values.attach) await attachToRegistry(requireImage(image), config, result, outputs.map((o) => o.format), values.quiet);
      return 0;
    }
    case 'layers': {
      const format = values.format ?? 'table';
      if (format !== 'table' && format !== 'json') throw new UsageError(`--format must be table or json, not ${format}`);
      const layers = await import('./layers/index.js');
      // Rules are read before the pull so a bad .dive-ci fails fast.
      const rules = values.ci ? await ciRules(layers, values) : undefined;
      const result = await analyze(requireImage(image), config, values.platform, values.quiet, hooks);
      process.stdout.write(format === 'json' ? `${JSON.stringify({ image: result.image, ...result.report }, null, 2)}\n` : layers.formatLayerTable(result.report));
      if (!rules) return 0;
      const evaluation = layers.evaluateCiRules(result.report, rules);
      process.stderr.write(layers.formatCiEvaluation(evaluation));
      return evaluation.passed ? 0 : 1;
    }
    case 'inspect':
    case 'tags': {
      const format = values.format ?? 'table';
      if (format !== 'table' && format !== 'json') throw new UsageError(`--format must be table or json, not ${format}`);
      const { runInspectCommand } = await import('./inspect/cli-command.js');
      const limit = values.limit === undefined ? undefined : Number(values.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new UsageError('--limit must be a whole number ≥ 1');
      if (!image) throw new UsageError(`${command === 'tags' ? 'REPOSITORY' : 'IMAGE'} is missing; see layerlens --help`);
      const { registryClientFromConfig } = await import('./registry/from-config.js');
      const client = registryClientFromConfig(config, { plainHttpLoopback: true, allowPrivateAddresses: true });
      const text = await runInspectCommand(command, image, client, {
        format,
        pattern: values.pattern,
        limit,
        last: values.last,
        redis: values.results ? config.redis : undefined,
      });
      process.stdout.write(text);
      return 0;
    }
    case 'serve': {
      const logger = await createLogger(config.logLevel, 'layerlens-api');
      if (config.apiProcesses > 1) {
        // LAYERLENS_API_PROCESSES: children forked through node:cluster share the port (this process accepts and
        // hands connections out round-robin); each is a whole API with its own cache; crashed ones restart.
        const { superviseProcesses } = await import('./util/process-supervisor.js');
        const pool = superviseProcesses({ processes: config.apiProcesses, args: ['serve'], env: { LAYERLENS_API_PROCESSES: '1' }, logger, role: 'api', sharePorts: true });
        logger.info({ processes: config.apiProcesses, port: config.port, host: config.host }, 'layerlens API supervisor started');
        await untilSignal(config, logger, () => pool.close());
        return 0;
      }
      const { startApi } = await import('./api/server.js');
      const api = await startApi(config, logger);
      await untilSignal(config, logger, () => api.close());
      // One of several API processes: its IPC channel to the supervisor would keep it alive; let go of it to exit.
      const { default: cluster } = await import('node:cluster');
      if (cluster.isWorker) cluster.worker?.disconnect();
      return 0;
    }
    case 'worker': {
      const logger = await createLogger(config.logLevel, 'layerlens-worker');
      if (config.workerProcesses > 1) {
        // One process per core (LAYERLENS_WORKER_PROCESSES): each child runs one BullMQ Worker; crashed ones restart.
        const { superviseProcesses } = await import('./util/process-supervisor.js');
        const pool = superviseProcesses({ processes: config.workerProcesses, args: ['worker'], env: { LAYERLENS_WORKER_PROCESSES: '1' }, logger });
        logger.info({ processes: config.workerProcesses }, 'layerlens worker supervisor started');
        await untilSignal(config, logger, () => pool.close());
        return 0;
      }
      const { startWorker } = await import('../workers/run-worker.js');
      const worker = startWorker(config, logger);
      logger.info({ concurrency: config.workerConcurrency }, 'layerlens worker started');
      await untilSignal(config, logger, () => worker.close());
      return 0;
    }
    case 'start': {
      const { ensureRedis } = await import('./local-redis.js');
      // Only when nothing is configured (no REDIS_URL, Cluster or Sentinel) may `start` bring its own redis-server.
      const redis = await ensureRedis(process.env, config.redis);
      const full = { ...config, redis: redis.target };
      const logger = await createLogger(config.logLevel, 'layerlens');
      if (redis.child) logger.info({ url: redis.url }, 'started a private redis-server (data is not persisted)');
      const { startApi } = await import('./api/server.js');
      const { startWorker } = await import('../workers/run-worker.js');
      const worker = startWorker(full, logger);
      const api = await startApi(full, logger);
      await untilSignal(config, logger, async () => {
        await api.close();
        await worker.close();
        redis.stop();
      });
      return 0;
    }
    default:
      throw new UsageError(`unknown command ${command}; see layerlens --help`);
  }
}

type LayersModule = typeof import('./layers/index.js');

async function ciRules(layers: LayersModule, values: Record<string, string | string[] | boolean | undefined>) {
  const { readFile } = await import('node:fs/promises');
  const explicit = typeof values['ci-config'] === 'string' ? values['ci-config'] : undefined;
  const path = explicit ?? '.dive-ci';
  let fromFile;
  try {
    fromFile = layers.parseDiveCiFile(await readFile(path, 'utf8'), path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || explicit) throw new UsageError((e as Error).message);
  }
  const flags = {
    lowestEfficiency: values['lowest-efficiency'],
    highestWastedBytes: values['highest-wasted-bytes'],
    highestUserWastedPercent: values['highest-user-wasted-percent'],
  } as Record<string, string | undefined>;
  for (const k of Object.keys(flags)) if (flags[k] === undefined) delete flags[k];
  try {
    return layers.resolveCiRules(fromFile, flags);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** pino is loaded only by the commands that log (serve, worker, start): `scan` keeps its memory for the layers. */
async function createLogger(level: string, name: string) {
  return (await import('./logger.js')).createLogger(level, name);
}

function requireImage(image: string | undefined): string {
  if (!image) throw new UsageError('IMAGE is missing; see layerlens --help');
  return image;
}

async function analyze(image: string, config: Config, platform: string | undefined, quiet: boolean | undefined, hooks: AnalysisHooks, layerReport: false): Promise<SbomAnalysis>;
async function analyze(image: string, config: Config, platform: string | undefined, quiet: boolean | undefined, hooks: AnalysisHooks): Promise<AnalysisResult>;
async function analyze(image: string, config: Config, platform: string | undefined, quiet = false, hooks: AnalysisHooks = {}, layerReport = true): Promise<SbomAnalysis> {
  const [{ analyzeImage }, { openImage }, { registryClientFromConfig }, { parsePlatform }] = await Promise.all([
    import('./analyze.js'),
    import('./image/open.js'),
    import('./registry/from-config.js'),
    import('./registry/platform.js'),
  ]);
  // The CLI runs on the user's machine: registries on localhost or the LAN are theirs to reach (no SSRF guard).
  const client = registryClientFromConfig(config, { plainHttpLoopback: true, allowPrivateAddresses: true });
  const source = await openImage(image, {
    client,
    platform: platform ? parsePlatform(platform) : undefined,
    limits: config.limits,
    allowLocalSources: true,
  });
  const result = await analyzeImage(source, {
    limits: config.limits,
    layerConcurrency: config.layerConcurrency,
    onLayer: quiet ? undefined : (done, total) => process.stderr.write(`\rlayers ${done}/${total}`),
    layerReport,
    hooks,
  });
  if (!quiet) {
    const counts = Object.entries(result.counts).map(([t, n]) => `${n} ${t}`).join(', ') || 'no packages';
    process.stderr.write(`\r${result.image.name} ${result.image.digest} (${result.image.platform}): ${counts}\n`);
    for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
  }
  return result;
}

/**
 * `--attach`: the SBOM pushed to the image's repository as an OCI 1.1 referrer (registry/attach.ts), in each
 * document format among the -o outputs (CycloneDX JSON when there is none), with the registry credentials a pull uses.
 */
async function attachToRegistry(image: string, config: Config, result: SbomAnalysis, formats: SbomFormat[], quiet = false): Promise<void> {
  const [{ attachSbom }, { registryClientFromConfig }, { parseReference }, { sbomFormat }, { ANALYZER_VERSION }] = await Promise.all([
    import('./registry/attach.js'),
    import('./registry/from-config.js'),
    import('./registry/reference.js'),
    import('./sbom/formats/index.js'),
    import('./version.js'),
  ]);
  const client = registryClientFromConfig(config, { plainHttpLoopback: true, allowPrivateAddresses: true });
  const documents = formats.filter((f) => f.document);
  for (const format of documents.length ? documents : [sbomFormat('cyclonedx-json')!]) {
    const body = format.id === 'cyclonedx-json@1.6' ? result.sbom : format.encode(result.sbomInput);
    const attached = await attachSbom(client, {
      image: parseReference(image),
      subjectDigest: result.image.digest,
      artifactType: format.baseType,
      body,
      fileName: `sbom.${format.extension}`,
      analyzerVersion: ANALYZER_VERSION,
      created: result.sbomInput.subject.created,
    });
    if (!quiet) process.stderr.write(`${attached.pushed ? 'attached' : 'already attached'} ${format.id} as ${attached.digest} (${attached.via})\n`);
  }
}

/** `-o` values, checked before anything is pulled; a bad one is a usage error. */
async function outputSpecs(values: string[]) {
  const { parseOutputSpecs, OutputSpecError } = await import('./sbom/formats/output-spec.js');
  try {
    return parseOutputSpecs(values, process.stdout.isTTY === true);
  } catch (e) {
    throw e instanceof OutputSpecError ? new UsageError(e.message) : e;
  }
}

/**
 * `--platform all`: each platform analysed on its own, one after the other (they rarely share layers). Each
 * `-o [FORMAT=]DIR` gets one file per platform; without -o, CycloneDX JSON lines on stdout.
 */
async function scanAllPlatforms(image: string, config: Config, outputs: string[], hooks: AnalysisHooks, quiet = false): Promise<number> {
  const { sbomFormat } = await import('./sbom/formats/index.js');
  const dirs = outputs.map((value) => {
    const eq = value.indexOf('=');
    const format = eq === -1 ? undefined : sbomFormat(value.slice(0, eq));
    if (eq !== -1 && !format) throw new UsageError(`-o ${value}: ${JSON.stringify(value.slice(0, eq))} is not a format`);
    return { format: format ?? sbomFormat('cyclonedx-json')!, dir: eq === -1 ? value : value.slice(eq + 1) };
  });
  const [{ listPlatformImages }, { registryClientFromConfig }] = await Promise.all([import('./image/open.js'), import('./registry/from-config.js')]);
  const client = registryClientFromConfig(config, { plainHttpLoopback: true, allowPrivateAddresses: true });
  const pinned = await listPlatformImages(image, { client, limits: config.limits, allowLocalSources: true });
  for (const { dir } of dirs) await mkdir(dir, { recursive: true });
  for (const one of pinned) {
    const result = await analyze(one, config, undefined, quiet, hooks, false);
    const stem = result.image.platform.replace(/\//g, '-');
    for (const { format, dir } of dirs) {
      const body = format.id === 'cyclonedx-json@1.6' ? result.sbom : format.encode(result.sbomInput);
      await writeFile(join(dir, `${stem}.${format.extension}`), body);
    }
    if (dirs.length === 0) process.stdout.write(`${JSON.stringify(JSON.parse(result.sbom))}\n`); // JSON lines: one document per line
  }
  return 0;
}

/**
 * Resolves once `close` is done after the first SIGTERM/SIGINT. Bounded: the grace period (LAYERLENS_SHUTDOWN_GRACE)
 * for requests and jobs, 5 s more for handing jobs back and closing Redis, then exit 1 — before Kubernetes' SIGKILL
 * at terminationGracePeriodSeconds (deploy/k8s sets it above both).
 */
function untilSignal(config: Config, logger: { info: (o: object, m: string) => void; error?: (o: object, m: string) => void }, close: () => Promise<void>): Promise<void> {
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
