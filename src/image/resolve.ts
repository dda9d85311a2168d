/**
 * Reference → the platform image manifest, without touching the config or any layer: what the API needs to answer
 * "which digest is this?" (the cache key) and what the registry source builds on.
 */
import { LayerlensError } from '../errors.js';
import type { FetchedManifest, RegistryClient } from '../registry/client.js';
import { parseConfig, type Descriptor, type ImageManifest } from '../registry/manifest.js';
import { MediaType } from '../registry/media-types.js';
import { DEFAULT_PLATFORM, formatPlatform, normalizePlatform, platformMatches, type Platform } from '../registry/platform.js';
import { formatReference, withDigest, type ImageReference } from '../registry/reference.js';
import { assertLayerCount } from './layers-of.js';
import { imageEntries, selectPlatform } from './platform-select.js';

export interface ResolvedImage {
  /** Normalised reference as asked. */
  name: string;
  digest: string;
  indexDigest?: string;
  /** The index entry's platform when chosen from an index. */
  platform?: Platform;
  manifest: ImageManifest;
  descriptor: Descriptor;
  /** `registry/repository@digest` of the platform image. */
  pinned: string;
}

/**
 * `want` undefined means "the default platform, or whatever a single-platform image is". A platform asked for
 * explicitly must also hold for a single-platform image: its config (one small blob) is read to check it, so
 * `windows/amd64` of a Linux image is a PLATFORM_NOT_FOUND, not the Linux result.
 */
export async function resolveImage(client: RegistryClient, ref: ImageReference, want?: Platform, signal?: AbortSignal): Promise<ResolvedImage> {
  const name = formatReference(ref);
  const top = await client.getManifest(ref, signal);
  if (top.document.kind === 'manifest') {
    const image = single(ref, name, top);
    assertLayerCount(image.manifest, client.limits.maxLayers, name);
    if (want) await assertSinglePlatform(client, ref, image, want, signal);
    return image;
  }
  return child(client, ref, name, top, selectPlatform(top.document, want ?? DEFAULT_PLATFORM, name), signal);
}

async function assertSinglePlatform(client: RegistryClient, ref: ImageReference, image: ResolvedImage, want: Platform, signal?: AbortSignal): Promise<void> {
  const configType = image.manifest.config.mediaType;
  // Artifacts are refused later with their own error; only an image config says which platform it is.
  if (configType !== MediaType.ociConfig && configType !== MediaType.dockerConfig) return;
  const config = parseConfig(await client.getBlobBytes(ref, image.manifest.config, signal), `${image.name} config`);
  if (!config.os || !config.architecture) return;
  const have = normalizePlatform({ os: config.os, architecture: config.architecture, variant: config.variant });
  if (!platformMatches(want, have)) {
    throw new LayerlensError('PLATFORM_NOT_FOUND', `${image.name} is a single-platform image for ${formatPlatform(have)}, not ${formatPlatform(want)}`, {
      image: image.name,
      retryable: false,
    });
  }
}

function single(ref: ImageReference, name: string, top: FetchedManifest): ResolvedImage {
  return {
    name,
    digest: top.digest,
    manifest: top.document as ImageManifest,
    descriptor: { mediaType: top.mediaType, digest: top.digest, size: top.size },
    pinned: formatReference(withDigest(ref, top.digest)),
  };
}

async function child(
  client: RegistryClient,
  ref: ImageReference,
  name: string,
  top: FetchedManifest,
  descriptor: Descriptor,
  signal?: AbortSignal,
): Promise<ResolvedImage> {
  const fetched = await client.getManifest(withDigest(ref, descriptor.digest), signal);
  if (fetched.document.kind !== 'manifest') {
    throw new LayerlensError('MANIFEST_INVALID', `${name}: index entry ${descriptor.digest} is not an image manifest`, { image: name, retryable: false });
  }
  assertLayerCount(fetched.document, client.limits.maxLayers, name);
  return {
    name,
    digest: fetched.digest,
    indexDigest: top.digest,
    platform: descriptor.platform,
    manifest: fetched.document,
    descriptor,
    pinned: formatReference(withDigest(ref, fetched.digest)),
  };
}

/**
 * `platform: "all"`: every image platform of an index (attestations and other artifact entries skipped), each
 * resolved to its own manifest and digest — so each is analysed and cached on its own. A reference to a single image
 * yields that image. Child manifests are fetched one after the other: an index rarely lists more than a handful.
 */
export async function resolveAllPlatforms(client: RegistryClient, ref: ImageReference, signal?: AbortSignal): Promise<ResolvedImage[]> {
  const name = formatReference(ref);
  const top = await client.getManifest(ref, signal);
  if (top.document.kind === 'manifest') return [single(ref, name, top)];
  const entries = imageEntries(top.document);
  if (entries.length === 0) {
    throw new LayerlensError('PLATFORM_NOT_FOUND', `${name} is an index without image entries (only artifacts or nested indexes)`, {
      image: name,
      retryable: false,
    });
  }
  const out: ResolvedImage[] = [];
  for (const descriptor of entries) out.push(await child(client, ref, name, top, descriptor, signal));
  return out;
}

/** The platform part of a job id: the index entry's platform, or `single` for an image that is not in an index. */
export function platformKey(resolved: ResolvedImage): string {
  return resolved.platform ? formatPlatform(resolved.platform) : 'single';
}
