/**
 * Parser for apk's installed database (`lib/apk/db/installed`): blank-line separated records of `X:value` lines
 * (apk-tools' "installed database" format). Only the fields we use are kept; file lists are kept as full paths so
 * that other catalogers can tell which OS package owns a file.
 */

export interface ApkDbEntry {
  name: string;
  version: string;
  arch?: string;
  license?: string;
  origin?: string;
  description?: string;
  url?: string;
  maintainer?: string;
  commit?: string;
  installedSize?: number;
  /** D: tokens as written (`so:libc.musl-x86_64.so.1`, `/bin/sh`, `musl>=1.2`, `!conflict`). */
  depends: string[];
  /** p: tokens as written (`cmd:busybox=1.36.1-r19`). */
  provides: string[];
  /** Files the package installed (F: directory + R: name). */
  files: string[];
}

export interface ApkDbParse {
  entries: ApkDbEntry[];
  warnings: string[];
}

export function parseApkDb(text: string): ApkDbParse {
  const entries: ApkDbEntry[] = [];
  const warnings: string[] = [];
  let cur: Partial<ApkDbEntry> & { depends: string[]; provides: string[]; files: string[] } = newRecord();
  let dir = '';
  let line = 0;
  const finish = () => {
    if (cur.name === undefined && cur.version === undefined) {
      if (cur.files.length) warnings.push(`record ending at line ${line} has files but no P: or V:; skipped`);
    } else if (!cur.name || !cur.version) {
      warnings.push(`record ending at line ${line} (${cur.name ?? 'no name'}) has no ${cur.name ? 'V:' : 'P:'}; skipped`);
    } else {
      entries.push(cur as ApkDbEntry);
    }
    cur = newRecord();
    dir = '';
  };
  for (const raw of text.split('\n')) {
    line++;
    const l = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (l === '') {
      finish();
      continue;
    }
    if (l.length < 2 || l[1] !== ':') continue;
    const value = l.slice(2);
    switch (l[0]) {
      case 'P': cur.name = value; break;
      case 'V': cur.version = value; break;
      case 'A': cur.arch = value; break;
      case 'L': cur.license = value; break;
      case 'o': cur.origin = value; break;
      case 'T': cur.description = value; break;
      case 'U': cur.url = value; break;
      case 'm': cur.maintainer = value; break;
      case 'c': cur.commit = value; break;
      case 'I': cur.installedSize = Number(value) || undefined; break;
      case 'D': pushWords(cur.depends, value); break;
      case 'p': pushWords(cur.provides, value); break;
      case 'F': dir = value; break;
      case 'R': cur.files.push(dir ? `${dir}/${value}` : value); break;
      default: break;
    }
  }
  finish();
  return { entries, warnings };
}

/** Appends the space-separated words of `value`; a loop, because a spread of a huge `D:` line overflows the stack. */
function pushWords(into: string[], value: string): void {
  for (const word of value.split(/\s+/)) if (word) into.push(word);
}

function newRecord() {
  return { depends: [] as string[], provides: [] as string[], files: [] as string[] };
}

/** `so:libc.musl-x86_64.so.1=1` → `so:libc.musl-x86_64.so.1`; `musl>=1.2` → `musl`; `!foo` → undefined. */
export function dependencyName(token: string): string | undefined {
  if (token.startsWith('!')) return undefined;
  const m = /^([^<>=~]+)/.exec(token);
  return m ? m[1] : undefined;
}
