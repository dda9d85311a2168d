/**
 * LayerSummary: everything later stages need from one layer, computed in one streaming pass and cached by layer
 * digest × analyzer version. The file table is kept as parallel arrays (paths, sizes, a one-letter kind string)
 * because a layer can hold a million entries and per-entry objects cost several times more memory.
 */

export type EntryKind = 'f' | 'd' | 'l' | 'h' | 'o';
/** f regular file, d directory, l symlink, h hard link, o other (devices, fifos). */

export interface FileTable {
  paths: string[];
  sizes: number[];
  kinds: string;
  /**
   * Hard-link targets (normalised like paths), one per 'h' entry in table order. A hard link stores no bytes of
   * its own but keeps its target's bytes visible when the target path is later deleted or overwritten; the layer
   * report needs that to be exact. Absent in summaries written before LAYER_SUMMARY_VERSION 2.
   */
  links?: string[];
}

export interface CapturedFile {
  /** Path inside the image, no leading slash. */
  path: string;
  content: Buffer;
}

export interface LayerSummary {
  digest: string;
  diffId: string;
  mediaType: string;
  /** Size of the blob as stored. */
  compressedSize: number;
  /** Bytes of the uncompressed tar stream. */
  tarBytes: number;
  compression: 'gzip' | 'zstd' | 'none';
  files: FileTable;
  /** Paths deleted by `.wh.NAME` entries. */
  whiteouts: string[];
  /** Directories whose lower-layer children are hidden by `.wh..wh..opq`. */
  opaqueDirs: string[];
  /** Bodies of files some cataloger asked for. */
  captured: CapturedFile[];
  /** Paths a cataloger asked for that this layer has as something other than a capturable file (link, too big). */
  shadowed: string[];
  warnings: string[];
}

/** JSON form for the cache: captured bodies as base64. */
export function serializeSummary(s: LayerSummary): string {
  return JSON.stringify({ ...s, captured: s.captured.map((c) => ({ path: c.path, content: c.content.toString('base64') })) });
}

export function deserializeSummary(text: string): LayerSummary {
  const raw = JSON.parse(text) as Omit<LayerSummary, 'captured'> & { captured: { path: string; content: string }[] };
  return { ...raw, captured: raw.captured.map((c) => ({ path: c.path, content: Buffer.from(c.content, 'base64') })) };
}
