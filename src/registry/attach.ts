/**
 * Attaches an SBOM to the image it describes, as an OCI 1.1 artifact: a manifest whose `subject` is the platform
 * manifest, `artifactType` the SBOM's media type, an empty config and the SBOM as its one layer. The manifest is
 * deterministic (its `created` annotation is the image's creation time), so a rescan makes the same digest and
 * an SBOM already attached is found and not pushed twice.
 *
 * Where the registry answers the Referrers API (`GET /v2/<name>/referrers/<digest>` → 200, or `OCI-Subject` on the
 * manifest PUT) the registry indexes the artifact itself. Otherwise (distribution 2.8 has no Referrers API) the
 * referrers tag schema of the distribution spec: the index tagged `sha256-<hex>` gets the artifact's descriptor,
 * merged into what is there; the merge is re-read after the PUT and retried when a concurrent writer's PUT replaced
 * it (the registry has no conditional PUT to do better), and writers in one process take turns per tag.
 */
import { LayerlensError } from '../errors.js';
import { formatReference, type ImageReference } from './reference.js';
import type { RegistryClient } from './client.js';
import { sha256Digest } from './verify.js';
import { MediaType } from './media-types.js';

export const EMPTY_CONFIG = { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 };
export const ANALYZER_ANNOTATION = 'dev.layerlens.analyzer.version';

export interface AttachRequest {
  /** The repository of the image (registry + repository; tag and digest ignored). */
  image: ImageReference;
  /** The platform manifest digest the SBOM describes. */
  subjectDigest: string;
  /** The SBOM's media type without parameters: `application/vnd.cyclonedx+json`, `application/spdx+json`. */
  artifactType: string;
  body: string;
  /** File name kept as `org.opencontainers.image.title`. */
  fileName: string;
  analyzerVersion: string;
  /** The image's creation time (deterministic: the same manifest on every rescan); the epoch when unknown. */
  created?: string;
  signal?: AbortSignal;
}

export interface AttachResult {
  digest: string;
  /** `referrers-api` or `referrers-tag`: how a client that knows only the image digest finds it. */
  via: 'referrers-api' | 'referrers-tag';
  /** False when the same artifact was already attached (nothing pushed). */
  pushed: boolean;
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

const tagTurns = new Map<string, Promise<unknown>>();
const MERGE_ATTEMPTS = 5;

export async function attachSbom(client: RegistryClient, req: AttachRequest): Promise<AttachResult> {
  const repo: ImageReference = { registry: req.image.registry, repository: req.image.repository };
  const subject = await client.getManifest(repo, req.signal, req.subjectDigest);
  const blob = Buffer.from(req.body, 'utf8');
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: req.artifactType,
      config: EMPTY_CONFIG,
      layers: [{ mediaType: req.artifactType, digest: sha256Digest(blob), size: blob.length, annotations: { 'org.opencontainers.image.title': req.fileName } }],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      annotations: { 'org.opencontainers.image.created': isoDate(req.created), [ANALYZER_ANNOTATION]: req.analyzerVersion },
    }),
  );
  const digest = sha256Digest(manifest);
  const descriptor: Descriptor = {
    mediaType: MediaType.ociManifest,
    digest,
    size: manifest.length,
    artifactType: req.artifactType,
    annotations: { 'org.opencontainers.image.created': isoDate(req.created), [ANALYZER_ANNOTATION]: req.analyzerVersion },
  };
  const listed = await referrers(client, repo, subject.digest, req.signal);
  // Already attached (same SBOM, same analyzer, same image): nothing is pushed, not even the blobs.
  if (listed.manifests.some((m) => m.digest === digest)) return { digest, via: listed.api ? 'referrers-api' : 'referrers-tag', pushed: false };
  await pushBlob(client, repo, Buffer.from('{}'), EMPTY_CONFIG.digest, req.signal);
  await pushBlob(client, repo, blob, sha256Digest(blob), req.signal);
  const put = await client.send(repo, `/manifests/${digest}`, {
    step: `push SBOM manifest ${digest}`,
    method: 'PUT',
    push: true,
    body: manifest,
    headers: { 'content-type': MediaType.ociManifest },
    signal: req.signal,
  });
  put.discard();
  if (listed.api || put.headers.get('oci-subject') === subject.digest) return { digest, via: 'referrers-api', pushed: true };
  const pushed = await inTurn(`${repo.registry}/${repo.repository}@${subject.digest}`, () => mergeIntoTag(client, repo, subject.digest, descriptor, req.signal));
  return { digest, via: 'referrers-tag', pushed };
}

/** The referrers of a digest: through the API when the registry has it, else the `sha256-<hex>` tag's index. */
export async function referrers(client: RegistryClient, repo: ImageReference, digest: string, signal?: AbortSignal): Promise<{ api: boolean; manifests: Descriptor[] }> {
  const res = await client.send(repo, `/referrers/${digest}`, { step: `list referrers of ${digest}`, accept404: true, signal, headers: { accept: MediaType.ociIndex } });
  // A registry with the API answers 200 with an index (empty when nothing refers); 404 means it has none.
  if (res.status === 200 && (res.headers.get('content-type') ?? '').includes(MediaType.ociIndex)) {
    const doc = JSON.parse(await res.text(client.limits.maxManifestBytes)) as { manifests?: Descriptor[] };
    return { api: true, manifests: doc.manifests ?? [] };
  }
  res.discard();
  return { api: false, manifests: (await readTagIndex(client, repo, digest, signal)) ?? [] };
}

function referrersTag(digest: string): string {
  return digest.replace(':', '-');
}

async function readTagIndex(client: RegistryClient, repo: ImageReference, digest: string, signal?: AbortSignal): Promise<Descriptor[] | undefined> {
  const res = await client.send(repo, `/manifests/${referrersTag(digest)}`, { step: `read referrers tag ${referrersTag(digest)}`, accept404: true, signal, headers: { accept: MediaType.ociIndex } });
  if (res.status === 404) {
    res.discard();
    return undefined;
  }
  const doc = JSON.parse(await res.text(client.limits.maxManifestBytes)) as { manifests?: Descriptor[] };
  return doc.manifests ?? [];
}

/** Adds the descriptor to the tag's index (kept: every other referrer); true when it had to be written. */
async function mergeIntoTag(client: RegistryClient, repo: ImageReference, subject: string, descriptor: Descriptor, signal?: AbortSignal): Promise<boolean> {
  let wrote = false;
  for (let attempt = 1; attempt <= MERGE_ATTEMPTS; attempt++) {
    const current = (await readTagIndex(client, repo, subject, signal)) ?? [];
    if (current.some((m) => m.digest === descriptor.digest)) return wrote;
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [...current, descriptor] }));
    const res = await client.send(repo, `/manifests/${referrersTag(subject)}`, {
      step: `update referrers tag ${referrersTag(subject)}`,
      method: 'PUT',
      push: true,
      body: index,
      headers: { 'content-type': MediaType.ociIndex },
      signal,
    });
    res.discard();
    wrote = true;
    // Another process may have written its own merge between our read and our PUT: re-read to see ours survived.
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 80 * attempt));
  }
  throw new LayerlensError('REGISTRY_ERROR', `referrers tag ${referrersTag(subject)} in ${formatReference(repo)} kept losing concurrent updates`, { retryable: true });
}

async function pushBlob(client: RegistryClient, repo: ImageReference, bytes: Buffer, digest: string, signal?: AbortSignal): Promise<void> {
  const head = await client.send(repo, `/blobs/${digest}`, { step: `check blob ${digest}`, method: 'HEAD', accept404: true, push: true, signal });
  head.discard();
  if (head.status === 200) return;
  const start = await client.send(repo, '/blobs/uploads/', { step: `start upload ${digest}`, method: 'POST', push: true, signal, headers: { 'content-length': '0' } });
  start.discard();
  const location = start.headers.get('location');
  if (!location) throw new LayerlensError('REGISTRY_ERROR', 'blob upload answered without a Location', { step: `push blob ${digest}`, retryable: false });
  const url = `${location}${location.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`;
  const put = await client.send(repo, url, {
    step: `push blob ${digest}`,
    method: 'PUT',
    push: true,
    body: bytes,
    signal,
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) },
  });
  put.discard();
}

function inTurn<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = tagTurns.get(key) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(work);
  tagTurns.set(key, next);
  void next.finally(() => {
    if (tagTurns.get(key) === next) tagTurns.delete(key);
  }).catch(() => undefined);
  return next;
}

function isoDate(created: string | undefined): string {
  const d = created ? new Date(created) : undefined;
  return (d && !Number.isNaN(d.getTime()) ? d : new Date(0)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
