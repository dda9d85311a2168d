/**
 * Dive's CI gate (`dive --ci`, `.dive-ci`), re-implemented from wagoodman/dive `runtime/ci` (rules.go, evaluator.go)
 * and the CLI's CI options, so the same thresholds give the same verdict:
 * - three rules, defaults lowestEfficiency 0.9, highestWastedBytes disabled, highestUserWastedPercent 0.1; a key
 *   missing from `.dive-ci` keeps its default (commenting a rule out does not disable it — write `disabled`);
 * - a rule is disabled by `disabled`, `off`, `false` or an empty value (any case); disabled rules are skipped;
 * - lowestEfficiency and highestUserWastedPercent are floats in [0, 1]; highestWastedBytes is a go-humanize size
 *   (`20MB` = 20 000 000, `20MiB` = 20 971 520); an invalid value is a configuration error, not a failed rule;
 * - lowestEfficiency fails when threshold > efficiency; highestWastedBytes when wasted > threshold;
 *   highestUserWastedPercent when user-wasted > threshold — all strict, so equality passes;
 * - with no user bytes (a one-layer image, or layers that only delete) Dive divides by zero: NaN when nothing is
 *   wasted (the rule passes), +Inf otherwise (the rule fails). We reproduce both.
 * Precedence: defaults < `.dive-ci` < command-line overrides (Dive ≤ 0.12 with viper flags; Dive 0.13 lets the file
 * win over flags, which surprises people, so we do not follow it there).
 */
import { parse as parseYaml } from 'yaml';
import { parseDiveBytes } from './bytes.js';
import type { LayerReport } from './report.js';

export const RULE_NAMES = ['lowestEfficiency', 'highestWastedBytes', 'highestUserWastedPercent'] as const;
export type RuleName = (typeof RULE_NAMES)[number];

/** Rule settings as written in `.dive-ci` or on the command line. */
export type RuleSettings = Partial<Record<RuleName, string | number | boolean | null>>;

/** Validated rules: a threshold, or 'disabled'. */
export type CiRules = Record<RuleName, number | 'disabled'>;

export const DEFAULT_RULE_SETTINGS: Readonly<Record<RuleName, string>> = {
  lowestEfficiency: '0.9',
  highestWastedBytes: 'disabled',
  highestUserWastedPercent: '0.1',
};

/** Dive 0.13 spells the keys in kebab case in its application config; accepted as aliases. */
const ALIASES: Record<string, RuleName> = {
  'lowest-efficiency-threshold': 'lowestEfficiency',
  'lowest-efficiency': 'lowestEfficiency',
  'highest-wasted-bytes': 'highestWastedBytes',
  'highest-user-wasted-percent': 'highestUserWastedPercent',
};

export class CiConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'CiConfigError';
  }
}

/** Reads a `.dive-ci` document: `rules: {lowestEfficiency, highestWastedBytes, highestUserWastedPercent}`. */
export function parseDiveCiFile(text: string, source = '.dive-ci'): RuleSettings {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new CiConfigError([`${source} is not valid YAML: ${(e as Error).message}`]);
  }
  if (doc === null || doc === undefined) return {};
  if (!isRecord(doc)) throw new CiConfigError([`${source}: expected a mapping with a 'rules' key`]);
  const rules = doc.rules ?? {};
  if (!isRecord(rules)) throw new CiConfigError([`${source}: 'rules' must be a mapping`]);
  const out: RuleSettings = {};
  for (const [key, value] of Object.entries(rules)) {
    const name = (RULE_NAMES as readonly string[]).includes(key) ? (key as RuleName) : ALIASES[key];
    if (name === undefined) continue; // viper ignores unknown keys too
    if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
      throw new CiConfigError([`${source}: rules.${key} must be a number, a size or 'disabled'`]);
    }
    out[name] = value as string | number | boolean | null;
  }
  return out;
}

/** Defaults, then each layer of settings in turn (e.g. the `.dive-ci` file, then command-line flags), validated. */
export function resolveCiRules(...layers: (RuleSettings | undefined)[]): CiRules {
  const merged: Record<RuleName, string> = { ...DEFAULT_RULE_SETTINGS };
  for (const layer of layers) {
    for (const name of RULE_NAMES) {
      if (layer && name in layer && layer[name] !== undefined) merged[name] = layer[name] === null ? '' : String(layer[name]);
    }
  }
  const problems: string[] = [];
  const rules = {} as CiRules;
  for (const name of RULE_NAMES) {
    const value = merged[name];
    if (isDisabled(value)) {
      rules[name] = 'disabled';
      continue;
    }
    const threshold = name === 'highestWastedBytes' ? parseDiveBytes(value) : parseRatio(value);
    if (threshold === undefined) {
      problems.push(
        name === 'highestWastedBytes'
          ? `invalid ${name} value ${JSON.stringify(value)}: expected a size such as 20MB, or 'disabled'`
          : `invalid ${name} value ${JSON.stringify(value)}: expected a ratio between 0 and 1, or 'disabled'`,
      );
      continue;
    }
    rules[name] = threshold;
  }
  if (problems.length) throw new CiConfigError(problems);
  return rules;
}

export interface CiRuleResult {
  rule: RuleName;
  /** null when the rule is disabled. */
  threshold: number | null;
  /** The figure the rule looked at; Infinity / null for Dive's division by zero (see the module comment). */
  actual: number | null;
  passed: boolean;
  status: 'pass' | 'fail' | 'skip';
  message: string;
}

export interface CiEvaluation {
  passed: boolean;
  results: CiRuleResult[];
}

export interface EvaluateOptions {
  /** Which figures to judge: Dive's (default, same verdict as `dive --ci`) or the exact ones (opaque dirs counted). */
  basis?: 'dive' | 'exact';
}

export function evaluateCiRules(report: LayerReport, rules: CiRules = resolveCiRules(), opts: EvaluateOptions = {}): CiEvaluation {
  const figures =
    opts.basis === 'exact'
      ? { efficiency: report.totals.efficiency, wasted: report.totals.wastedBytes, userSize: report.totals.userSize }
      : { efficiency: report.dive.efficiency, wasted: report.dive.wastedBytes, userSize: report.dive.userSizeBytes };
  // Go's float division: x/0 is +Inf for x > 0 and NaN for 0 (NaN compares false, so that rule passes).
  const userWasted = figures.userSize === 0 ? (figures.wasted > 0 ? Infinity : Number.NaN) : figures.wasted / figures.userSize;

  const results = RULE_NAMES.map((rule): CiRuleResult => {
    const threshold = rules[rule];
    if (threshold === 'disabled') return { rule, threshold: null, actual: null, passed: true, status: 'skip', message: 'rule disabled' };
    let failed: boolean;
    let actual: number;
    let message = '';
    switch (rule) {
      case 'lowestEfficiency':
        actual = figures.efficiency;
        failed = threshold > actual;
        if (failed) message = `image efficiency is too low (efficiency=${actual.toFixed(4)} < threshold=${threshold})`;
        break;
      case 'highestWastedBytes':
        actual = figures.wasted;
        failed = actual > threshold;
        if (failed) message = `too many bytes wasted (wasted-bytes=${actual} > threshold=${threshold})`;
        break;
      case 'highestUserWastedPercent':
        actual = userWasted;
        failed = actual > threshold;
        if (failed) {
          const shown = actual === Infinity ? '+Inf' : actual.toFixed(4);
          message = `too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=${shown} > threshold=${threshold})`;
        }
        break;
    }
    return { rule, threshold, actual: Number.isNaN(actual) ? null : actual, passed: !failed, status: failed ? 'fail' : 'pass', message };
  });
  return { passed: results.every((r) => r.passed), results };
}

/** Dive's `--ci` result block: one line per rule (sorted by name, as Dive prints them), then the tally. */
export function formatCiEvaluation(evaluation: CiEvaluation): string {
  const label = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' } as const;
  const lines = ['Results:'];
  for (const r of [...evaluation.results].sort((a, b) => a.rule.localeCompare(b.rule))) {
    lines.push(r.message ? `  ${label[r.status]}: ${r.rule}: ${r.message}` : `  ${label[r.status]}: ${r.rule}`);
  }
  const count = (s: CiRuleResult['status']) => evaluation.results.filter((r) => r.status === s).length;
  lines.push(
    `Result:${evaluation.passed ? 'PASS' : 'FAIL'} [Total:${evaluation.results.length}] [Passed:${count('pass')}] ` +
      `[Failed:${count('fail')}] [Warn:0] [Skipped:${count('skip')}]`,
  );
  return `${lines.join('\n')}\n`;
}

function isDisabled(value: string): boolean {
  return ['', 'disabled', 'off', 'false'].includes(value.trim().toLowerCase());
}

/** Go's strconv.ParseFloat for plain decimals, then Dive's 0–1 range check. */
function parseRatio(value: string): number | undefined {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value)) return undefined;
  const n = Number(value);
  return n >= 0 && n <= 1 ? n : undefined;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
