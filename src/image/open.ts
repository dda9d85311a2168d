/**
 * The one entry point from "what the user typed" to an ImageSource: `oci-dir:PATH`, `oci-archive:PATH` and
 * `docker-archive:PATH` (each with an optional `:REF` or `@sha256:…`) read local files; anything else is an image
 * reference in a registry.
 */
import { LayerlensError } from '../errors.js';
import type { Limits } from '../config.js';
import type { RegistryClient } from '../registry/client.js';
import type { Platform } from '../registry/platform.js';
import { parseReference } from '../registry/reference.js';
import { listDockerArchiveImages, openDockerArchive, splitDockerArchiveArgument } from './docker-archive-source.js';
import { listOciArchiveImages, openOciArchive } from './oci-archive-source.js';
import { directoryStore, listLayoutImages, openOciLayout, splitLayoutArgument } from './oci-layout-source.js';
import { openRegistryImage } from './registry-source.js';
import { resolveAllPlatforms, type ResolvedImage } from './resolve.js';
import type { ImageSource } from './source.js';

export interface OpenOptions {
  client: RegistryClient;
  platform?: Platform;
  signal?: AbortSignal;
  limits?: Limits;
  /** Local sources read the server's disk: allowed in the CLI, off in the service unless configured. */
  allowLocalSources?: boolean;
}

const LOCAL_PREFIXES = ['oci-dir:', 'oci-archive:', 'docker-archive:'] as const;

export function isLocalSource(image: string): boolean {
  return LOCAL_PREFIXES.some((p) => image.startsWith(p));
}

function localKind(image: string, options: OpenOptions): { kind: (typeof LOCAL_PREFIXES)[number]; arg: string } | undefined {
  const kind = LOCAL_PREFIXES.find((p) => image.startsWith(p));
  if (!kind) return undefined;
  if (!options.allowLocalSources) {
    throw new LayerlensError('INVALID_REFERENCE', `local image sources (${kind}) are not enabled here (LAYERLENS_ALLOW_LOCAL_SOURCES)`, { retryable: false });
  }
  return { kind, arg: image.slice(kind.length) };
}

export async function openImage(image: string, options: OpenOptions): Promise<ImageSource> {
  const local = localKind(image, options);
  const opts = { platform: options.platform, signal: options.signal, limits: options.limits };
  switch (local?.kind) {
    case 'oci-dir:':
      return openOciLayout(local.arg, opts);
    case 'oci-archive:':
      return openOciArchive(local.arg, opts);
    case 'docker-archive:':
      return openDockerArchive(local.arg, opts);
    default:
      return openRegistryImage(options.client, parseReference(image), { platform: options.platform, signal: options.signal });
  }
}

/**
 * `platform: all`: every image platform IMAGE offers (an index's image entries, artifacts skipped; a single image
 * is itself), each as an argument pinned by digest that openImage accepts — so each is analysed on its own.
 */
export async function listPlatformImages(image: string, options: OpenOptions): Promise<string[]> {
  const local = localKind(image, options);
  switch (local?.kind) {
    case 'oci-dir:': {
      const { dir, ...selector } = splitLayoutArgument(local.arg);
      const digests = await listLayoutImages(directoryStore(dir), selector, image, options.limits);
      return digests.map((d) => `oci-dir:${dir}@${d}`);
    }
    case 'oci-archive:':
      return listOciArchiveImages(local.arg, options.limits);
    case 'docker-archive:':
      return listDockerArchiveImages(local.arg, options.limits);
    default:
      return (await resolveAllPlatforms(options.client, parseReference(image), options.signal)).map((r) => r.pinned);
  }
}

/**
 * A local source as the API sees a registry image: its digest (read from the manifest and config, no layer touched)
 * and an argument pinned to that digest for the worker, e.g. `oci-archive:/data/app.tar@sha256:…`.
 */
export async function resolveLocalImage(image: string, options: OpenOptions): Promise<ResolvedImage> {
  const local = localKind(image, options)!;
  const source = await openImage(image, options);
  const path = local.kind === 'docker-archive:' ? splitDockerArchiveArgument(local.arg).file : splitLayoutArgument(local.arg).dir;
  return {
    name: image,
    digest: source.digest,
    indexDigest: source.indexDigest,
    platform: source.indexDigest ? source.platform : undefined,
    manifest: source.manifest,
    descriptor: source.manifestDescriptor,
    pinned: `${local.kind}${path}@${source.digest}`,
  };
}
