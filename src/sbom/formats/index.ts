/**
 * The one registry of SBOM encodings, keyed by format id. The CLI (`-o FORMAT[=FILE]`), the API (`Accept` /
 * `?format=`) and the registry attachment all pick from it, so a format is added in one place.
 *
 * Every encoder is a pure function of the domain model (SbomInput): the CLI encodes the analysis it just ran, and
 * the API decodes the stored CycloneDX 1.6 JSON back to that model (decode-cyclonedx.ts, an exact round trip) and
 * re-encodes it — no second pull, and one result gives identical bytes in every format whichever way it is asked
 * for. The stored form stays CycloneDX 1.6 JSON: its encoding is the identity on the stored body.
 */
import { encodeCycloneDx, encodeCycloneDxXml, type SbomInput } from '../cyclonedx.js';
import { encodeSpdx } from '../spdx.js';
import { encodePurls, encodeTable } from './table.js';

export type SbomFormatId = 'cyclonedx-json@1.6' | 'cyclonedx-json@1.5' | 'cyclonedx-xml@1.6' | 'cyclonedx-xml@1.5' | 'spdx-json@2.3' | 'table' | 'purls';

export interface SbomFormat {
  id: SbomFormatId;
  /** The Content-Type sent, with its version parameter. */
  mediaType: string;
  /** The media type without parameters, and the spec version its `version=` parameter names (negotiation). */
  baseType: string;
  version?: string;
  /** A file name suffix for `--platform all -o DIR`. */
  extension: string;
  /** An SBOM a machine reads (and the registry can keep), not a view for people. */
  document: boolean;
  encode(input: SbomInput): string;
}

/** The form kept in the result store: what GET /v1/sboms serves without re-encoding. */
export const STORED_FORMAT: SbomFormatId = 'cyclonedx-json@1.6';

const list: SbomFormat[] = [
  cdx('cyclonedx-json@1.6', 'application/vnd.cyclonedx+json', '1.6', 'cdx.json', (i) => encodeCycloneDx(i, '1.6')),
  cdx('cyclonedx-json@1.5', 'application/vnd.cyclonedx+json', '1.5', 'cdx.json', (i) => encodeCycloneDx(i, '1.5')),
  cdx('cyclonedx-xml@1.6', 'application/vnd.cyclonedx+xml', '1.6', 'cdx.xml', (i) => encodeCycloneDxXml(i, '1.6')),
  cdx('cyclonedx-xml@1.5', 'application/vnd.cyclonedx+xml', '1.5', 'cdx.xml', (i) => encodeCycloneDxXml(i, '1.5')),
  cdx('spdx-json@2.3', 'application/spdx+json', '2.3', 'spdx.json', encodeSpdx),
  { id: 'table', mediaType: 'text/plain; charset=utf-8', baseType: 'text/plain', extension: 'txt', document: false, encode: encodeTable },
  { id: 'purls', mediaType: 'text/plain; charset=utf-8', baseType: 'text/plain', extension: 'purls.txt', document: false, encode: encodePurls },
];

function cdx(id: SbomFormatId, baseType: string, version: string, extension: string, encode: (i: SbomInput) => string): SbomFormat {
  return { id, mediaType: `${baseType}; version=${version}`, baseType, version, extension, document: true, encode };
}

export const SBOM_FORMATS: ReadonlyMap<SbomFormatId, SbomFormat> = new Map(list.map((f) => [f.id, f]));

/** Names without a version mean the newest: `cyclonedx-json` is 1.6, `spdx-json` 2.3; Syft's `cyclonedx` and `spdx` too. */
const ALIASES: Record<string, SbomFormatId> = {
  'cyclonedx-json': 'cyclonedx-json@1.6',
  cyclonedx: 'cyclonedx-json@1.6',
  json: 'cyclonedx-json@1.6',
  'cyclonedx-xml': 'cyclonedx-xml@1.6',
  'spdx-json': 'spdx-json@2.3',
  spdx: 'spdx-json@2.3',
  purl: 'purls',
};

/** The format a user-given name means (`spdx-json`, `cyclonedx-json@1.5`, …), or undefined. */
export function sbomFormat(name: string): SbomFormat | undefined {
  const key = name.trim().toLowerCase();
  return SBOM_FORMATS.get((ALIASES[key] ?? key) as SbomFormatId);
}

/** The names a user may give, for help texts and error messages. */
export function sbomFormatNames(): string[] {
  return [...SBOM_FORMATS.keys(), ...Object.keys(ALIASES)].sort();
}
