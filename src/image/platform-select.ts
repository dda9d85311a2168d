/**
 * Choosing one image out of an index: the requested platform (linux/amd64 by default), never an attestation or other
 * artifact entry (BuildKit marks those with `vnd.docker.reference.type` and an unknown/unknown platform).
 */
import { LayerlensError } from '../errors.js';
import type { Descriptor, ImageIndex } from '../registry/manifest.js';
import { isIndexMediaType } from '../registry/media-types.js';
import { formatPlatform, platformMatches, type Platform } from '../registry/platform.js';

export function isArtifactEntry(d: Descriptor): boolean {
  if (d.annotations?.['vnd.docker.reference.type']) return true;
  if (d.artifactType) return true;
  return d.platform?.os === 'unknown' || d.platform?.architecture === 'unknown';
}

export function imageEntries(index: ImageIndex): Descriptor[] {
  return index.manifests.filter((d) => !isArtifactEntry(d) && !isIndexMediaType(d.mediaType));
}

export function selectPlatform(index: ImageIndex, want: Platform, where: string): Descriptor {
  const candidates = imageEntries(index);
  const match = candidates.find((d) => d.platform && platformMatches(want, d.platform));
  if (match) return match;
  // An index without platform fields on its single image entry (some tools write that) is that image.
  if (candidates.length === 1 && !candidates[0].platform) return candidates[0];
  const offered = candidates.map((d) => (d.platform ? formatPlatform(d.platform) : 'unspecified')).join(', ') || 'none';
  throw new LayerlensError('PLATFORM_NOT_FOUND', `${where} has no image for ${formatPlatform(want)} (it offers: ${offered})`, {
    retryable: false,
  });
}
