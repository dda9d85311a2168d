/**
 * Parser for dpkg's status database (`var/lib/dpkg/status`, deb822 paragraphs) and for the one-paragraph files of
 * distroless images (`var/lib/dpkg/status.d/NAME`). Keeps the fields the SBOM needs and the relationship fields
 * parsed into alternatives, so that `relate` can resolve them against what is installed.
 */
import { field, firstLine, oneLine, parseParagraphs, type Paragraph } from '../rfc822.js';

/** One alternative of a relationship: `libc6 (>= 2.34)`, `awk:any`, `python3:native` → name + arch qualifier. */
export interface DpkgRelation {
  name: string;
  /** `any`, `native` or an architecture name, when qualified. */
  archQualifier?: string;
}

export interface DpkgEntry {
  name: string;
  version: string;
  arch?: string;
  status?: string;
  /** Source package name; the binary package's own name when no Source field is present. */
  source: string;
  /** Source version; the binary version when Source gives none. */
  sourceVersion: string;
  /** True when the paragraph had its own Source field (binNMUs and renamed binaries). */
  sourceDeclared: boolean;
  multiArch?: string;
  maintainer?: string;
  description?: string;
  homepage?: string;
  installedSize?: number;
  /** Depends then Pre-Depends: each group is a list of alternatives (`a | b`). */
  depends: DpkgRelation[][];
  /** Virtual package names this one provides. */
  provides: string[];
}

export interface DpkgStatusParse {
  entries: DpkgEntry[];
  warnings: string[];
}

export interface DpkgStatusOptions {
  /**
   * Distroless writes one paragraph per file and may omit Status: there the file's presence is the record. In the
   * real status database a paragraph without Status is not an installed package.
   */
  statusOptional?: boolean;
}

/**
 * claircore's rule: the last word of Status (the package state) is `installed` and the error flag is `ok`. This
 * drops `deinstall ok config-files`, `install ok half-installed`, `install ok unpacked`, `install reinstreq …`.
 */
export function isInstalledStatus(status: string | undefined): boolean {
  if (status === undefined) return false;
  const words = status.trim().split(/\s+/);
  return words[words.length - 1] === 'installed' && words.includes('ok');
}

export function parseDpkgStatus(text: string, options: DpkgStatusOptions = {}): DpkgStatusParse {
  const { paragraphs, warnings } = parseParagraphs(text);
  const entries: DpkgEntry[] = [];
  for (const p of paragraphs) {
    const status = oneLine(field(p, 'Status'));
    const installed = status === undefined ? options.statusOptional === true : isInstalledStatus(status);
    if (!installed) continue;
    const entry = toEntry(p, status, warnings);
    if (entry) entries.push(entry);
  }
  return { entries, warnings };
}

function toEntry(p: Paragraph, status: string | undefined, warnings: string[]): DpkgEntry | undefined {
  const name = oneLine(field(p, 'Package'));
  const version = oneLine(field(p, 'Version'));
  if (!name || !version) {
    warnings.push(`paragraph at line ${p.line} (${name ?? 'no Package'}) has no ${name ? 'Version' : 'Package'}; skipped`);
    return undefined;
  }
  const source = parseSource(oneLine(field(p, 'Source')));
  const size = Number(oneLine(field(p, 'Installed-Size')));
  return {
    name,
    version,
    arch: oneLine(field(p, 'Architecture')) || undefined,
    status,
    source: source?.name ?? name,
    sourceVersion: source?.version ?? version,
    sourceDeclared: source !== undefined,
    multiArch: oneLine(field(p, 'Multi-Arch')) || undefined,
    maintainer: oneLine(field(p, 'Maintainer')) || undefined,
    description: firstLine(field(p, 'Description')) || undefined,
    homepage: oneLine(field(p, 'Homepage')) || undefined,
    installedSize: Number.isFinite(size) && size > 0 ? size : undefined,
    depends: [...parseRelations(field(p, 'Pre-Depends')), ...parseRelations(field(p, 'Depends'))],
    provides: parseRelations(field(p, 'Provides')).flatMap((group) => group.map((r) => r.name)),
  };
}

/** `util-linux (2.38.1-5)` → name and version; `bash` → name only. */
export function parseSource(value: string | undefined): { name: string; version?: string } | undefined {
  if (!value) return undefined;
  const m = /^([^\s(]+)\s*(?:\(\s*([^)\s]+)\s*\))?/.exec(value);
  return m ? { name: m[1], version: m[2] } : undefined;
}

const RELATION_NAME = /^([a-z0-9][a-z0-9+.-]*)(?::([a-z0-9-]+))?/i;

/**
 * A relationship field (Debian Policy §7.1): `,` separates requirements, `|` alternatives; version constraints
 * `(>= 1)`, architecture restrictions `[amd64]` and build profiles `<!nocheck>` are dropped.
 */
export function parseRelations(value: string | undefined): DpkgRelation[][] {
  const text = oneLine(value);
  if (!text) return [];
  const groups: DpkgRelation[][] = [];
  for (const requirement of text.split(',')) {
    const alternatives: DpkgRelation[] = [];
    for (const alt of requirement.split('|')) {
      const m = RELATION_NAME.exec(alt.trim());
      if (m) alternatives.push(m[2] ? { name: m[1].toLowerCase(), archQualifier: m[2] } : { name: m[1].toLowerCase() });
    }
    if (alternatives.length) groups.push(alternatives);
  }
  return groups;
}
