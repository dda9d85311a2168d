/**
 * What every sender's payload is reduced to: a push of `registry/repository` with a tag, a digest or both. Senders
 * that know only the tag (Docker Hub, Quay) leave the digest to the resolver, the same one POST /v1/analyses uses.
 */
export type Sender = 'distribution' | 'harbor' | 'github' | 'dockerhub' | 'quay';

export interface PushEvent {
  /** Registry host as the sender names it; undefined when the payload does not say (see registry-hosts.ts). */
  registry?: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export interface ParsedWebhook {
  sender: Sender;
  events: PushEvent[];
  /** Why each event that is not an image push was skipped (blob pushes, pulls, deletes, untagged children …). */
  ignored: string[];
}

export const DIGEST = /^sha256:[a-f0-9]{64}$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
/** The distribution spec's repository name grammar. */
const NAME = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;

/** Signatures, attestations and SBOMs that cosign pushes as `sha256-<hex>.sig` tags: not images to analyse. */
const COSIGN_TAG = /^sha256-[a-f0-9]{64}\.(sig|att|sbom)$/;

export function asString(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

export function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Keeps well-formed tags and digests only: payload fields end up in image references. */
export function cleanEvent(e: PushEvent): PushEvent | string {
  if (e.repository.length > 255 || !NAME.test(e.repository)) return `malformed repository ${JSON.stringify(e.repository)}`;
  if (e.tag !== undefined && !TAG.test(e.tag)) return `malformed tag ${JSON.stringify(e.tag)}`;
  if (e.digest !== undefined && !DIGEST.test(e.digest)) return `unsupported digest ${JSON.stringify(e.digest)}`;
  if (!e.tag && !e.digest) return `${e.repository}: neither tag nor digest`;
  if (e.tag && COSIGN_TAG.test(e.tag)) return `${e.repository}:${e.tag} is a signature or attestation`;
  return e;
}

/** `harbor.example.com/library/nginx:1.27` or `…@sha256:…` → the host part, when the first segment is a host. */
export function hostOfResourceUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const stripped = url.replace(/^[a-z]+:\/\//i, '');
  const first = stripped.split('/')[0];
  return first && stripped.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first.toLowerCase() : undefined;
}
