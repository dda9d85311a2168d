/**
 * One streaming pass over a layer: decompress, walk the tar, record every entry's path, kind and size, note
 * whiteouts and opaque directories, and keep the bodies of files matching the catalogers' globs (size-capped).
 * Nothing is written to disk and no body is held except those captured. Per entry, the path's bytes go into the
 * layer's PathList and its size into a Float64Array: no string or object outlives the entry, so a layer of a million
 * files leaves its table in a few large buffers instead of a million old-generation strings.
 */
import type { Readable } from 'node:stream';
import { extract as tarExtract, type Header } from 'tar-stream';
import { LayerlensError } from '../errors.js';
import type { Limits } from '../config.js';
import { decompress } from './decompress.js';
import type { CapturedFile, EntryKind, LayerSummary } from './layer-summary.js';
import { PathListBuilder } from './path-list.js';
import { normalizeEntryPath, OPAQUE_MARKER, WHITEOUT_PREFIX } from './paths.js';
import type { Layer } from './source.js';

export interface WalkOptions {
  /** True for paths whose bodies some cataloger needs. One precompiled test per entry. */
  capture: (path: string) => boolean;
  limits: Pick<Limits, 'maxFileBytes' | 'maxUncompressedBytes'>;
  signal?: AbortSignal;
  /** Called every 4096 entries with the number walked so far (AnalysisHooks.onLayerEntries). */
  onEntries?: (entries: number) => void;
}

/** A name with an empty, `.` or `..` segment, a leading `/` or a trailing `/` needs posix.normalize; most need nothing. */
const NEEDS_NORMALIZING = /(?:^|\/)\.{0,2}(?:\/|$)/;

const KIND: Record<string, EntryKind> = {
  file: 'f',
  'contiguous-file': 'f',
  directory: 'd',
  symlink: 'l',
  link: 'h',
};

export async function walkLayer(layer: Layer, options: WalkOptions): Promise<LayerSummary> {
  const blob = await layer.open(options.signal);
  return walkLayerStream(blob, layer, options);
}

export async function walkLayerStream(blob: Readable, layer: Omit<Layer, 'open' | 'index'>, options: WalkOptions): Promise<LayerSummary> {
  const step = `read layer ${layer.digest}`;
  const { stream, compression } = await decompress(blob);
  let tarBytes = 0;
  const limit = options.limits.maxUncompressedBytes;
  // Counted by a listener beside the pipe, not by a Transform between the decompressor and the tar parser: one
  // stream stage less for each of a layer's thousands of chunks. The chunk that crosses the limit still reaches the
  // parser (at most one chunk more), then both are destroyed with TOO_LARGE.
  const extract = tarExtract();
  stream.on('error', (e) => extract.destroy(e));
  stream.pipe(extract);
  stream.on('data', (chunk: Buffer) => {
    tarBytes += chunk.length;
    if (tarBytes > limit) {
      stream.destroy(new LayerlensError('TOO_LARGE', `layer decompresses to more than LAYERLENS_MAX_UNCOMPRESSED_BYTES (${limit})`, { step, retryable: false }));
    }
  });

  const onAbort = () => extract.destroy(new LayerlensError('CANCELLED', 'the analysis was cancelled', { step, retryable: false }));
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const paths = new PathListBuilder();
  let sizes = new Float64Array(4096);
  // One byte per entry, turned into a flat string at the end: `kinds += kind` would build a rope of a million
  // 32-byte cons strings.
  let kinds = Buffer.allocUnsafe(4096);
  let entries = 0;
  const links: string[] = [];
  const whiteouts: string[] = [];
  const opaqueDirs: string[] = [];
  const captured: CapturedFile[] = [];
  const shadowed: string[] = [];
  const warnings: string[] = [];
  try {
    for await (const entry of extract) {
      entry.on('error', () => undefined);
      const header: Header = entry.header;
      const path = NEEDS_NORMALIZING.test(header.name) ? normalizeEntryPath(header.name) : header.name;
      // No per-entry slice of the base name: only whiteout markers need it.
      const slash = path.lastIndexOf('/');
      if (path.startsWith(WHITEOUT_PREFIX, slash + 1)) {
        const base = path.slice(slash + 1);
        const dir = path.slice(0, Math.max(0, path.length - base.length - 1));
        if (base === OPAQUE_MARKER) opaqueDirs.push(dir);
        else whiteouts.push(dir ? `${dir}/${base.slice(WHITEOUT_PREFIX.length)}` : base.slice(WHITEOUT_PREFIX.length));
        entry.resume();
        continue;
      }
      if (path === '') {
        entry.resume();
        continue;
      }
      const kind = KIND[header.type ?? 'file'] ?? 'o';
      const size = kind === 'f' ? (header.size ?? 0) : 0;
      paths.push(path);
      if (entries === kinds.length) {
        const grown = Buffer.allocUnsafe(Math.floor(kinds.length * 1.5));
        kinds.copy(grown);
        kinds = grown;
        const grownSizes = new Float64Array(grown.length);
        grownSizes.set(sizes);
        sizes = grownSizes;
      }
      sizes[entries] = size;
      kinds[entries++] = kind.charCodeAt(0);
      if ((entries & 4095) === 0) options.onEntries?.(entries);
      if (kind === 'h') links.push(normalizeEntryPath(header.linkname ?? ''));
      if (options.capture(path)) {
        if (kind === 'f' && size <= options.limits.maxFileBytes) {
          captured.push({ path, content: await readAll(entry as unknown as Readable, size) });
          continue;
        }
        shadowed.push(path);
        if (kind === 'f') warnings.push(`${path}: ${size} bytes is over the per-file limit (LAYERLENS_MAX_FILE_BYTES); not cataloged`);
      }
      entry.resume();
    }
  } catch (e) {
    throw e instanceof LayerlensError
      ? e
      : new LayerlensError('LAYER_INVALID', `layer ${layer.digest} is not a readable tar archive: ${(e as Error).message}`, {
          step,
          cause: e,
          retryable: false,
        });
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    stream.destroy();
  }
  return {
    digest: layer.digest,
    diffId: layer.diffId,
    mediaType: layer.mediaType,
    compressedSize: layer.size,
    tarBytes,
    compression,
    // A large sizes column is kept as the view it is (at most a third unused) rather than copied to size: a copy would
    // hold it twice at the end of the walk, when memory peaks.
    files: { paths: paths.finish(), sizes: entries > 8192 ? sizes.subarray(0, entries) : sizes.slice(0, entries), kinds: kinds.toString('latin1', 0, entries), links },
    whiteouts,
    opaqueDirs,
    captured,
    shadowed,
    warnings,
  };
}

async function readAll(entry: Readable, size: number): Promise<Buffer> {
  const out = Buffer.allocUnsafe(size);
  let offset = 0;
  for await (const chunk of entry) {
    (chunk as Buffer).copy(out, offset);
    offset += (chunk as Buffer).length;
  }
  return offset === size ? out : out.subarray(0, offset);
}
