/** Pairs a manifest's layer descriptors with the config's diff_ids, checking that the two agree. */
import type { Readable } from 'node:stream';
import { LayerlensError } from '../errors.js';
import type { Descriptor, ImageConfig, ImageManifest } from '../registry/manifest.js';
import { declaredCompression } from '../registry/media-types.js';
import type { Layer } from './source.js';

/** TOO_LARGE for an image of more layers than `maxLayers`: checked before any layer is requested. */
export function assertLayerCount(manifest: { layers: readonly unknown[] }, maxLayers: number, name: string): void {
  if (manifest.layers.length > maxLayers) {
    throw new LayerlensError('TOO_LARGE', `${name} has ${manifest.layers.length} layers, more than the limit of ${maxLayers} (LAYERLENS_MAX_LAYERS)`, {
      step: 'read manifest',
      retryable: false,
    });
  }
}

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
