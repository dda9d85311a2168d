/**
 * An ImageSource over an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/…`), as written by skopeo,
 * umoci, buildah or `docker buildx --output type=oci` — in a directory (`oci-dir:`) or in a tar of one
 * (`oci-archive:`, see oci-archive-source.ts); both read through a LayoutStore.
 * `oci-dir:PATH:REF` picks the manifest whose `org.opencontainers.image.ref.name` is REF; `PATH@sha256:…` the
 * manifest with that digest (also inside an index: how the service pins a platform for its worker); without either
 * the layout must hold exactly one image (or one index).
 */
import { createReadStream, existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline, PassThrough, type Readable } from 'node:stream';
import { LayerlensError } from '../errors.js';
import { defaultLimits, type Limits } from '../config.js';
import { parseConfig, parseManifest, type Descriptor, type ImageIndex, type ImageManifest, type ManifestDocument } from '../registry/manifest.js';
import { DEFAULT_PLATFORM, type Platform } from '../registry/platform.js';
import { verifyBytes, verifyingStream } from '../registry/verify.js';
import { buildLayers } from './layers-of.js';
import { imageEntries, selectPlatform } from './platform-select.js';
import { assertImage, platformOf } from './registry-source.js';
import type { ImageSource } from './source.js';

const REF_NAME = 'org.opencontainers.image.ref.name';
const PINNED = /@(sha256:[a-f0-9]{64})$/;

/** Files of a layout, wherever they are stored. Paths are relative to the layout root. */
export interface LayoutStore {
  /** The file's bytes, or undefined when it does not exist. Throws TOO_LARGE over `limit`. */
  readFile(rel: string, limit: number): Promise<Buffer | undefined>;
  /** A stream of the file, or undefined when it does not exist. */
  openFile(rel: string): Readable | undefined;
}

export function directoryStore(dir: string): LayoutStore {
  return {
    async readFile(rel, limit) {
      const path = join(dir, rel);
      const st = await stat(path).catch(() => undefined);
      if (!st?.isFile()) return undefined;
      if (st.size > limit) throw new LayerlensError('TOO_LARGE', `${rel} is ${st.size} bytes, over the limit of ${limit}`, { retryable: false });
      return readFile(path);
    },
    openFile(rel) {
      const path = join(dir, rel);
      return existsSync(path) ? createReadStream(path, { highWaterMark: 256 * 1024 }) : undefined;
    },
  };
}

export interface LayoutSelector {
  refName?: string;
  digest?: string;
}

/** `PATH`, `PATH:REF` or `PATH@sha256:…`; a PATH that exists as written wins over splitting at the last colon. */
export function splitLayoutArgument(arg: string): { dir: string } & LayoutSelector {
  const pinned = PINNED.exec(arg);
  if (pinned) return { dir: arg.slice(0, pinned.index), digest: pinned[1] };
  if (existsSync(arg)) return { dir: arg };
  const i = arg.lastIndexOf(':');
  if (i > 0) return { dir: arg.slice(0, i), refName: arg.slice(i + 1) };
  return { dir: arg };
}

export interface LayoutOpenOptions {
  platform?: Platform;
  signal?: AbortSignal;
  limits?: Limits;
}

export async function openOciLayout(arg: string, options: LayoutOpenOptions = {}): Promise<ImageSource> {
  const { dir, ...selector } = splitLayoutArgument(arg);
  return openLayoutImage(directoryStore(dir), selector, `oci-dir:${arg}`, options);
}

/** The layout's index.json, checked to be a layout. */
async function readLayoutIndex(store: LayoutStore, name: string, limits: Limits): Promise<ImageIndex> {
  const marker = await store.readFile('oci-layout', 64 * 1024);
  const indexBody = marker ? await store.readFile('index.json', limits.maxManifestBytes) : undefined;
  if (!indexBody) throw new LayerlensError('SOURCE_INVALID', `${name} is not an OCI image layout (no oci-layout and index.json)`, { retryable: false });
  const index = parseManifest(indexBody, undefined, `${name} index.json`);
  if (index.kind !== 'index') throw new LayerlensError('SOURCE_INVALID', `${name}: index.json is not an image index`, { retryable: false });
  return index;
}

function blobReader(store: LayoutStore, name: string, limits: Limits) {
  return async (desc: Descriptor, step: string): Promise<Buffer> => {
    if (desc.size > limits.maxManifestBytes) {
      throw new LayerlensError('TOO_LARGE', `${desc.digest} is ${desc.size} bytes, over the limit of ${limits.maxManifestBytes}`, { step, image: name, retryable: false });
    }
    const body = await store.readFile(blobPath(desc.digest), limits.maxManifestBytes);
    if (!body) throw new LayerlensError('SOURCE_INVALID', `${name}: blob ${desc.digest} is missing from the layout`, { step, image: name, retryable: false });
    verifyBytes(body, desc.digest, step);
    return body;
  };
}

export async function openLayoutImage(store: LayoutStore, selector: LayoutSelector, name: string, options: LayoutOpenOptions = {}): Promise<ImageSource> {
  const limits = options.limits ?? defaultLimits;
  const readBlob = blobReader(store, name, limits);
  const layoutIndex = await readLayoutIndex(store, name, limits);
  const want = options.platform ?? DEFAULT_PLATFORM;
  let entry: Descriptor;
  let indexDigest: string | undefined;
  let doc: ManifestDocument;
  if (selector.digest) {
    ({ entry, indexDigest } = await findByDigest(layoutIndex, selector.digest, name, readBlob));
    doc = parseManifest(await readBlob(entry, 'read manifest'), entry.mediaType, name);
  } else {
    entry = pickEntry(layoutIndex, selector.refName, name);
    doc = parseManifest(await readBlob(entry, 'read manifest'), entry.mediaType, name);
    if (doc.kind === 'index') {
      indexDigest = entry.digest;
      entry = selectPlatform(doc, want, name);
      doc = parseManifest(await readBlob(entry, 'read manifest'), entry.mediaType, name);
    }
  }
  if (doc.kind !== 'manifest') throw new LayerlensError('SOURCE_INVALID', `${name}: nested indexes are not supported`, { retryable: false });
  return layoutSource(store, doc, entry, indexDigest, name, want, limits, readBlob);
}

/** Digests of every image of the selected entry: each platform of an index, or the one image (`platform: all`). */
export async function listLayoutImages(store: LayoutStore, selector: LayoutSelector, name: string, limits: Limits = defaultLimits): Promise<string[]> {
  if (selector.digest) return [selector.digest];
  const entry = pickEntry(await readLayoutIndex(store, name, limits), selector.refName, name);
  const doc = parseManifest(await blobReader(store, name, limits)(entry, 'read manifest'), entry.mediaType, name);
  return doc.kind === 'index' ? imageEntries(doc).map((d) => d.digest) : [entry.digest];
}

async function layoutSource(
  store: LayoutStore,
  manifest: ImageManifest,
  entry: Descriptor,
  indexDigest: string | undefined,
  name: string,
  want: Platform,
  limits: Limits,
  readBlob: (desc: Descriptor, step: string) => Promise<Buffer>,
): Promise<ImageSource> {
  assertImage(manifest, name);
  const config = parseConfig(await readBlob(manifest.config, 'read config'), `${name} config`);
  return {
    name,
    digest: entry.digest,
    indexDigest,
    platform: platformOf(config, entry.platform ?? want),
    manifest,
    manifestDescriptor: entry,
    config,
    layers: buildLayers(manifest, config, name, async (desc) => openLayoutBlob(store, desc, limits, name)),
  };
}

/** The entry with `digest`, at the top of index.json or one level down inside an index it lists. */
async function findByDigest(
  layoutIndex: ImageIndex,
  digest: string,
  name: string,
  readBlob: (desc: Descriptor, step: string) => Promise<Buffer>,
): Promise<{ entry: Descriptor; indexDigest?: string }> {
  const top = layoutIndex.manifests.find((d) => d.digest === digest);
  if (top) return { entry: top };
  for (const d of layoutIndex.manifests) {
    const doc = parseManifest(await readBlob(d, 'read manifest'), d.mediaType, name);
    if (doc.kind !== 'index') continue;
    const hit = doc.manifests.find((m) => m.digest === digest);
    if (hit) return { entry: hit, indexDigest: d.digest };
  }
  throw new LayerlensError('MANIFEST_UNKNOWN', `${name}: no manifest ${digest} in the layout`, { retryable: false });
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
    `${name} holds ${index.manifests.length} manifests; name one as ${name.split(':')[0]}:PATH:REF (${names.join(', ') || 'none is named'})`,
    { retryable: false },
  );
}

function blobPath(digest: string): string {
  const [alg, hex] = digest.split(':');
  return `blobs/${alg}/${hex}`;
}

async function openLayoutBlob(store: LayoutStore, desc: Descriptor, limits: Limits, name: string): Promise<Readable> {
  const step = `read layer ${desc.digest}`;
  if (desc.size > limits.maxLayerBytes) {
    throw new LayerlensError('TOO_LARGE', `layer of ${desc.size} bytes exceeds LAYERLENS_MAX_LAYER_BYTES`, { step, image: name, retryable: false });
  }
  const file = store.openFile(blobPath(desc.digest));
  if (!file) throw new LayerlensError('SOURCE_INVALID', `${name}: layer ${desc.digest} is missing from the layout`, { step, image: name, retryable: false });
  const out = new PassThrough({ highWaterMark: 128 * 1024 });
  pipeline(file, verifyingStream(desc.digest, desc.size, step), out, () => undefined);
  return out;
}
