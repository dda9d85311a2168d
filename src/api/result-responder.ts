/**
 * The one responder of `GET /v1/sboms/{digest}` and `GET /v1/layers/{digest}`. Both ways a request reaches it use
 * these functions and nothing else decides what is answered: the node:http fast path (cached-result-listener.ts,
 * bodies already in memory, no Hono objects) and the Hono route (routes/results.ts: misses, errors, the debug access
 * log). What a request names (digest check, SBOM negotiation by Accept or ?format=), its ETag and 304, and the body
 * variant (gzip or identity) it gets are decided here once; API keys by auth.ts's `authenticate`, request ids by
 * request-id.ts — for both paths.
 */
import { bodyVariant, resultEtag, type Bytes, type CachedBody, type ResultPart } from '../cache/result-body-cache.js';
import { ANALYZER_VERSION } from '../catalog/catalogers.js';
import { DIGEST_PATTERN } from '../registry/reference.js';
import type { SbomFormat } from '../sbom/formats/index.js';
import { negotiateSbomFormat } from '../sbom/formats/negotiate.js';
import { sbomPart } from '../sbom/formats/represent.js';

export type ResultKind = 'sbom' | 'layers';

/** The representation a request names. `stored`: served from the stored bytes (the layer report, CycloneDX 1.6 JSON). */
export interface ResultTarget {
  what: ResultKind;
  digest: string;
  part: ResultPart;
  /** For an SBOM: the negotiated format. */
  format?: SbomFormat;
  stored: boolean;
  etag: string;
}

export interface ResultRefusal {
  status: 400 | 406;
  code: string;
  detail: string;
  extra?: Record<string, unknown>;
}

export type TargetOutcome = { ok: true; target: ResultTarget } | ({ ok: false } & ResultRefusal);

/** Digest check and, for an SBOM, content negotiation (Accept, `?format=`): the representation or why not. */
export function resultTarget(what: ResultKind, digest: string, accept: string | undefined, format: string | undefined): TargetOutcome {
  if (!DIGEST_PATTERN.test(digest)) return { ok: false, status: 400, code: 'INVALID_DIGEST', detail: `${JSON.stringify(digest)} is not a sha256 digest` };
  if (what === 'layers') return { ok: true, target: { what, digest, part: 'layers', stored: true, etag: resultEtag(ANALYZER_VERSION, 'layers', digest) } };
  const negotiated = negotiateSbomFormat(accept, format);
  if (!negotiated.ok) return { ok: false, status: 406, code: 'NOT_ACCEPTABLE', detail: negotiated.detail, extra: { supported: negotiated.supported } };
  const part = sbomPart(negotiated.format);
  return { ok: true, target: { what, digest, part, format: negotiated.format, stored: part === 'sbom', etag: resultEtag(ANALYZER_VERSION, part, digest) } };
}

const ROUTES: ReadonlyArray<[prefix: string, what: ResultKind]> = [
  ['/v1/sboms/', 'sbom'],
  ['/v1/layers/', 'layers'],
];

/** The target of a raw request URL when it is exactly one of the two routes (the fast path has no router). */
export function resultTargetOfUrl(url: string | undefined, accept: string | undefined): TargetOutcome | undefined {
  if (url === undefined) return undefined;
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  for (const [prefix, what] of ROUTES) {
    if (!path.startsWith(prefix)) continue;
    const digest = path.slice(prefix.length);
    const format = what === 'sbom' && query !== -1 ? (new URLSearchParams(url.slice(query + 1)).get('format') ?? undefined) : undefined;
    return resultTarget(what, digest, accept, format);
  }
  return undefined;
}

/** True when the client already holds this representation (`If-None-Match` is its strong ETag). */
export function notModified(target: Pick<ResultTarget, 'etag'>, ifNoneMatch: string | undefined): boolean {
  return ifNoneMatch !== undefined && ifNoneMatch === target.etag;
}

export type ResultAnswer = { status: 304; headers: Record<string, string> } | { status: 200; headers: Record<string, string>; body: Bytes };

/** A prepared body's answer: 304 for a matching ETag, else the variant (gzip or identity) the client accepts. */
export function answerFromBody(cached: CachedBody, ifNoneMatch: string | undefined, acceptEncoding: string | undefined): ResultAnswer {
  if (notModified(cached, ifNoneMatch)) return { status: 304, headers: notModifiedHeaders(cached.etag) };
  const { body, headers } = bodyVariant(cached, acceptEncoding);
  return { status: 200, headers, body };
}

const notModifiedByEtag = new Map<string, Record<string, string>>();

/** `{etag}` objects, one per ETag (bounded: the map is cleared when it grows large), so a 304 allocates nothing. */
function notModifiedHeaders(etag: string): Record<string, string> {
  let h = notModifiedByEtag.get(etag);
  if (!h) {
    if (notModifiedByEtag.size >= 4096) notModifiedByEtag.clear();
    h = { etag };
    notModifiedByEtag.set(etag, h);
  }
  return h;
}

/** The 404 detail both paths mean (only the route writes it: the fast path declines a miss). */
export function notFoundDetail(what: ResultKind, digest: string): string {
  return `no ${what === 'sbom' ? 'SBOM' : 'layer report'} for ${digest} from analyzer ${ANALYZER_VERSION}; POST /v1/analyses to create it`;
}
