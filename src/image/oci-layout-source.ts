/**
 * An ImageSource over an OCI image layout directory (`oci-layout`, `index.json`, `blobs/sha256/…`), as written by
 * skopeo, umoci, buildah or `docker buildx --output type=oci`. `oci-dir:PATH:REF` picks the manifest whose
 * `org.opencontainers.image.ref.name` is REF; without REF the layout must hold exactly one image (or one index).
 */
import { createReadStream, existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline, PassThrough, type Readable } from 'node:stream';
import { LayerlensError } from '../errors.js';
import { defaultLimits, type Limits } from '../config.js';
import { parseConfig, parseManifest, type Descriptor, type ImageIndex, type ManifestDocument } from '../registry/manifest.js';
import { DEFAULT_PLATFORM, type Platform } from '../registry/platform.js';
import { verifyBytes, verifyingStream } from '../registry/verify.js';
import { buildLayers } from './layers-of.js';
import { selectPlatform } from './platform-select.js';
import { assertImage, platformOf } from './registry-source.js';
import type { ImageSource } from './source.js';

const REF_NAME = 'org.opencontainers.image.ref.name';

/** `PATH` or `PATH:REF`; a PATH that exists as written wins over splitting at the last colon. */
export function splitLayoutArgument(arg: string): { dir: string; refName?: string } {
  if (existsSync(arg)) return { dir: arg };
  const i = arg.lastIndexOf(':');
  if (i > 0) return { dir: arg.slice(0, i), refName: arg.slice(i + 1) };
  return { dir: arg };
}

export async function openOciLayout(
  arg: string,
  options: { platform?: Platform; signal?: AbortSignal; limits?: Limits } = {},
): Promise<ImageSource> {
  const { dir, refName } = splitLayoutArgument(arg);
  const limits = options.limits ?? defaultLimits;
  const name = `oci-dir:${arg}`;
  const readBlob = async (desc: Descriptor, step: string): Promise<Buffer> => {
    if (desc.size > limits.maxManifestBytes) {
      throw new LayerlensError('TOO_LARGE', `${desc.digest} is ${desc.size} bytes, over the limit of ${limits.maxManifestBytes}`, { step, retryable: false });
    }
    const body = await readFile(blobPath(dir, desc.digest)).catch((e: unknown) => {
      throw new LayerlensError('SOURCE_INVALID', `${name}: blob ${desc.digest} is missing from the layout`, { step, cause: e, retryable: false });
    });
    verifyBytes(body, desc.digest, step);
    return body;
  };

  let indexBody: Buffer;
  try {
    if (!(await stat(join(dir, 'oci-layout'))).isFile()) throw new Error('oci-layout is not a file');
    indexBody = await readFile(join(dir, 'index.json'));
  } catch (e) {
    throw new LayerlensError('SOURCE_INVALID', `${dir} is not an OCI image layout (no oci-layout and index.json)`, { cause: e, retryable: false });
  }
  const layoutIndex = parseManifest(indexBody, undefined, `${name} index.json`);
  if (layoutIndex.kind !== 'index') throw new LayerlensError('SOURCE_INVALID', `${name}: index.json is not an image index`, { retryable: false });

  let entry = pickEntry(layoutIndex, refName, name);
  let doc: ManifestDocument = parseManifest(await readBlob(entry, 'read manifest'), entry.mediaType, name);
  let indexDigest: string | undefined;
  const want = options.platform ?? DEFAULT_PLATFORM;
  if (doc.kind === 'index') {
    indexDigest = entry.digest;
    entry = selectPlatform(doc, want, name);
    doc = parseManifest(await readBlob(entry, 'read manifest'), entry.mediaType, name);
    if (doc.kind !== 'manifest') throw new LayerlensError('SOURCE_INVALID', `${name}: nested indexes are not supported`, { retryable: false });
  }
  assertImage(doc, name);
  const manifest = doc;
  const config = parseConfig(await readBlob(manifest.config, 'read config'), `${name} config`);
  return {
    name,
    digest: entry.digest,
    indexDigest,
    platform: platformOf(config, entry.platform ?? want),
    manifest,
    manifestDescriptor: entry,
    config,
    layers: buildLayers(manifest, config, name, async (desc) => openLayoutBlob(dir, desc, limits)),
  };
}

function pickEntry(index: ImageIndex, refName: string | undefined, name: string): Descriptor {
  if (refName) {
    const hit = index.manifests.find((d) => d.annotations?.[REF_NAME] === refName);
    if (!hit) throw new LayerlensError('MANIFEST_UNKNOWN', `${name}: no manifest named ${refName} in the layout`, { retryable: false });
    return hit;
  }
  if (index.manifests.length === 1) return index.manifests[0];
  const names = index.manifests.map((d) => d.annotations?.[REF_NAME]).filter(Boolean);
  throw new LayerlensError(
    'SOURCE_INVALID',
    `${name} holds ${index.manifests.length} manifests; name one as oci-dir:PATH:REF (${names.join(', ') || 'none is named'})`,
    { retryable: false },
  );
}

function blobPath(dir: string, digest: string): string {
  const [alg, hex] = digest.split(':');
  return join(dir, 'blobs', alg, hex);
}

async function openLayoutBlob(dir: string, desc: Descriptor, limits: Limits): Promise<Readable> {
  const step = `read layer ${desc.digest}`;
  if (desc.size > limits.maxLayerBytes) {
    throw new LayerlensError('TOO_LARGE', `layer of ${desc.size} bytes exceeds LAYERLENS_MAX_LAYER_BYTES`, { step, retryable: false });
  }
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  const file = createReadStream(blobPath(dir, desc.digest), { highWaterMark: 1024 * 1024 });
  pipeline(file, verifyingStream(desc.digest, desc.size, step), out, () => undefined);
  return out;
}
