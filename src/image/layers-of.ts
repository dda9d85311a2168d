/** Pairs a manifest's layer descriptors with the config's diff_ids, checking that the two agree. */
import type { Readable } from 'node:stream';
import { LayerlensError } from '../errors.js';
import type { Descriptor, ImageConfig, ImageManifest } from '../registry/manifest.js';
import { declaredCompression } from '../registry/media-types.js';
import type { Layer } from './source.js';

export function buildLayers(
  manifest: ImageManifest,
  config: ImageConfig,
  name: string,
  open: (desc: Descriptor, signal?: AbortSignal) => Promise<Readable>,
): Layer[] {
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) {
    throw new LayerlensError(
      'MANIFEST_INVALID',
      `${name}: the manifest lists ${manifest.layers.length} layers but the config has ${diffIds.length} diff_ids`,
      { retryable: false },
    );
  }
  return manifest.layers.map((desc, index) => {
    if (desc.mediaType && declaredCompression(desc.mediaType) === undefined) {
      throw new LayerlensError('UNSUPPORTED_MEDIA_TYPE', `${name}: layer ${index} has the unsupported media type ${desc.mediaType}`, {
        retryable: false,
      });
    }
    return {
      index,
      digest: desc.digest,
      diffId: diffIds[index],
      size: desc.size,
      mediaType: desc.mediaType,
      open: (signal?: AbortSignal) => open(desc, signal),
    };
  });
}
