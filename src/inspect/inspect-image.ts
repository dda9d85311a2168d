/**
 * `layerlens inspect`: what an image is, from the registry alone — the manifest or index, each platform's manifest
 * (for its size) and, for a single image, the config blob. Never a layer: sizes come from descriptors, history and
 * metadata from the config.
 */
import { LayerlensError } from '../errors.js';
import { isArtifactEntry } from '../image/platform-select.js';
import type { Descriptor, HistoryEntry, ImageConfig, ImageIndex, ImageManifest } from '../registry/manifest.js';
import { parseConfig } from '../registry/manifest.js';
import { isIndexMediaType } from '../registry/media-types.js';
import { formatPlatform, type Platform } from '../registry/platform.js';
import { formatReference, withDigest, type ImageReference } from '../registry/reference.js';
import { mapLimit } from '../util/map-limit.js';
import type { RegistryReader } from './registry-reader.js';
import { analysisOf, type Analysis } from './result-summary.js';
import type { ResultStore } from '../cache/stores.js';

export interface InspectOptions {
  signal?: AbortSignal;
  /** Child manifests fetched at once for an index (default 4). */
  concurrency?: number;
  /** Where layerlens' own results are read from; without it no `analysis` is reported. */
  results?: Pick<ResultStore, 'getMeta' | 'getLayers'>;
}

export interface PlatformEntry {
  /** `os/arch[/variant]`, normalised as elsewhere in layerlens. */
  platform: string;
  os: string;
  architecture: string;
  variant?: string;
  osVersion?: string;
  digest: string;
  mediaType: string;
  /** Σ config + layer sizes of that platform's manifest (what a pull downloads, compressed). */
  size: number;
  layers: number;
  analysis?: Analysis;
}

export interface ArtifactEntry {
  kind: 'attestation' | 'artifact';
  digest: string;
  mediaType: string;
  artifactType?: string;
  /** The manifest this entry is about (`vnd.docker.reference.digest`), e.g. the image an attestation describes. */
  refersTo?: string;
  size: number;
}

export interface LayerEntry {
  digest: string;
  mediaType: string;
  size: number;
}

export interface HistoryItem {
  created?: string;
  createdBy?: string;
  comment?: string;
  emptyLayer: boolean;
  /** The layer this step made; absent for empty steps (ENV, CMD …) and for history longer than the layer list. */
  layerDigest?: string;
}

export interface ImageDetails {
  configDigest: string;
  os?: string;
  architecture?: string;
  variant?: string;
  osVersion?: string;
  created?: string;
  author?: string;
  labels: Record<string, string>;
  env: string[];
  entrypoint: string[] | null;
  cmd: string[] | null;
  exposedPorts: string[];
  user: string | null;
  workingDir: string | null;
  /** Σ config + layer sizes, compressed. */
  size: number;
  layers: LayerEntry[];
  history: HistoryItem[];
  analysis?: Analysis;
}

export type Inspection =
  | { reference: string; digest: string; mediaType: string; kind: 'index'; platforms: PlatformEntry[]; artifacts: ArtifactEntry[] }
  | { reference: string; digest: string; mediaType: string; kind: 'image'; image: ImageDetails };

export async function inspectImage(reader: RegistryReader, ref: ImageReference, options: InspectOptions = {}): Promise<Inspection> {
  const reference = formatReference(ref);
  const top = await reader.getManifest(ref, options.signal);
  const head = { reference, digest: top.digest, mediaType: top.mediaType };
  if (top.document.kind === 'manifest') {
    const image = await imageDetails(reader, ref, top.document, options.signal);
    if (options.results) image.analysis = await analysisOf(options.results, top.digest);
    return { ...head, kind: 'image', image };
  }
  const { images, artifacts } = splitIndex(top.document);
  const platforms = await mapLimit(images, options.concurrency ?? 4, async (d) => {
    const entry = await platformEntry(reader, ref, d, reference, options.signal);
    if (options.results) entry.analysis = await analysisOf(options.results, d.digest);
    return entry;
  });
  return { ...head, kind: 'index', platforms, artifacts };
}

/** Image entries and the rest (attestations, signatures, nested indexes), told apart as analysis does. */
export function splitIndex(index: ImageIndex): { images: Descriptor[]; artifacts: ArtifactEntry[] } {
  const images: Descriptor[] = [];
  const artifacts: ArtifactEntry[] = [];
  for (const d of index.manifests) {
    if (!isArtifactEntry(d) && !isIndexMediaType(d.mediaType)) {
      images.push(d);
      continue;
    }
    const type = d.annotations?.['vnd.docker.reference.type'];
    artifacts.push({
      kind: type === 'attestation-manifest' ? 'attestation' : 'artifact',
      digest: d.digest,
      mediaType: d.mediaType,
      artifactType: d.artifactType,
      refersTo: d.annotations?.['vnd.docker.reference.digest'],
      size: d.size,
    });
  }
  return { images, artifacts };
}

/** One platform of an index: its child manifest is fetched (not its config, not its layers) for the size. */
export async function platformEntry(reader: RegistryReader, ref: ImageReference, d: Descriptor, where: string, signal?: AbortSignal): Promise<PlatformEntry> {
  const child = await reader.getManifest(withDigest(ref, d.digest), signal);
  if (child.document.kind !== 'manifest') {
    throw new LayerlensError('MANIFEST_INVALID', `${where}: index entry ${d.digest} is not an image manifest`, { image: where, retryable: false });
  }
  return {
    ...platformFields(d.platform),
    digest: d.digest,
    mediaType: d.mediaType || child.mediaType,
    size: manifestSize(child.document),
    layers: child.document.layers.length,
  };
}

/** An entry without a platform (some tools write that for a single-image index) is shown as unknown/unknown. */
export function platformFields(p: Platform | undefined): Pick<PlatformEntry, 'platform' | 'os' | 'architecture' | 'variant' | 'osVersion'> {
  const os = p?.os || 'unknown';
  const architecture = p?.architecture || 'unknown';
  return {
    platform: formatPlatform({ os, architecture, variant: p?.variant }),
    os,
    architecture,
    ...(p?.variant ? { variant: p.variant } : {}),
    ...(p?.['os.version'] ? { osVersion: p['os.version'] } : {}),
  };
}

export function manifestSize(m: ImageManifest): number {
  return m.config.size + m.layers.reduce((a, l) => a + l.size, 0);
}

async function imageDetails(reader: RegistryReader, ref: ImageReference, m: ImageManifest, signal?: AbortSignal): Promise<ImageDetails> {
  const config = parseConfig(await reader.getBlobBytes(ref, m.config, signal), `${formatReference(ref)} config`);
  const c = config.config ?? {};
  return {
    configDigest: m.config.digest,
    os: config.os,
    architecture: config.architecture,
    variant: config.variant,
    osVersion: (config as ImageConfig & { 'os.version'?: string })['os.version'],
    created: config.created,
    author: config.author,
    labels: c.Labels ?? {},
    env: c.Env ?? [],
    entrypoint: c.Entrypoint ?? null,
    cmd: c.Cmd ?? null,
    exposedPorts: Object.keys(c.ExposedPorts ?? {}).sort(),
    user: c.User || null,
    workingDir: c.WorkingDir || null,
    size: manifestSize(m),
    layers: m.layers.map((l) => ({ digest: l.digest, mediaType: l.mediaType, size: l.size })),
    history: pairHistory(config.history ?? [], m.layers),
  };
}

/** Each step that made a layer gets the next layer in order (the rule of `docker history` and layers/history.ts). */
export function pairHistory(history: readonly HistoryEntry[], layers: readonly Descriptor[]): HistoryItem[] {
  let next = 0;
  return history.map((h) => {
    const emptyLayer = h.empty_layer === true;
    const layer = emptyLayer ? undefined : layers[next++];
    return {
      ...(h.created ? { created: h.created } : {}),
      ...(h.created_by ? { createdBy: h.created_by } : {}),
      ...(h.comment ? { comment: h.comment } : {}),
      emptyLayer,
      ...(layer ? { layerDigest: layer.digest } : {}),
    };
  });
}

/** OS/ARCH of a single image, from its config: what a tag listing shows for a tag that is not an index. */
export function configPlatform(config: ImageConfig): Platform {
  return { os: config.os ?? '', architecture: config.architecture ?? '', variant: config.variant, 'os.version': (config as { 'os.version'?: string })['os.version'] };
}
