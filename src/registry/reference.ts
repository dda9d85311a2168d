/**
 * Image references as the Docker CLI reads them: `alpine` is `docker.io/library/alpine:latest`, a first path part
 * with a dot, a colon or `localhost` is a registry host. Parsing is delegated to @swimlane/docker-reference, a port
 * of distribution's own grammar; this module adds the defaults and the domain type.
 */
import { parseFamiliarName } from '@swimlane/docker-reference';
import { LayerlensError } from '../errors.js';

export interface ImageReference {
  /** Registry host as users name it (`docker.io`, `ghcr.io`, `127.0.0.1:5000`). */
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;

export function parseReference(text: string): ImageReference {
  const trimmed = text.trim();
  if (!trimmed || trimmed.length > 1024) {
    throw new LayerlensError('INVALID_REFERENCE', `not an image reference: ${JSON.stringify(text.slice(0, 80))}`);
  }
  let parsed;
  try {
    parsed = parseFamiliarName(trimmed);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new LayerlensError('INVALID_REFERENCE', `${JSON.stringify(trimmed)}: ${reason}`, { retryable: false });
  }
  const registry = parsed.domain ?? 'docker.io';
  const repository = parsed.repository;
  if (!repository) throw new LayerlensError('INVALID_REFERENCE', `${JSON.stringify(trimmed)} names no repository`);
  const digest = parsed.digest;
  if (digest && !DIGEST_PATTERN.test(digest)) {
    throw new LayerlensError('INVALID_REFERENCE', `unsupported digest ${digest}: only sha256 is supported`);
  }
  return { registry, repository, tag: parsed.tag ?? (digest ? undefined : 'latest'), digest };
}

/** The canonical string: `docker.io/library/alpine:3.20@sha256:…`. */
export function formatReference(ref: ImageReference): string {
  let s = `${ref.registry}/${ref.repository}`;
  if (ref.tag) s += `:${ref.tag}`;
  if (ref.digest) s += `@${ref.digest}`;
  return s;
}

/** The same repository pinned to a digest (tags dropped: a digest is what was analysed). */
export function withDigest(ref: ImageReference, digest: string): ImageReference {
  return { registry: ref.registry, repository: ref.repository, digest };
}

/** Docker Hub's API lives on another host than the name users write. */
export function apiHost(registry: string): string {
  return registry === 'docker.io' ? 'registry-1.docker.io' : registry;
}

export function isLoopbackHost(registry: string): boolean {
  const host = hostOf(registry);
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** `host:port` → `host` (IPv6 brackets kept off). */
export function hostOf(registry: string): string {
  if (registry.startsWith('[')) return registry.slice(1, registry.indexOf(']'));
  const i = registry.lastIndexOf(':');
  return i === -1 ? registry : registry.slice(0, i);
}
