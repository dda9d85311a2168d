/**
 * `layerlens tags`: a repository's tags, each with its digest, platforms and sizes — and layerlens' own results —
 * one page at a time. A call examines at most `limit` matching tags (and at most `maxScan` names, so a pattern that
 * matches little cannot walk a huge repository in one request) and answers a cursor for the rest: memory and
 * registry load per call are bounded whatever the repository's size. Requests per call run `concurrency` at a time
 * (each tag's requests one after the other), and the transport honours 429 Retry-After.
 *
 * Per tag: a HEAD gives the digest; the manifest by digest (cached forever in the API, shared by every tag pointing
 * at it) gives the platforms — for a single image its config gives OS/ARCH, for an index each child manifest gives
 * that platform's size. No layer is fetched.
 */
import picomatch from 'picomatch';
import type { ResultStore } from '../cache/stores.js';
import { LayerlensError, isLayerlensError, type ErrorCode } from '../errors.js';
import { assertImage } from '../image/registry-source.js';
import { parseConfig } from '../registry/manifest.js';
import { nextPath } from '../registry/tags.js';
import { formatReference, withDigest, type ImageReference } from '../registry/reference.js';
import { mapLimit } from '../util/map-limit.js';
import { configPlatform, manifestSize, platformEntry, platformFields, splitIndex, type PlatformEntry } from './inspect-image.js';
import type { RegistryReader } from './registry-reader.js';
import { analysisOf } from './result-summary.js';

export interface ListTagsOptions {
  /** A glob over tag names (picomatch, e.g. `1.*`, `v[0-9]*`). */
  pattern?: string;
  /** Most tags answered per call (default 100). */
  limit?: number;
  /** Cursor: list the tags after this one (the registry's `last`). */
  last?: string;
  /** Tag names asked of the registry per page (`n`, default 100). */
  pageSize?: number;
  /** Most tag names examined per call, matching or not (default 10 000). */
  maxScan?: number;
  /** Registry requests in flight at once (default 8). */
  concurrency?: number;
  results?: Pick<ResultStore, 'getMeta' | 'getLayers'>;
  signal?: AbortSignal;
}

export interface TagInfo {
  tag: string;
  digest?: string;
  mediaType?: string;
  kind?: 'index' | 'image' | 'artifact';
  /** One entry for an image (from its config), one per image entry for an index. */
  platforms: PlatformEntry[];
  /** Attestation and other artifact entries of an index. */
  artifacts?: number;
  /** For an image: Σ config + layers; for an index: Σ over its platforms. */
  size?: number;
  /** Set instead of the rest when this one tag could not be read (deleted meanwhile, not an image …). */
  error?: { code: string; message: string };
}

export interface TagListing {
  repository: string;
  tags: TagInfo[];
  /** Pass as `last` to continue; absent when the repository has no more tags. */
  next?: string;
}

/** A tag-specific failure: recorded on its row. Anything else (auth, rate limit, registry down) fails the listing. */
const PER_TAG_ERRORS: ReadonlySet<ErrorCode> = new Set(['MANIFEST_UNKNOWN', 'MANIFEST_INVALID', 'UNSUPPORTED_MEDIA_TYPE', 'TOO_LARGE', 'BLOB_UNKNOWN']);

export async function listTags(reader: RegistryReader, repo: ImageReference, options: ListTagsOptions = {}): Promise<TagListing> {
  const limit = clamp(options.limit ?? 100, 1, 10_000);
  const maxScan = options.maxScan ?? 10_000;
  const match = options.pattern ? picomatch(options.pattern, { dot: true }) : () => true;
  const describe = memo((digest: string) => describeDigest(reader, repo, digest, options));
  const tags: TagInfo[] = [];
  let scanned = 0;
  let cursor = options.last;
  for await (const page of tagPages(reader, repo, { pageSize: options.pageSize, last: options.last, signal: options.signal })) {
    const wanted: string[] = [];
    let i = 0;
    for (; i < page.tags.length && tags.length + wanted.length < limit && scanned < maxScan; i++, scanned++) {
      if (match(page.tags[i])) wanted.push(page.tags[i]);
    }
    cursor = page.tags[i - 1] ?? cursor;
    for (const info of await mapLimit(wanted, options.concurrency ?? 8, (tag) => tagInfo(reader, repo, tag, describe, options.signal))) tags.push(info);
    const more = i < page.tags.length || page.hasNext;
    if (!more) return { repository: repoName(repo), tags };
    if (tags.length >= limit || scanned >= maxScan) return { repository: repoName(repo), tags, next: cursor };
  }
  return { repository: repoName(repo), tags };
}

/** The registry's tag pages in order, following `Link: <…>; rel="next"` (only back into this repository). */
export async function* tagPages(
  reader: RegistryReader,
  repo: ImageReference,
  options: { pageSize?: number; last?: string; signal?: AbortSignal } = {},
): AsyncGenerator<{ tags: string[]; hasNext: boolean }> {
  const n = clamp(options.pageSize ?? 100, 1, 1000);
  let path: string | undefined = `/tags/list?n=${n}${options.last ? `&last=${encodeURIComponent(options.last)}` : ''}`;
  const step = `list tags of ${repo.repository}`;
  let sentLast = options.last;
  while (path) {
    const { text, link } = await reader.getRepositoryDocument(repo, path, step, options.signal);
    let doc: { tags?: unknown };
    try {
      doc = JSON.parse(text) as { tags?: unknown };
    } catch {
      throw new LayerlensError('REGISTRY_ERROR', 'the tag list is not JSON', { step, image: repoName(repo), retryable: false });
    }
    // A repository without tags answers `"tags": null`.
    let tags = Array.isArray(doc.tags) ? doc.tags.filter((t): t is string => typeof t === 'string') : [];
    path = nextPath(link, repo.repository);
    if (!path) {
      // The last (or only) page. distribution 2.x — Debian's docker-registry 2.8 among them — ignores `n` and `last`
      // and answers every tag in directory order. The spec's lexical order and `last` are applied here, so paging
      // by our cursor works on those registries too; for a registry that pages itself this is a no-op.
      tags.sort();
      if (sentLast !== undefined) tags = tags.filter((t) => t > sentLast!);
    }
    sentLast = undefined;
    yield { tags, hasNext: path !== undefined };
  }
}

type Described = Omit<TagInfo, 'tag' | 'digest' | 'error'>;

async function tagInfo(reader: RegistryReader, repo: ImageReference, tag: string, describe: (d: string) => Promise<Described>, signal?: AbortSignal): Promise<TagInfo> {
  try {
    const digest = await reader.resolveDigest({ ...repo, tag, digest: undefined }, signal);
    return { tag, digest, ...(await describe(digest)) };
  } catch (e) {
    if (isLayerlensError(e) && PER_TAG_ERRORS.has(e.code)) return { tag, platforms: [], error: { code: e.code, message: e.message } };
    throw e;
  }
}

async function describeDigest(reader: RegistryReader, repo: ImageReference, digest: string, options: ListTagsOptions): Promise<Described> {
  const pinned = withDigest(repo, digest);
  const where = formatReference(pinned);
  const top = await reader.getManifest(pinned, options.signal);
  const analyse = async (p: PlatformEntry) => (options.results ? { ...p, analysis: await analysisOf(options.results, p.digest) } : p);
  if (top.document.kind === 'index') {
    const { images, artifacts } = splitIndex(top.document);
    const platforms: PlatformEntry[] = [];
    // One after the other: the tag-level concurrency already bounds the requests in flight.
    for (const d of images) platforms.push(await analyse(await platformEntry(reader, pinned, d, where, options.signal)));
    return { mediaType: top.mediaType, kind: 'index', platforms, artifacts: artifacts.length, size: platforms.reduce((a, p) => a + p.size, 0) };
  }
  const manifest = top.document;
  try {
    assertImage(manifest, where);
  } catch {
    return { mediaType: top.mediaType, kind: 'artifact', platforms: [], size: manifestSize(manifest) };
  }
  const config = parseConfig(await reader.getBlobBytes(pinned, manifest.config, options.signal), `${where} config`);
  const entry: PlatformEntry = {
    ...platformFields(configPlatform(config)),
    digest,
    mediaType: top.mediaType,
    size: manifestSize(manifest),
    layers: manifest.layers.length,
  };
  return { mediaType: top.mediaType, kind: 'image', platforms: [await analyse(entry)], size: entry.size };
}

/** Tags pointing at one digest share one description (and its registry requests) within a call. */
function memo<T>(fn: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const seen = new Map<string, Promise<T>>();
  return (key) => {
    let p = seen.get(key);
    if (!p) {
      p = fn(key);
      seen.set(key, p);
    }
    return p;
  };
}

function repoName(repo: ImageReference): string {
  return `${repo.registry}/${repo.repository}`;
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.floor(n)));
}
