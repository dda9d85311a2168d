/** The layer-size report: build it from LayerSummaries, print it, gate CI on it. */
export { buildLayerReport } from './report.js';
export type { ImageTotals, LayerEntryCounts, LayerInfo, LayerReport, LayerReportOptions } from './report.js';
export type { DiveInefficiency, DiveMetrics } from './dive.js';
export { formatLayerTable, shortenCreatedBy, type TableOptions } from './table.js';
export { formatBytes, parseDiveBytes } from './bytes.js';
export {
  CiConfigError,
  DEFAULT_RULE_SETTINGS,
  RULE_NAMES,
  evaluateCiRules,
  formatCiEvaluation,
  parseDiveCiFile,
  resolveCiRules,
  type CiEvaluation,
  type CiRuleResult,
  type CiRules,
  type EvaluateOptions,
  type RuleName,
  type RuleSettings,
} from './ci-gate.js';
