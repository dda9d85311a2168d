/** Python names and requirement strings (PEP 503, PEP 508), only as far as linking installed distributions needs. */

/** PEP 503: lower-case, runs of `-`, `_`, `.` become one `-`. How pip and importlib compare names. */
export function normalizePyName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

export interface Requirement {
  name: string;
  marker?: string;
}

const REQ_NAME = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)/;

/** `MarkupSafe (>=2.0) ; python_version < "3.8"` → name and marker. */
export function parseRequirement(text: string): Requirement | undefined {
  const semi = text.indexOf(';');
  const spec = semi === -1 ? text : text.slice(0, semi);
  const m = REQ_NAME.exec(spec);
  if (!m) return undefined;
  const marker = semi === -1 ? undefined : text.slice(semi + 1).trim() || undefined;
  return marker ? { name: m[1], marker } : { name: m[1] };
}

const NON_LINUX = /\b(?:platform_system|sys_platform|os_name)\s*==\s*['"](?:windows|win32|cygwin|nt|darwin|java)['"]/i;

/**
 * Whether a requirement applies to the installed distribution itself on Linux: extras (`extra == "docs"`) are
 * optional features that were not asked for, and a plain conjunction naming another platform cannot hold. Other
 * markers (python_version …) are kept: the target is linked only if it is installed anyway.
 */
export function appliesByDefault(marker: string | undefined): boolean {
  if (!marker) return true;
  if (/\bextra\s*==/.test(marker)) return false;
  return !(NON_LINUX.test(marker) && !/\bor\b/.test(marker));
}

/**
 * An egg's requires.txt: plain requirement lines, then `[extra]`, `[:marker]` or `[extra:marker]` sections.
 * Returned as PEP 508 strings, the way importlib.metadata's `requires()` presents them.
 */
export function parseRequiresTxt(text: string): string[] {
  const out: string[] = [];
  let marker: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const section = /^\[(.*)\]$/.exec(line);
    if (section) {
      const [extra, condition] = splitOnce(section[1], ':');
      const parts = [condition?.trim() ? `(${condition.trim()})` : '', extra.trim() ? `extra == "${extra.trim()}"` : ''];
      marker = parts.filter(Boolean).join(' and ') || undefined;
      continue;
    }
    out.push(marker ? `${line}; ${marker}` : line);
  }
  return out;
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i === -1 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}
