import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareApkVersions, isValidApkVersion } from '../../../src/versions/apk.js';
import { compareDebianVersions } from '../../../src/versions/dpkg.js';
import { comparePep440 } from '../../../src/versions/pep440.js';
import { compareSemver } from '../../../src/versions/semver.js';
import { corpus, corpusSkipMessage, hasCorpus } from '../../support/paths.js';

function truthVersions(rel: string, type: string): string[] {
  const out = new Set<string>();
  for (const line of readFileSync(corpus(rel), 'utf8').split('\n')) {
    const [t, , version] = line.split('\t');
    if (t === type && version) out.add(version);
  }
  return [...out];
}

function hasCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Each version against its neighbours and against variants that exercise epochs, `~`, `+` and revisions. */
function pairsOf(versions: string[], variants: (v: string) => string[]): [string, string][] {
  const pairs: [string, string][] = [];
  const sorted = [...versions].sort();
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i]!;
    pairs.push([v, sorted[(i + 1) % sorted.length]!], [v, sorted[(i * 7 + 3) % sorted.length]!]);
    for (const w of variants(v)) pairs.push([v, w]);
  }
  return pairs;
}

const expectOrder = (compare: (a: string, b: string) => number, ordered: string[]) => {
  for (let i = 0; i < ordered.length; i++) {
    for (let j = 0; j < ordered.length; j++) {
      expect([ordered[i], ordered[j], compare(ordered[i]!, ordered[j]!)]).toEqual([ordered[i], ordered[j], Math.sign(i - j)]);
    }
  }
};

describe('Debian versions (dpkg --compare-versions is the judge)', () => {
  const debVariants = (v: string) => [`1:${v}`, `${v}~rc1`, `${v}+b1`, `${v}.1`, v.replace(/\d+$/, (d) => String(Number(d) + 1)), `${v}~`];
  it.skipIf(!hasCorpus || !existsSync('/usr/bin/dpkg'))('agrees with dpkg on pairs built from the corpus truth files', () => {
    const versions = [
      ...truthVersions('debian/debian-bookworm-minbase.truth.tsv', 'deb'),
      ...truthVersions('debian/debian-bookworm-python.truth.tsv', 'deb'),
    ];
    const pairs = pairsOf([...new Set(versions)], debVariants);
    expect(pairs.length).toBeGreaterThan(300);
    // One shell for all pairs: dpkg prints nothing, so each line's exit status says lt, eq or gt.
    const script = pairs
      .map(([a, b]) => `if dpkg --compare-versions '${a}' lt '${b}'; then echo -1; elif dpkg --compare-versions '${a}' eq '${b}'; then echo 0; else echo 1; fi`)
      .join('\n');
    const dpkgSays = execFileSync('sh', ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').map(Number);
    const mismatches = pairs.filter(([a, b], i) => compareDebianVersions(a, b) !== dpkgSays[i]);
    expect(mismatches).toEqual([]);
  });
  it.skipIf(hasCorpus)('corpus pairs', () => console.warn(corpusSkipMessage));

  it('orders epochs, tildes, revisions and letters as deb-version(7) says', () => {
    expectOrder(compareDebianVersions, ['1.0~~', '1.0~~a', '1.0~', '1.0', '1.0-1', '1.0-1+deb12u1', '1.0a', '1.0+b1', '1.0.1', '1.2', '1.10', '1:0.1']);
    expect(compareDebianVersions('3.0.11-1~deb12u2', '3.0.13-1~deb12u1')).toBe(-1);
    expect(compareDebianVersions('1.02', '1.2')).toBe(0);
    expect(compareDebianVersions('0:1.0', '1.0')).toBe(0);
  });
});

describe('Alpine versions', () => {
  it('orders suffixes, letters, revisions and leading zeros as apk-tools does', () => {
    expectOrder(compareApkVersions, [
      '1.0_alpha', '1.0_alpha2', '1.0_beta', '1.0_pre1', '1.0_rc1', '1.0', '1.0-r1', '1.0-r10', '1.0_cvs', '1.0_p1', '1.0_p2', '1.0a', '1.0b', '1.0.1', '1.1', '1.10', '2',
    ]);
    expect(compareApkVersions('3.3.1-r0', '3.3.2-r0')).toBe(-1);
    // A leading zero compares as a string (Gentoo): 1.01 < 1.1, 1.001 < 1.01.
    expect(compareApkVersions('1.01', '1.1')).toBe(-1);
    expect(compareApkVersions('1.001', '1.01')).toBe(-1);
    expect(compareApkVersions('1.0~abc-r0', '1.0-r0')).toBe(1);
    expect(isValidApkVersion('1.2.3_rc1-r4')).toBe(true);
    expect(isValidApkVersion('1.2.3-foo')).toBe(false);
  });

  it.skipIf(!hasCorpus)('is a total order on the corpus versions, consistent with itself', () => {
    const versions = [
      ...truthVersions('alpine/alpine-minirootfs-3.19.4-x86_64.truth.tsv', 'apk'),
      ...truthVersions('alpine/alpine-minirootfs-3.20.3-x86_64.truth.tsv', 'apk'),
    ];
    for (const v of versions) {
      expect(isValidApkVersion(v)).toBe(true);
      expect(compareApkVersions(v, v)).toBe(0);
      expect(compareApkVersions(v, v.replace(/-r(\d+)$/, (_, r) => `-r${Number(r) + 1}`))).toBe(-1);
      expect(compareApkVersions(v.replace(/-r\d+$/, '_rc1'), v.replace(/-r\d+$/, ''))).toBe(-1);
    }
  });

  it.skipIf(!hasCommand('apk'))('agrees with apk version -t', () => {
    const pairs: [string, string][] = [['1.0_rc1', '1.0'], ['1.01', '1.1'], ['1.0-r1', '1.0_p1'], ['2.36.1-r2', '2.36.1-r10']];
    for (const [a, b] of pairs) {
      const said = execFileSync('apk', ['version', '-t', a, b], { encoding: 'utf8' }).trim();
      expect(compareApkVersions(a, b)).toBe(said === '<' ? -1 : said === '>' ? 1 : 0);
    }
  });
});

describe('Python versions (PEP 440)', () => {
  it("orders the specification's own example list", () => {
    expectOrder(comparePep440, [
      '1.dev0', '1.0.dev456', '1.0a1', '1.0a2.dev456', '1.0a12.dev456', '1.0a12', '1.0b1.dev456', '1.0b2', '1.0b2.post345.dev456',
      '1.0b2.post345', '1.0rc1.dev456', '1.0rc1', '1.0', '1.0+abc.5', '1.0+abc.7', '1.0+5', '1.0.post456.dev34', '1.0.post456', '1.0.15', '1.1.dev1',
    ]);
  });
  it('normalises spellings', () => {
    expect(comparePep440('1.0', '1.0.0')).toBe(0);
    expect(comparePep440('1.0-alpha1', '1.0a1')).toBe(0);
    expect(comparePep440('1.0.post', '1.0.post0')).toBe(0);
    expect(comparePep440('1.0-1', '1.0.post1')).toBe(0);
    expect(comparePep440('1!0.1', '2.0')).toBe(1);
    expect(comparePep440('2.31.0', '2.32.0')).toBe(-1);
  });
});

describe('npm versions (SemVer precedence)', () => {
  it("orders the specification's own example list", () => {
    expectOrder(compareSemver, ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '2.0.0', '2.1.0', '2.1.1']);
    expect(compareSemver('1.0.0+build.1', '1.0.0+build.2')).toBe(0);
    expect(compareSemver('4.17.20', '4.17.21')).toBe(-1);
  });
});
