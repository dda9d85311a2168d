/**
 * Version ranges in the purl-spec's vers syntax (`vers:<scheme>/<constraint>|<constraint>…`), parsed, validated and
 * evaluated with the scheme's own version order. Evaluation follows the spec: `=`/`!=` decide first, then the
 * remaining constraints, sorted by version, form intervals — an open start (`<`, `<=` first), an open end (`>`,
 * `>=` last) and `>…<` pairs between.
 */
import { versionScheme, supportedVersionSchemes, type VersionScheme } from './index.js';

export type Comparator = '<' | '<=' | '>' | '>=' | '=' | '!=';

export interface VersConstraint {
  comparator: Comparator;
  version: string;
}

export interface VersRange {
  scheme: VersionScheme;
  /** Empty when the range is `*` (every version). */
  constraints: VersConstraint[];
  text: string;
}

export class VersError extends Error {}

const MAX_VERS_LENGTH = 4096;
const MAX_CONSTRAINTS = 64;

export function parseVers(text: string): VersRange {
  if (text.length > MAX_VERS_LENGTH) throw new VersError(`the vers range is longer than ${MAX_VERS_LENGTH} characters`);
  const m = /^vers:([a-z0-9.+-]+)\/(.*)$/i.exec(text.replace(/\s+/g, ''));
  if (!m) throw new VersError(`"${text.slice(0, 80)}" is not a vers range (expected vers:<scheme>/<constraints>)`);
  const scheme = versionScheme(m[1]!);
  if (!scheme) {
    throw new VersError(`vers scheme "${m[1]}" is not supported (supported: ${supportedVersionSchemes().join(', ')})`);
  }
  const body = m[2]!;
  if (body === '') throw new VersError('the vers range has no constraints');
  if (body === '*') return { scheme, constraints: [], text };
  const parts = body.split('|');
  if (parts.length > MAX_CONSTRAINTS) throw new VersError(`a vers range takes at most ${MAX_CONSTRAINTS} constraints`);
  const constraints = parts.map((part) => parseConstraint(part, scheme));
  const seen = new Set<string>();
  for (const c of constraints) {
    const key = normalKey(scheme, c.version, constraints);
    if (seen.has(key)) throw new VersError(`version "${c.version}" appears in more than one constraint`);
    seen.add(key);
  }
  return { scheme, constraints: sortConstraints(scheme, constraints), text };
}

function normalKey(scheme: VersionScheme, version: string, all: VersConstraint[]): string {
  // Two spellings of one version (1.0 and 1.0.0 in PEP 440) are one version: key by the first equal one.
  const first = all.find((c) => scheme.compare(c.version, version) === 0);
  return first ? first.version : version;
}

function parseConstraint(part: string, scheme: VersionScheme): VersConstraint {
  if (part === '') throw new VersError('empty constraint between "|" separators');
  if (part === '*') throw new VersError('"*" must be the only constraint of a vers range');
  const m = /^(<=|>=|!=|<|>|=)?(.+)$/.exec(part)!;
  const comparator = (m[1] ?? '=') as Comparator;
  let version: string;
  try {
    version = decodeURIComponent(m[2]!);
  } catch {
    throw new VersError(`constraint "${part}" has an invalid percent-encoding`);
  }
  if (!scheme.isValid(version)) throw new VersError(`"${version}" is not a valid ${scheme.name} version`);
  return { comparator, version };
}

function sortConstraints(scheme: VersionScheme, cs: VersConstraint[]): VersConstraint[] {
  return [...cs].sort((a, b) => scheme.compare(a.version, b.version));
}

function satisfies(scheme: VersionScheme, version: string, c: VersConstraint): boolean {
  const r = scheme.compare(version, c.version);
  switch (c.comparator) {
    case '<':
      return r < 0;
    case '<=':
      return r <= 0;
    case '>':
      return r > 0;
    case '>=':
      return r >= 0;
    case '=':
      return r === 0;
    case '!=':
      return r !== 0;
  }
}

export function versContains(range: VersRange, version: string): boolean {
  const { scheme } = range;
  if (range.constraints.length === 0) return true;
  const ordered: VersConstraint[] = [];
  for (const c of range.constraints) {
    if (c.comparator === '=' && satisfies(scheme, version, c)) return true;
    if (c.comparator === '!=') {
      if (!satisfies(scheme, version, c)) return false;
      continue;
    }
    if (c.comparator !== '=') ordered.push(c);
  }
  if (ordered.length === 0) {
    // Only `!=` (and non-matching `=`) constraints: in range when every `!=` holds and there was no `=`.
    return range.constraints.every((c) => c.comparator === '!=');
  }
  const first = ordered[0]!;
  if ((first.comparator === '<' || first.comparator === '<=') && satisfies(scheme, version, first)) return true;
  const last = ordered[ordered.length - 1]!;
  if ((last.comparator === '>' || last.comparator === '>=') && satisfies(scheme, version, last)) return true;
  for (let i = 0; i + 1 < ordered.length; i++) {
    const lo = ordered[i]!;
    const hi = ordered[i + 1]!;
    if ((lo.comparator === '>' || lo.comparator === '>=') && (hi.comparator === '<' || hi.comparator === '<=')) {
      if (satisfies(scheme, version, lo) && satisfies(scheme, version, hi)) return true;
    }
  }
  return false;
}
