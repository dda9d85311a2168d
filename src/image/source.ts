/**
 * ImageSource: an immutable view of one platform image, whatever medium it came from (a registry, an OCI layout
 * directory). Everything downstream — the layer walker, the catalogers, the SBOM — sees only this interface.
 */
import type { Readable } from 'node:stream';
import type { Descriptor, ImageConfig, ImageManifest } from '../registry/manifest.js';
import type { Platform } from '../registry/platform.js';

export interface Layer {
  /** Position in the manifest, base layer first. */
  index: number;
  /** Digest of the blob as stored (compressed). */
  digest: string;
  /** Digest of the uncompressed tar, from the config's rootfs.diff_ids. */
  diffId: string;
  /** Compressed size from the descriptor. */
  size: number;
  mediaType: string;
  /** The blob's bytes, verified against digest and size while they stream; compressed as stored. */
  open(signal?: AbortSignal): Promise<Readable>;
}

export interface ImageSource {
  /** What the user asked for, as they wrote it (normalised). */
  readonly name: string;
  /** The platform image manifest's digest: the cache key of everything derived from this image. */
  readonly digest: string;
  /** The index the platform was chosen from, when there was one. */
  readonly indexDigest?: string;
  readonly platform: Platform;
  readonly manifest: ImageManifest;
  readonly manifestDescriptor: Descriptor;
  readonly config: ImageConfig;
  /** Where the image lives, for the SBOM's `pkg:oci` purl (`registry/repository`); absent for local sources. */
  readonly repositoryUrl?: string;
  readonly layers: readonly Layer[];
}
