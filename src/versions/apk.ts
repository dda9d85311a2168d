/**
 * Alpine version order, as apk-tools compares them (`apk version -t`): `digit{.digit}…{letter}{_suffix{N}}…{~hash}{-rN}`.
 * Tokens are compared pairwise while both versions have the same kind of token; a digit run with a leading zero
 * compares as a string (Gentoo's rule); when one version runs out, the longer one is newer unless what it has next
 * is a pre-release suffix (`_alpha`, `_beta`, `_pre`, `_rc`).
 */

/** Token kinds in the order apk-tools ranks them when the two versions diverge in kind. */
const enum Kind {
  InitialDigit,
  Digit,
  Letter,
  Suffix,
  SuffixNumber,
  CommitHash,
  Revision,
  End,
  Invalid,
}

/** Suffix ranks: pre-releases below "no suffix" (0), post-releases above. */
const SUFFIX_RANK: Record<string, number> = { alpha: -4, beta: -3, pre: -2, rc: -1, cvs: 1, svn: 2, git: 3, hg: 4, p: 5 };

interface Token {
  kind: Kind;
  text: string;
  number: bigint;
  suffix: number;
}

class Tokenizer {
  private pos = 0;
  private last: Kind = Kind.InitialDigit;
  constructor(private readonly s: string) {}

  private span(test: (c: string) => boolean): string {
    const start = this.pos;
    while (this.pos < this.s.length && test(this.s[this.pos]!)) this.pos++;
    return this.s.slice(start, this.pos);
  }

  private digits(kind: Kind): Token {
    const text = this.span((c) => c >= '0' && c <= '9');
    this.last = text === '' ? Kind.Invalid : kind;
    return { kind: this.last, text, number: text === '' ? 0n : BigInt(text), suffix: 0 };
  }

  first(): Token {
    return this.digits(Kind.InitialDigit);
  }

  next(): Token {
    const invalid = (): Token => ((this.last = Kind.Invalid), { kind: Kind.Invalid, text: '', number: 0n, suffix: 0 });
    if (this.pos >= this.s.length) return { kind: (this.last = Kind.End), text: '', number: 0n, suffix: 0 };
    const c = this.s[this.pos]!;
    if (c >= 'a' && c <= 'z') {
      if (this.last > Kind.Digit) return invalid();
      this.pos++;
      this.last = Kind.Letter;
      return { kind: Kind.Letter, text: c, number: 0n, suffix: 0 };
    }
    if (c === '.' || (c >= '0' && c <= '9')) {
      if (c === '.') {
        if (this.last > Kind.Digit) return invalid();
        this.pos++;
      }
      if (this.last === Kind.InitialDigit || this.last === Kind.Digit) return this.digits(Kind.Digit);
      if (this.last === Kind.Suffix) return this.digits(Kind.SuffixNumber);
      return invalid();
    }
    if (c === '_') {
      if (this.last > Kind.SuffixNumber) return invalid();
      this.pos++;
      const text = this.span((x) => x >= 'a' && x <= 'z');
      const rank = SUFFIX_RANK[text];
      if (rank === undefined) return invalid();
      this.last = Kind.Suffix;
      return { kind: Kind.Suffix, text, number: 0n, suffix: rank };
    }
    if (c === '~') {
      if (this.last >= Kind.CommitHash) return invalid();
      this.pos++;
      const text = this.span((x) => /[0-9a-fA-F]/.test(x));
      if (text === '') return invalid();
      this.last = Kind.CommitHash;
      return { kind: Kind.CommitHash, text, number: 0n, suffix: 0 };
    }
    if (c === '-') {
      if (this.last >= Kind.Revision || this.s[this.pos + 1] !== 'r') return invalid();
      this.pos += 2;
      return this.digits(Kind.Revision);
    }
    return invalid();
  }
}

const sign = (n: number | bigint) => (n < 0 ? -1 : n > 0 ? 1 : 0);

function compareTokens(a: Token, b: Token): number {
  switch (a.kind) {
    case Kind.Digit:
      if (a.text.startsWith('0') || b.text.startsWith('0')) return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
      return sign(a.number - b.number);
    case Kind.InitialDigit:
    case Kind.SuffixNumber:
    case Kind.Revision:
      return sign(a.number - b.number);
    case Kind.Suffix:
      return sign(a.suffix - b.suffix);
    default:
      return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
  }
}

export function isValidApkVersion(version: string): boolean {
  const t = new Tokenizer(version);
  let tok = t.first();
  while (tok.kind < Kind.End) tok = t.next();
  return tok.kind === Kind.End;
}

/** -1, 0 or 1. */
export function compareApkVersions(a: string, b: string): number {
  const ta = new Tokenizer(a);
  const tb = new Tokenizer(b);
  let x = ta.first();
  let y = tb.first();
  while (x.kind === y.kind && x.kind < Kind.End) {
    const r = compareTokens(x, y);
    if (r !== 0) return r;
    x = ta.next();
    y = tb.next();
  }
  if (x.kind === y.kind) return 0;
  if (x.kind === Kind.Suffix && x.suffix < 0) return -1;
  if (y.kind === Kind.Suffix && y.suffix < 0) return 1;
  return x.kind > y.kind ? -1 : 1;
}
