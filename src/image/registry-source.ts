/** An ImageSource backed by a registry: resolves the reference, picks the platform, reads the config. */
import { LayerlensError } from '../errors.js';
import type { RegistryClient } from '../registry/client.js';
import { parseConfig, type Descriptor, type ImageConfig, type ImageManifest } from '../registry/manifest.js';
import { isImageManifestMediaType, MediaType } from '../registry/media-types.js';
import { DEFAULT_PLATFORM, normalizePlatform, type Platform } from '../registry/platform.js';
import { formatReference, withDigest, type ImageReference } from '../registry/reference.js';
import { selectPlatform } from './platform-select.js';
import { buildLayers } from './layers-of.js';
import type { ImageSource } from './source.js';

export async function openRegistryImage(
  client: RegistryClient,
  ref: ImageReference,
  options: { platform?: Platform; signal?: AbortSignal } = {},
): Promise<ImageSource> {
  const want = options.platform ?? DEFAULT_PLATFORM;
  const name = formatReference(ref);
  const top = await client.getManifest(ref, options.signal);
  let manifest: ImageManifest;
  let digest = top.digest;
  let indexDigest: string | undefined;
  let descriptor: Descriptor = { mediaType: top.mediaType, digest: top.digest, size: top.size };
  if (top.document.kind === 'index') {
    indexDigest = top.digest;
    descriptor = selectPlatform(top.document, want, name);
    const child = await client.getManifest(withDigest(ref, descriptor.digest), options.signal);
    if (child.document.kind !== 'manifest') {
      throw new LayerlensError('MANIFEST_INVALID', `${name}: index entry ${descriptor.digest} is not an image manifest`, { retryable: false });
    }
    manifest = child.document;
    digest = child.digest;
  } else {
    manifest = top.document;
  }
  assertImage(manifest, name);
  const configBytes = await client.getBlobBytes(ref, manifest.config, options.signal);
  const config = parseConfig(configBytes, `${name} config`);
  return {
    name,
    digest,
    indexDigest,
    platform: platformOf(config, descriptor.platform ?? want),
    manifest,
    manifestDescriptor: { ...descriptor, digest },
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
