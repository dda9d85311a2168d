/**
 * The one entry point from "what the user typed" to an ImageSource: `oci-dir:PATH[:REF]` for an OCI layout
 * directory, anything else an image reference in a registry.
 */
import { LayerlensError } from '../errors.js';
import type { Limits } from '../config.js';
import type { RegistryClient } from '../registry/client.js';
import type { Platform } from '../registry/platform.js';
import { parseReference } from '../registry/reference.js';
import { openOciLayout } from './oci-layout-source.js';
import { openRegistryImage } from './registry-source.js';
import type { ImageSource } from './source.js';

export interface OpenOptions {
  client: RegistryClient;
  platform?: Platform;
  signal?: AbortSignal;
  limits?: Limits;
  /** Local sources read the server's disk: allowed in the CLI, off in the service unless configured. */
  allowLocalSources?: boolean;
}

const LOCAL_PREFIXES = ['oci-dir:', 'oci-archive:', 'docker-archive:'];

export function isLocalSource(image: string): boolean {
  return LOCAL_PREFIXES.some((p) => image.startsWith(p));
}

export async function openImage(image: string, options: OpenOptions): Promise<ImageSource> {
  if (isLocalSource(image)) {
    if (!options.allowLocalSources) {
      throw new LayerlensError('INVALID_REFERENCE', `local image sources (${image.split(':')[0]}:) are not enabled here`, { retryable: false });
    }
    if (image.startsWith('oci-dir:')) {
      return openOciLayout(image.slice('oci-dir:'.length), { platform: options.platform, signal: options.signal, limits: options.limits });
    }
    throw new LayerlensError('INVALID_REFERENCE', `${image.split(':')[0]}: sources are not supported yet; use oci-dir:`, { retryable: false });
  }
  return openRegistryImage(options.client, parseReference(image), { platform: options.platform, signal: options.signal });
}
