/** Test helpers: layers as real tars walked by the real walker, or LayerSummaries written directly. */
import { Readable } from 'node:stream';
import type { LayerSummary } from '../../../src/image/layer-summary.js';
import { PathList } from '../../../src/image/path-list.js';
import { walkLayerStream } from '../../../src/image/walk-layer.js';
import { OCI_LAYER_GZIP, tarLayer, type TarEntry } from '../../support/image-builder.js';

export const LIMITS = { maxFileBytes: 1 << 20, maxUncompressedBytes: 1 << 30 };

export const dir = (path: string): TarEntry => ({ path: `${path}/`, type: 'directory' });
export const file = (path: string, size: number): TarEntry => ({ path, content: Buffer.alloc(size, 0x61) });
export const whiteout = (path: string): TarEntry => {
  const i = path.lastIndexOf('/');
  return { path: i === -1 ? `.wh.${path}` : `${path.slice(0, i)}/.wh.${path.slice(i + 1)}`, content: '' };
};
export const opaqueMarker = (dirPath: string): TarEntry => ({ path: `${dirPath}/.wh..wh..opq`, content: '' });
export const hardlink = (path: string, target: string): TarEntry => ({ path, type: 'link', linkname: target });
export const symlink = (path: string, target: string): TarEntry => ({ path, type: 'symlink', linkname: target });

/** Bytes of the tar tarLayer writes: a 512-byte header per entry, contents padded to 512, two zero blocks. */
export function tarBytesOf(entries: TarEntry[]): number {
  let n = 1024;
  for (const e of entries) {
    const size = e.content === undefined ? 0 : Buffer.byteLength(e.content);
    n += 512 + Math.ceil(size / 512) * 512;
  }
  return n;
}

export async function walkEntries(entries: TarEntry[], index = 0): Promise<{ summary: LayerSummary; blobSize: number }> {
  const blob = await tarLayer(entries);
  const hex = index.toString(16).padStart(64, '0');
  const summary = await walkLayerStream(
    Readable.from([blob]),
    { digest: `sha256:${hex}`, diffId: `sha256:${hex.replace(/^0/, 'd')}`, mediaType: OCI_LAYER_GZIP, size: blob.length },
    { capture: () => false, limits: LIMITS },
  );
  return { summary, blobSize: blob.length };
}

export interface SyntheticEntry {
  path: string;
  kind?: 'f' | 'd' | 'l' | 'h' | 'o';
  size?: number;
  link?: string;
}

/** A LayerSummary written directly (no tar), for exact control and for large tables. */
export function summary(entries: SyntheticEntry[], extra: { whiteouts?: string[]; opaqueDirs?: string[]; index?: number } = {}): LayerSummary {
  const paths: string[] = [];
  const sizes: number[] = [];
  const links: string[] = [];
  let kinds = '';
  for (const e of entries) {
    const kind = e.kind ?? 'f';
    paths.push(e.path);
    sizes.push(kind === 'f' ? (e.size ?? 0) : 0);
    kinds += kind;
    if (kind === 'h') links.push(e.link ?? '');
  }
  const i = extra.index ?? 0;
  return {
    digest: `sha256:layer${i}`,
    diffId: `sha256:diff${i}`,
    mediaType: OCI_LAYER_GZIP,
    compressedSize: 100 + i,
    tarBytes: 1000 + i,
    compression: 'gzip',
    files: { paths: PathList.from(paths), sizes: Float64Array.from(sizes), kinds, links },
    whiteouts: extra.whiteouts ?? [],
    opaqueDirs: extra.opaqueDirs ?? [],
    captured: [],
    shadowed: [],
    warnings: [],
  };
}
