/**
 * Reference → the platform image manifest, without touching the config or any layer: what the API needs to answer
 * "which digest is this?" (the cache key) and what the registry source builds on.
 */
import { LayerlensError } from '../errors.js';
import type { RegistryClient } from '../registry/client.js';
import type { Descriptor, ImageManifest } from '../registry/manifest.js';
import { DEFAULT_PLATFORM, formatPlatform, type Platform } from '../registry/platform.js';
import { formatReference, withDigest, type ImageReference } from '../registry/reference.js';
import { selectPlatform } from './platform-select.js';

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

export async function resolveImage(client: RegistryClient, ref: ImageReference, want: Platform = DEFAULT_PLATFORM, signal?: AbortSignal): Promise<ResolvedImage> {
  const name = formatReference(ref);
  const top = await client.getManifest(ref, signal);
  if (top.document.kind === 'manifest') {
    return {
      name,
      digest: top.digest,
      manifest: top.document,
      descriptor: { mediaType: top.mediaType, digest: top.digest, size: top.size },
      pinned: formatReference(withDigest(ref, top.digest)),
    };
  }
  const descriptor = selectPlatform(top.document, want, name);
  const child = await client.getManifest(withDigest(ref, descriptor.digest), signal);
  if (child.document.kind !== 'manifest') {
    throw new LayerlensError('MANIFEST_INVALID', `${name}: index entry ${descriptor.digest} is not an image manifest`, { retryable: false });
  }
  return {
    name,
    digest: child.digest,
    indexDigest: top.digest,
    platform: descriptor.platform,
    manifest: child.document,
    descriptor,
    pinned: formatReference(withDigest(ref, child.digest)),
  };
}

/** The platform part of a job id: the index entry's platform, or `single` for an image that is not in an index. */
export function platformKey(resolved: ResolvedImage): string {
  return resolved.platform ? formatPlatform(resolved.platform) : 'single';
}
