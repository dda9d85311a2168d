/**
 * `docker-archive:PATH[:NAME:TAG|:@INDEX|@sha256:…]`: the output of `docker save` (or `skopeo copy …
 * docker-archive:`), read in place through the tar index. Its `manifest.json` lists, per image, the config file and
 * the layer tars — `ID/layer.tar` in the classic layout, `blobs/sha256/HEX` since Docker 25 — usually uncompressed.
 *
 * There is no registry manifest in such an archive, so one is synthesised (Docker schema 2, the layers as stored) and
 * its digest is the image's cache key, like go-containerregistry's tarball images. It differs from the digest the same
 * image has in a registry, where the layers are compressed; the layer diff_ids are the same.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { pipeline, PassThrough, type Readable } from 'node:stream';
import { LayerlensError } from '../errors.js';
import { defaultLimits, type Limits } from '../config.js';
import { parseConfig, type Descriptor, type ImageConfig, type ImageManifest } from '../registry/manifest.js';
import { MediaType } from '../registry/media-types.js';
import { DEFAULT_PLATFORM } from '../registry/platform.js';
import { formatReference, parseReference } from '../registry/reference.js';
import { sha256Digest, verifyingStream } from '../registry/verify.js';
import { sniffCompression } from './decompress.js';
import { buildLayers } from './layers-of.js';
import type { LayoutOpenOptions } from './oci-layout-source.js';
import { platformOf } from './registry-source.js';
import type { ImageSource } from './source.js';
import { TarArchive, type TarMember } from './tar-index.js';

interface ArchiveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

const PINNED = /@(sha256:[a-f0-9]{64})$/;
const LAYER_MEDIA_TYPE = { none: 'application/vnd.docker.image.rootfs.diff.tar', gzip: MediaType.dockerLayerGzip, zstd: MediaType.ociLayerZstd };

/** PATH, PATH:NAME:TAG, PATH:@N or PATH@sha256:…; the path is the longest prefix up to a colon that exists. */
export function splitDockerArchiveArgument(arg: string): { file: string; ref?: string; digest?: string } {
  const pinned = PINNED.exec(arg);
  if (pinned) return { file: arg.slice(0, pinned.index), digest: pinned[1] };
  if (existsSync(arg)) return { file: arg };
  for (let i = arg.indexOf(':'); i > 0; i = arg.indexOf(':', i + 1)) {
    if (existsSync(arg.slice(0, i))) return { file: arg.slice(0, i), ref: arg.slice(i + 1) };
  }
  return { file: arg };
}

interface OpenedImage {
  manifest: ImageManifest;
  body: Buffer;
  digest: string;
  config: ImageConfig;
  members: Map<string, TarMember>;
}

export async function openDockerArchive(arg: string, options: LayoutOpenOptions = {}): Promise<ImageSource> {
  const { file, ref, digest } = splitDockerArchiveArgument(arg);
  const name = `docker-archive:${arg}`;
  const limits = options.limits ?? defaultLimits;
  const archive = await TarArchive.open(file, name);
  const entries = await readArchiveManifest(archive, name, limits);
  let image: OpenedImage;
  if (digest) {
    const all = await Promise.all(entries.map((e) => synthesise(archive, e, name, limits)));
    const hit = all.find((i) => i.digest === digest);
    if (!hit) throw new LayerlensError('MANIFEST_UNKNOWN', `${name}: no image with manifest digest ${digest}`, { retryable: false });
    image = hit;
  } else {
    image = await synthesise(archive, pickEntry(entries, ref, name), name, limits);
  }
  const step = (d: Descriptor) => `read layer ${d.digest}`;
  return {
    name,
    digest: image.digest,
    platform: platformOf(image.config, options.platform ?? DEFAULT_PLATFORM),
    manifest: image.manifest,
    manifestDescriptor: { mediaType: MediaType.dockerManifest, digest: image.digest, size: image.body.length },
    config: image.config,
    layers: buildLayers(image.manifest, image.config, name, async (desc) => {
      if (desc.size > limits.maxLayerBytes) {
        throw new LayerlensError('TOO_LARGE', `layer of ${desc.size} bytes exceeds LAYERLENS_MAX_LAYER_BYTES`, { step: step(desc), image: name, retryable: false });
      }
      const out = new PassThrough({ highWaterMark: 1024 * 1024 });
      pipeline(archive.stream(image.members.get(desc.digest)!), verifyingStream(desc.digest, desc.size, step(desc)), out, () => undefined);
      return out;
    }),
  };
}

/** Every image in the archive, as pinned arguments (`platform: all`: a docker archive holds one platform per image). */
export async function listDockerArchiveImages(arg: string, limits: Limits = defaultLimits): Promise<string[]> {
  const { file, ref, digest } = splitDockerArchiveArgument(arg);
  if (digest) return [`docker-archive:${arg}`];
  const name = `docker-archive:${arg}`;
  const archive = await TarArchive.open(file, name);
  const entries = await readArchiveManifest(archive, name, limits);
  const chosen = ref ? [pickEntry(entries, ref, name)] : entries;
  const out: string[] = [];
  for (const e of chosen) out.push(`docker-archive:${file}@${(await synthesise(archive, e, name, limits)).digest}`);
  return out;
}

async function readArchiveManifest(archive: TarArchive, name: string, limits: Limits): Promise<ArchiveEntry[]> {
  const member = archive.find('manifest.json');
  if (!member) throw new LayerlensError('SOURCE_INVALID', `${name} has no manifest.json: not a docker save archive`, { retryable: false });
  let doc: unknown;
  try {
    doc = JSON.parse((await archive.read(member, limits.maxManifestBytes, name)).toString('utf8'));
  } catch (e) {
    if (e instanceof LayerlensError) throw e;
    throw new LayerlensError('SOURCE_INVALID', `${name}: manifest.json is not JSON`, { retryable: false });
  }
  const valid =
    Array.isArray(doc) &&
    doc.length > 0 &&
    doc.every((e) => typeof e?.Config === 'string' && Array.isArray(e.Layers) && e.Layers.every((l: unknown) => typeof l === 'string'));
  if (!valid) throw new LayerlensError('SOURCE_INVALID', `${name}: manifest.json is not a list of {Config, Layers} entries`, { retryable: false });
  return doc as ArchiveEntry[];
}

function pickEntry(entries: ArchiveEntry[], ref: string | undefined, name: string): ArchiveEntry {
  if (ref?.startsWith('@')) {
    const i = Number(ref.slice(1));
    if (!Number.isInteger(i) || !entries[i]) throw new LayerlensError('MANIFEST_UNKNOWN', `${name}: no image at index ${ref.slice(1)}`, { retryable: false });
    return entries[i];
  }
  if (ref) {
    const want = canonical(ref);
    const hit = entries.find((e) => (e.RepoTags ?? []).some((t) => t === ref || canonical(t) === want));
    if (!hit) throw new LayerlensError('MANIFEST_UNKNOWN', `${name}: no image tagged ${ref}`, { retryable: false });
    return hit;
  }
  if (entries.length === 1) return entries[0];
  const tags = entries.flatMap((e) => e.RepoTags ?? []);
  throw new LayerlensError('SOURCE_INVALID', `${name} holds ${entries.length} images; name one as docker-archive:PATH:NAME:TAG or :@INDEX (${tags.join(', ') || 'none is tagged'})`, {
    retryable: false,
  });
}

/** `alpine:3.19` and `docker.io/library/alpine:3.19` are one name. */
function canonical(tag: string): string | undefined {
  try {
    return formatReference(parseReference(tag));
  } catch {
    return undefined;
  }
}

async function synthesise(archive: TarArchive, entry: ArchiveEntry, name: string, limits: Limits): Promise<OpenedImage> {
  const configMember = archive.find(entry.Config);
  if (!configMember) throw new LayerlensError('SOURCE_INVALID', `${name}: config ${entry.Config} is missing`, { retryable: false });
  const configBytes = await archive.read(configMember, limits.maxManifestBytes, name);
  const config = parseConfig(configBytes, `${name} config`);
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== entry.Layers.length) {
    throw new LayerlensError('SOURCE_INVALID', `${name}: manifest.json lists ${entry.Layers.length} layers, the config ${diffIds.length} diff_ids`, { retryable: false });
  }
  const members = new Map<string, TarMember>();
  const layers: Descriptor[] = [];
  for (const [i, path] of entry.Layers.entries()) {
    const member = archive.find(path);
    if (!member) throw new LayerlensError('SOURCE_INVALID', `${name}: layer ${path} is missing`, { retryable: false });
    const compression = sniffCompression(await archive.read({ ...member, size: Math.min(4, member.size) }, 4, name));
    const digest = await layerDigest(archive, member, path, compression === 'none' ? diffIds[i] : undefined, limits, name);
    members.set(digest, member);
    layers.push({ mediaType: LAYER_MEDIA_TYPE[compression], digest, size: member.size });
  }
  const manifest: ImageManifest = {
    kind: 'manifest',
    mediaType: MediaType.dockerManifest,
    config: { mediaType: MediaType.dockerConfig, digest: sha256Digest(configBytes), size: configBytes.length },
    layers,
  };
  const body = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: manifest.mediaType,
      config: manifest.config,
      layers: layers.map((l) => ({ mediaType: l.mediaType, size: l.size, digest: l.digest })),
    }),
  );
  return { manifest, body, digest: sha256Digest(body), config, members };
}

/**
 * The digest of a layer member as stored: its file name when content-addressed (`blobs/sha256/HEX`), the diff_id when
 * it is an uncompressed tar (they are then the same bytes), else hashed once here — compressed classic layers are rare.
 */
async function layerDigest(archive: TarArchive, member: TarMember, path: string, diffId: string | undefined, limits: Limits, name: string): Promise<string> {
  const addressed = /(?:^|\/)blobs\/sha256\/([a-f0-9]{64})$/.exec(path);
  if (addressed) return `sha256:${addressed[1]}`;
  if (diffId) return diffId;
  if (member.size > limits.maxLayerBytes) {
    throw new LayerlensError('TOO_LARGE', `${name}: layer ${path} of ${member.size} bytes exceeds LAYERLENS_MAX_LAYER_BYTES`, { retryable: false });
  }
  const hash = createHash('sha256');
  for await (const chunk of archive.stream(member) as Readable) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}
