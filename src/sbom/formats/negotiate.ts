/**
 * Which SBOM representation a request asks for, from `?format=` or the `Accept` header: a pure function of the two
 * strings, so the API's routes and its cached-body fast path decide alike. `?format=` wins when present. In Accept,
 * ranges are tried by q (then in the order given); `version=` picks the spec version, its absence the newest;
 * `*\/*`, `application/*` and `application/json` mean the stored CycloneDX 1.6 JSON (what the endpoint always served).
 */
import { SBOM_FORMATS, STORED_FORMAT, sbomFormat, type SbomFormat, type SbomFormatId } from './index.js';

export type Negotiation = { ok: true; format: SbomFormat } | { ok: false; reason: 'unknown-format' | 'not-acceptable'; detail: string; supported: string[] };

/** Upper bounds that keep a hostile header from costing more than a glance. */
const MAX_ACCEPT_CHARS = 4096;
const MAX_RANGES = 32;

const stored = SBOM_FORMATS.get(STORED_FORMAT)!;

/** Media types (with versions) GET /v1/sboms can answer with: for 406 bodies and the docs. */
export function supportedMediaTypes(): string[] {
  return [...SBOM_FORMATS.values()].filter((f) => f.document).map((f) => f.mediaType);
}

export function negotiateSbomFormat(accept: string | undefined, format: string | undefined): Negotiation {
  if (format !== undefined) {
    const f = sbomFormat(format);
    if (f) return { ok: true, format: f };
    return { ok: false, reason: 'unknown-format', detail: `format ${JSON.stringify(format.slice(0, 64))} is not one of ${formatIds().join(', ')}`, supported: formatIds() };
  }
  // The fast path of every cached GET: no header, or the one a client that knows us sends.
  if (accept === undefined || accept === '' || accept === '*/*') return { ok: true, format: stored };
  if (accept.length > MAX_ACCEPT_CHARS) return notAcceptable(`Accept header longer than ${MAX_ACCEPT_CHARS} characters`);
  const ranges = parseAccept(accept);
  for (const r of ranges) {
    const f = match(r);
    if (f) return { ok: true, format: f };
  }
  return notAcceptable(`none of ${JSON.stringify(accept.slice(0, 200))} is a representation of this SBOM`);
}

function notAcceptable(why: string): Negotiation {
  const supported = supportedMediaTypes();
  return { ok: false, reason: 'not-acceptable', detail: `${why}; supported: ${supported.join(', ')} (or ?format=${formatIds().join('|')})`, supported };
}

function formatIds(): SbomFormatId[] {
  return [...SBOM_FORMATS.keys()];
}

interface MediaRange {
  type: string;
  version?: string;
  q: number;
}

/** Ranges with q > 0, highest q first; equal q keep the header's order (Array.prototype.sort is stable). */
export function parseAccept(header: string): MediaRange[] {
  const out: MediaRange[] = [];
  for (const part of header.split(',', MAX_RANGES)) {
    const [type, ...params] = part.split(';');
    const range: MediaRange = { type: type.trim().toLowerCase(), q: 1 };
    if (!range.type) continue;
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq === -1) continue;
      const name = p.slice(0, eq).trim().toLowerCase();
      const value = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
      if (name === 'q') range.q = Number.isFinite(Number(value)) ? Number(value) : 0;
      else if (name === 'version') range.version = value;
    }
    if (range.q > 0) out.push(range);
  }
  return out.sort((a, b) => b.q - a.q);
}

function match(r: MediaRange): SbomFormat | undefined {
  if (r.type === '*/*' || r.type === 'application/*' || r.type === 'application/json') return r.version === undefined ? stored : undefined;
  // The first format of a type in the registry is its newest version.
  for (const f of SBOM_FORMATS.values()) {
    if (!f.document || f.baseType !== r.type) continue;
    if (r.version === undefined || r.version === f.version) return f;
  }
  if (r.type === 'text/plain' || r.type === 'text/*') return SBOM_FORMATS.get('table');
  return undefined;
}
