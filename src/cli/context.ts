import type { AnalysisHooks } from '../analyze.js';
import type { Config } from '../config.js';

/** Parsed command-line options (node:util parseArgs), as cli.ts reads them. */
export type CliValues = Record<string, string | string[] | boolean | undefined> & {
  platform?: string;
  pattern?: string;
  limit?: string;
  last?: string;
  results?: boolean;
  attach?: boolean;
  output?: string[];
  format?: string;
  ci?: boolean;
  quiet?: boolean;
};

export interface CommandContext {
  command: string;
  image: string | undefined;
  values: CliValues;
  config: Config;
  /** The process's tuning hooks (src/runtime/v8-tuning.ts), for the one-shot analyses. */
  hooks: AnalysisHooks;
}
