/**
 * A stored result body in a requested representation: the stored CycloneDX 1.6 JSON as is, anything else decoded
 * to the domain model and re-encoded (decode-cyclonedx.ts). Plus the names the result caches and ETags use for
 * each representation, so every reader of stored results (API, Harbor adapter, registry attachment) agrees.
 */
import { CYCLONEDX_MEDIA_TYPE } from '../cyclonedx.js';
import { decodeCycloneDx } from '../decode-cyclonedx.js';
import { SBOM_FORMATS, STORED_FORMAT, type SbomFormat, type SbomFormatId } from './index.js';

/** `sbom` for the stored form (its ETag unchanged since before formats), `sbom-FORMAT` for the others. */
export type SbomPart = 'sbom' | `sbom-${SbomFormatId}`;

export function sbomPart(format: SbomFormat): SbomPart {
  return format.id === STORED_FORMAT ? 'sbom' : `sbom-${format.id}`;
}

/** The Content-Type of a result part: an SBOM representation's media type, JSON for the layer report. */
export function resultPartContentType(part: string): string {
  if (part === 'sbom') return CYCLONEDX_MEDIA_TYPE;
  if (part.startsWith('sbom-')) return SBOM_FORMATS.get(part.slice(5) as SbomFormatId)?.mediaType ?? 'application/octet-stream';
  return 'application/json';
}

export function representSbom(stored: string, format: SbomFormat): string {
  return format.id === STORED_FORMAT ? stored : format.encode(decodeCycloneDx(stored));
}
