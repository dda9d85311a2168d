/** An ImageSource backed by a registry: resolves the reference, picks the platform, reads the config. */
import { LayerlensError } from '../errors.js';
import type { RegistryClient } from '../registry/client.js';
import { parseConfig, type ImageConfig, type ImageManifest } from '../registry/manifest.js';
import { isImageManifestMediaType, MediaType } from '../registry/media-types.js';
import { DEFAULT_PLATFORM, normalizePlatform, type Platform } from '../registry/platform.js';
import type { ImageReference } from '../registry/reference.js';
import { resolveImage } from './resolve.js';
import { buildLayers } from './layers-of.js';
import type { ImageSource } from './source.js';

export async function openRegistryImage(
  client: RegistryClient,
  ref: ImageReference,
  options: { platform?: Platform; signal?: AbortSignal } = {},
): Promise<ImageSource> {
  const want = options.platform ?? DEFAULT_PLATFORM;
  const resolved = await resolveImage(client, ref, options.platform, options.signal);
  const { manifest, name } = resolved;
  assertImage(manifest, name);
  const configBytes = await client.getBlobBytes(ref, manifest.config, options.signal);
  const config = parseConfig(configBytes, `${name} config`);
  return {
    name,
    digest: resolved.digest,
    indexDigest: resolved.indexDigest,
    platform: platformOf(config, resolved.platform ?? want),
    manifest,
    manifestDescriptor: { ...resolved.descriptor, digest: resolved.digest },
    config,
    repositoryUrl: `${ref.registry}/${ref.repository}`,
    layers: buildLayers(manifest, config, name, (desc, signal) => client.openBlob(ref, desc, signal)),
  };
}

/** Refuses manifests that are not container images (SBOM and signature artifacts, Helm charts …). */
export function assertImage(manifest: ImageManifest, name: string): void {
  const configType = manifest.config.mediaType;
  const isImageConfig = configType === MediaType.ociConfig || configType === MediaType.dockerConfig || configType === '';
  if (manifest.artifactType || !isImageConfig) {
    throw new LayerlensError(
      'UNSUPPORTED_MEDIA_TYPE',
      `${name} is an artifact (${manifest.artifactType ?? configType}), not a container image`,
      { retryable: false },
    );
  }
  if (!isImageManifestMediaType(manifest.mediaType)) {
    throw new LayerlensError('UNSUPPORTED_MEDIA_TYPE', `${name}: unsupported manifest media type ${manifest.mediaType}`, { retryable: false });
  }
}

export function platformOf(config: ImageConfig, fallback: Platform): Platform {
  if (config.os && config.architecture) {
    return normalizePlatform({ os: config.os, architecture: config.architecture, variant: config.variant });
  }
  return normalizePlatform(fallback);
}
