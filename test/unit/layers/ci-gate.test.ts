import { beforeAll, describe, expect, it } from 'vitest';
import {
  CiConfigError,
  evaluateCiRules,
  formatCiEvaluation,
  parseDiveCiFile,
  resolveCiRules,
} from '../../../src/layers/ci-gate.js';
import { buildLayerReport, type LayerReport } from '../../../src/layers/report.js';
import { summary } from './helpers.js';
import { CONFIG, scenario } from './scenario.js';

/** A two-layer image: base 1000 bytes, then 100 bytes that overwrite a 40-byte file. */
function smallImage(): LayerReport {
  return buildLayerReport(
    [
      summary([{ path: 'a', size: 960 }, { path: 'b', size: 40 }]),
      summary([{ path: 'b', size: 100 }], { index: 1 }),
    ],
    {},
  );
}

describe('resolveCiRules', () => {
  it("uses Dive's defaults", () => {
    expect(resolveCiRules()).toEqual({ lowestEfficiency: 0.9, highestWastedBytes: 'disabled', highestUserWastedPercent: 0.1 });
  });

  it('layers the .dive-ci file over the defaults and command-line overrides over the file', () => {
    const file = parseDiveCiFile(
      [
        'rules:',
        '  # If the efficiency is measured below X%, mark as failed.',
        '  lowestEfficiency: 0.95',
        '  highestWastedBytes: 20MB',
        '  # highestUserWastedPercent: 0.30   (commented out: the default 0.1 applies, as in Dive)',
      ].join('\n'),
    );
    expect(file).toEqual({ lowestEfficiency: 0.95, highestWastedBytes: '20MB' });
    expect(resolveCiRules(file)).toEqual({ lowestEfficiency: 0.95, highestWastedBytes: 20_000_000, highestUserWastedPercent: 0.1 });
    expect(resolveCiRules(file, { highestWastedBytes: '1MiB', lowestEfficiency: undefined })).toEqual({
      lowestEfficiency: 0.95,
      highestWastedBytes: 1_048_576,
      highestUserWastedPercent: 0.1,
    });
  });

  it("disables a rule with 'disabled', off, false or an empty value", () => {
    const file = parseDiveCiFile('rules:\n  lowestEfficiency: disabled\n  highestUserWastedPercent: false\n  highestWastedBytes:\n');
    expect(resolveCiRules(file)).toEqual({ lowestEfficiency: 'disabled', highestWastedBytes: 'disabled', highestUserWastedPercent: 'disabled' });
    expect(resolveCiRules({ lowestEfficiency: 'OFF' }).lowestEfficiency).toBe('disabled');
  });

  it('accepts Dive 0.13 kebab-case keys and ignores unknown keys', () => {
    const file = parseDiveCiFile('rules:\n  lowest-efficiency-threshold: 0.5\n  highest-wasted-bytes: 1kB\n  somethingElse: 3\n');
    expect(resolveCiRules(file)).toEqual({ lowestEfficiency: 0.5, highestWastedBytes: 1000, highestUserWastedPercent: 0.1 });
  });

  it('reads an empty file or one without rules as the defaults', () => {
    expect(resolveCiRules(parseDiveCiFile(''))).toEqual(resolveCiRules());
    expect(resolveCiRules(parseDiveCiFile('other: 1\n'))).toEqual(resolveCiRules());
  });

  it('rejects invalid values as a configuration error naming every bad rule', () => {
    expect(() => resolveCiRules({ lowestEfficiency: '1.5', highestWastedBytes: 'lots', highestUserWastedPercent: 'x' })).toThrow(CiConfigError);
    try {
      resolveCiRules({ lowestEfficiency: '1.5', highestWastedBytes: 'lots' });
    } catch (e) {
      expect((e as CiConfigError).problems).toEqual([
        'invalid lowestEfficiency value "1.5": expected a ratio between 0 and 1, or \'disabled\'',
        'invalid highestWastedBytes value "lots": expected a size such as 20MB, or \'disabled\'',
      ]);
    }
    expect(() => parseDiveCiFile('rules: [1, 2]')).toThrow(/'rules' must be a mapping/);
    expect(() => parseDiveCiFile('rules:\n  lowestEfficiency: [0.9]\n')).toThrow(/must be a number/);
    expect(() => parseDiveCiFile('rules: {lowestEfficiency: 0.9')).toThrow(/not valid YAML/);
  });
});

describe('evaluateCiRules', () => {
  it('passes with the default rules when the image is efficient', () => {
    // Dive: a 960 once; b 40 then 100 → min 40, cumulative 140; efficiency 1000/1100; wasted 140; user 140/100
    const report = smallImage();
    expect(report.dive).toMatchObject({ efficiency: 1000 / 1100, wastedBytes: 140, userSizeBytes: 100 });
    const result = evaluateCiRules(report, resolveCiRules({ highestUserWastedPercent: 'disabled' }));
    expect(result.passed).toBe(true);
    expect(result.results).toEqual([
      { rule: 'lowestEfficiency', threshold: 0.9, actual: 1000 / 1100, passed: true, status: 'pass', message: '' },
      { rule: 'highestWastedBytes', threshold: null, actual: null, passed: true, status: 'skip', message: 'rule disabled' },
      { rule: 'highestUserWastedPercent', threshold: null, actual: null, passed: true, status: 'skip', message: 'rule disabled' },
    ]);
  });

  it('fails and names the failing rules', () => {
    const result = evaluateCiRules(smallImage(), resolveCiRules({ lowestEfficiency: '0.95', highestWastedBytes: '100' }));
    expect(result.passed).toBe(false);
    expect(result.results.filter((r) => !r.passed).map((r) => r.rule)).toEqual(['lowestEfficiency', 'highestWastedBytes', 'highestUserWastedPercent']);
    expect(result.results[0].message).toBe('image efficiency is too low (efficiency=0.9091 < threshold=0.95)');
    expect(result.results[1].message).toBe('too many bytes wasted (wasted-bytes=140 > threshold=100)');
    expect(result.results[2].message).toBe(
      'too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=1.4000 > threshold=0.1)',
    );
    expect(formatCiEvaluation(result)).toBe(
      [
        'Results:',
        '  FAIL: highestUserWastedPercent: too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=1.4000 > threshold=0.1)',
        '  FAIL: highestWastedBytes: too many bytes wasted (wasted-bytes=140 > threshold=100)',
        '  FAIL: lowestEfficiency: image efficiency is too low (efficiency=0.9091 < threshold=0.95)',
        'Result:FAIL [Total:3] [Passed:0] [Failed:3] [Warn:0] [Skipped:0]',
        '',
      ].join('\n'),
    );
  });

  it('compares strictly, as Dive does: a value equal to the threshold passes', () => {
    const report = smallImage();
    const rules = resolveCiRules({ lowestEfficiency: String(1000 / 1100), highestWastedBytes: '140', highestUserWastedPercent: 'disabled' });
    expect(evaluateCiRules(report, rules).passed).toBe(true);
    expect(evaluateCiRules(report, resolveCiRules({ highestWastedBytes: '139', lowestEfficiency: 'disabled', highestUserWastedPercent: 'disabled' })).passed).toBe(false);
  });

  it("reproduces Dive's division by zero: no user bytes and no waste passes, waste in delete-only layers fails", () => {
    const single = buildLayerReport([summary([{ path: 'a', size: 5 }])], {});
    const r1 = evaluateCiRules(single);
    expect(r1.passed).toBe(true);
    expect(r1.results[2]).toMatchObject({ rule: 'highestUserWastedPercent', actual: null, passed: true });

    const deleteOnly = buildLayerReport([summary([{ path: 'a', size: 5 }]), summary([], { whiteouts: ['a'], index: 1 })], {});
    expect(deleteOnly.dive).toMatchObject({ wastedBytes: 5, userSizeBytes: 0, userWastedPercent: null });
    const r2 = evaluateCiRules(deleteOnly, resolveCiRules({ lowestEfficiency: 'disabled' }));
    expect(r2.passed).toBe(false);
    expect(r2.results[2]).toMatchObject({ actual: Infinity, passed: false });
    expect(r2.results[2].message).toContain('%-user-wasted-bytes=+Inf > threshold=0.1');
  });

  describe('on the layered test image', () => {
    let report: LayerReport;
    beforeAll(async () => {
      report = buildLayerReport((await scenario()).summaries, CONFIG);
    });

    it('judges Dive figures by default and the exact ones on request (they differ where Dive ignores opaque dirs)', () => {
      const rules = resolveCiRules({ lowestEfficiency: '0.2', highestWastedBytes: '9.6kB', highestUserWastedPercent: 'disabled' });
      const dive = evaluateCiRules(report, rules);
      expect(dive.results.map((r) => [r.rule, r.status])).toEqual([
        ['lowestEfficiency', 'pass'], // 22.8 %
        ['highestWastedBytes', 'fail'], // 10 010
        ['highestUserWastedPercent', 'skip'],
      ]);
      const exact = evaluateCiRules(report, rules, { basis: 'exact' });
      expect(exact.results.map((r) => [r.rule, r.status, r.actual])).toEqual([
        ['lowestEfficiency', 'fail', 1470 / 10970],
        ['highestWastedBytes', 'pass', 9500],
        ['highestUserWastedPercent', 'skip', null],
      ]);
    });
  });
});
