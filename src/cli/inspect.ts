/** `layerlens inspect` and `layerlens tags`: manifests, configs and tag listings; no layer is pulled. */
import type { CommandContext } from './context.js';
import { UsageError } from './usage.js';

export async function runInspect({ command, image, values, config }: CommandContext): Promise<number> {
  const format = values.format ?? 'table';
  if (format !== 'table' && format !== 'json') throw new UsageError(`--format must be table or json, not ${format}`);
  const { runInspectCommand } = await import('../inspect/cli-command.js');
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new UsageError('--limit must be a whole number ≥ 1');
  if (!image) throw new UsageError(`${command === 'tags' ? 'REPOSITORY' : 'IMAGE'} is missing; see layerlens --help`);
  const { registryClientFromConfig } = await import('../registry/from-config.js');
  const client = registryClientFromConfig(config, { plainHttpLoopback: true, allowPrivateAddresses: true });
  const text = await runInspectCommand(command as 'inspect' | 'tags', image, client, {
    format,
    pattern: values.pattern,
    limit,
    last: values.last,
    redis: values.results ? config.redis : undefined,
  });
  process.stdout.write(text);
  return 0;
}
