/**
 * The manifest documents we read, parsed defensively: registries and tools differ from the spec's examples (umoci
 * writes no `mediaType`, so the `Content-Type` header or the document's shape decides what it is).
 */
import { LayerlensError } from '../errors.js';
import { DIGEST_PATTERN } from './reference.js';
import { MediaType, isImageManifestMediaType, isIndexMediaType, isSchema1 } from './media-types.js';
import type { Platform } from './platform.js';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
  urls?: string[];
  artifactType?: string;
}

export interface ImageManifest {
  kind: 'manifest';
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
  artifactType?: string;
}

export interface ImageIndex {
  kind: 'index';
  mediaType: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export type ManifestDocument = ImageManifest | ImageIndex;

/** Image config (the parts we use). */
export interface ImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  author?: string;
  config?: {
    Env?: string[];
    Entrypoint?: string[];
    Cmd?: string[];
    Labels?: Record<string, string>;
    User?: string;
    ExposedPorts?: Record<string, unknown>;
    WorkingDir?: string;
  };
  rootfs?: { type?: string; diff_ids?: string[] };
  history?: HistoryEntry[];
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  comment?: string;
  author?: string;
  empty_layer?: boolean;
}

export function parseManifest(body: Buffer, contentType: string | undefined, where: string): ManifestDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    throw new LayerlensError('MANIFEST_INVALID', `${where}: manifest is not JSON`, { retryable: false });
  }
  if (!isObject(doc)) throw new LayerlensError('MANIFEST_INVALID', `${where}: manifest is not a JSON object`);
  const declared = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  const header = contentType?.split(';')[0].trim();
  const mediaType = declared ?? (header && header !== 'application/json' ? header : undefined) ?? shapeOf(doc);
  if (isSchema1(mediaType) || doc.schemaVersion === 1) {
    throw new LayerlensError(
      'UNSUPPORTED_MEDIA_TYPE',
      `${where}: Docker schema 1 manifests are deprecated and not supported; re-push the image with a current client`,
      { retryable: false },
    );
  }
  if (isIndexMediaType(mediaType) || (!mediaType && Array.isArray(doc.manifests))) {
    if (!Array.isArray(doc.manifests)) throw invalid(where, 'index has no manifests array');
    return {
      kind: 'index',
      mediaType: mediaType ?? MediaType.ociIndex,
      manifests: doc.manifests.map((d, i) => parseDescriptor(d, `${where}: manifests[${i}]`)),
      annotations: stringMap(doc.annotations),
    };
  }
  if (isImageManifestMediaType(mediaType) || (!mediaType && isObject(doc.config))) {
    if (!isObject(doc.config)) throw invalid(where, 'manifest has no config descriptor');
    const layers = Array.isArray(doc.layers) ? doc.layers : [];
    return {
      kind: 'manifest',
      mediaType: mediaType ?? MediaType.ociManifest,
      config: parseDescriptor(doc.config, `${where}: config`),
      layers: layers.map((d, i) => parseDescriptor(d, `${where}: layers[${i}]`)),
      annotations: stringMap(doc.annotations),
      artifactType: typeof doc.artifactType === 'string' ? doc.artifactType : undefined,
    };
  }
  throw new LayerlensError('UNSUPPORTED_MEDIA_TYPE', `${where}: not an image manifest or index (${mediaType ?? 'unknown media type'})`, {
    retryable: false,
  });
}

export function parseConfig(body: Buffer, where: string): ImageConfig {
  try {
    const doc = JSON.parse(body.toString('utf8'));
    if (!isObject(doc)) throw new Error('not an object');
    return doc as ImageConfig;
  } catch (e) {
    throw new LayerlensError('MANIFEST_INVALID', `${where}: image config is not a JSON object`, { cause: e, retryable: false });
  }
}

function shapeOf(doc: Record<string, unknown>): string | undefined {
  if (Array.isArray(doc.manifests)) return MediaType.ociIndex;
  if (isObject(doc.config) && Array.isArray(doc.layers)) return MediaType.ociManifest;
  return undefined;
}

function parseDescriptor(d: unknown, where: string): Descriptor {
  if (!isObject(d)) throw invalid(where, 'descriptor is not an object');
  if (typeof d.digest !== 'string' || !DIGEST_PATTERN.test(d.digest)) {
    throw invalid(where, `descriptor digest ${JSON.stringify(d.digest)} is not a sha256 digest`);
  }
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw invalid(where, 'descriptor size is not a non-negative integer');
  const platform = isObject(d.platform) && typeof d.platform.os === 'string' && typeof d.platform.architecture === 'string'
    ? (d.platform as unknown as Platform)
    : undefined;
  return {
    mediaType: typeof d.mediaType === 'string' ? d.mediaType : '',
    digest: d.digest,
    size: d.size,
    platform,
    annotations: stringMap(d.annotations),
    urls: Array.isArray(d.urls) ? d.urls.filter((u): u is string => typeof u === 'string') : undefined,
    artifactType: typeof d.artifactType === 'string' ? d.artifactType : undefined,
  };
}

function invalid(where: string, why: string): LayerlensError {
  return new LayerlensError('MANIFEST_INVALID', `${where}: ${why}`, { retryable: false });
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function stringMap(x: unknown): Record<string, string> | undefined {
  if (!isObject(x)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(x)) if (typeof v === 'string') out[k] = v;
  return out;
}
