/** `layerlens layers`: the layer report as a table or JSON; with --ci, Dive's CI rules. */
import { analyze } from './analyze-image.js';
import type { CommandContext } from './context.js';
import { requireImage, UsageError } from './usage.js';

export async function runLayers({ image, values, config, hooks }: CommandContext): Promise<number> {
  const format = values.format ?? 'table';
  if (format !== 'table' && format !== 'json') throw new UsageError(`--format must be table or json, not ${format}`);
  const layers = await import('../layers/index.js');
  // Rules are read before the pull so a bad .dive-ci fails fast.
  const rules = values.ci ? await ciRules(layers, values) : undefined;
  const result = await analyze(requireImage(image), config, values.platform, values.quiet, hooks);
  process.stdout.write(format === 'json' ? `${JSON.stringify({ image: result.image, ...result.report }, null, 2)}\n` : layers.formatLayerTable(result.report));
  if (!rules) return 0;
  const evaluation = layers.evaluateCiRules(result.report, rules);
  process.stderr.write(layers.formatCiEvaluation(evaluation));
  return evaluation.passed ? 0 : 1;
}

type LayersModule = typeof import('../layers/index.js');

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
