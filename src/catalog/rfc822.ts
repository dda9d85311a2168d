/**
 * The `Name: value` header format shared by dpkg's status database and DEP-5 copyright files (deb822) and by
 * Python's METADATA / PKG-INFO (email headers): a field starts at column 0, a line starting with a space or a tab
 * continues the previous field, a blank line ends a paragraph. Fields may repeat (Requires-Dist, Classifier), so a
 * paragraph keeps every field in order. Lines that fit neither shape are counted as warnings, not errors: the
 * input may be truncated or binary.
 */

export interface HeaderField {
  /** As written; compare case-insensitively (both formats are case-insensitive). */
  name: string;
  /** First line, then each continuation line without its one leading whitespace character, joined by `\n`. */
  value: string;
}

export interface Paragraph {
  /** 1-based line of the paragraph's first field, for warnings. */
  line: number;
  fields: HeaderField[];
}

export interface ParagraphParse {
  paragraphs: Paragraph[];
  warnings: string[];
  /** Text after the first paragraph when `firstOnly` (a METADATA body is the long description). */
  body?: string;
}

export interface ParagraphOptions {
  /** Stop after the first paragraph (email headers); the rest is returned as `body`. */
  firstOnly?: boolean;
  /** deb822 allows `#` comment lines in some files (not in the status database); skip them when true. */
  comments?: boolean;
}

/** Warnings about malformed lines are capped: a binary file would otherwise produce one per line. */
const MAX_LINE_WARNINGS = 5;

const FIELD = /^([!-9;-~][!-9;-~]*):(.*)$/;

export function parseParagraphs(text: string, options: ParagraphOptions = {}): ParagraphParse {
  const paragraphs: Paragraph[] = [];
  const warnings: string[] = [];
  let badLines = 0;
  let current: Paragraph | undefined;
  let last: HeaderField | undefined;
  let lineNo = 0;
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl === -1 ? text.length : nl;
    const line = text.charCodeAt(end - 1) === 13 ? text.slice(pos, end - 1) : text.slice(pos, end);
    pos = end + 1;
    lineNo++;
    if (line.trim() === '') {
      if (!current) continue;
      paragraphs.push(current);
      current = undefined;
      last = undefined;
      if (options.firstOnly) return { paragraphs, warnings: capped(warnings, badLines), body: text.slice(Math.min(pos, text.length)) };
      continue;
    }
    if (options.comments && line.startsWith('#')) continue;
    if (line[0] === ' ' || line[0] === '\t') {
      if (last) last.value += `\n${line.slice(1)}`;
      else badLines = warnBadLine(warnings, badLines, lineNo, 'continuation line without a field');
      continue;
    }
    const m = FIELD.exec(line);
    if (!m) {
      badLines = warnBadLine(warnings, badLines, lineNo, 'not a "Name: value" field');
      continue;
    }
    if (!current) current = { line: lineNo, fields: [] };
    last = { name: m[1], value: m[2].trim() };
    current.fields.push(last);
  }
  if (current) paragraphs.push(current);
  return { paragraphs, warnings: capped(warnings, badLines), body: options.firstOnly ? '' : undefined };
}

function capped(warnings: string[], badLines: number): string[] {
  return badLines > MAX_LINE_WARNINGS ? [...warnings, `${badLines - MAX_LINE_WARNINGS} more malformed lines ignored`] : warnings;
}

function warnBadLine(warnings: string[], count: number, line: number, why: string): number {
  if (count < MAX_LINE_WARNINGS) warnings.push(`line ${line}: ${why}; ignored`);
  return count + 1;
}

/** The first value of a field (case-insensitive name), or undefined. */
export function field(p: Paragraph, name: string): string | undefined {
  const lower = name.toLowerCase();
  return p.fields.find((f) => f.name.toLowerCase() === lower)?.value;
}

/** Every value of a repeatable field, in order. */
export function fieldsNamed(p: Paragraph, name: string): string[] {
  const lower = name.toLowerCase();
  return p.fields.filter((f) => f.name.toLowerCase() === lower).map((f) => f.value);
}

/** A field whose continuation lines only wrap a list (Depends, Provides): one line. */
export function oneLine(value: string | undefined): string | undefined {
  return value?.replace(/\s*\n\s*/g, ' ').trim();
}

/** The first line of a field whose continuation is free text (Description, DEP-5 License). */
export function firstLine(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const nl = value.indexOf('\n');
  return (nl === -1 ? value : value.slice(0, nl)).trim();
}
