/**
 * LayerSummary: everything later stages need from one layer, computed in one streaming pass and cached by layer
 * digest × analyzer version. The file table is kept as parallel columns — the paths as one PathList (UTF-8 bytes
 * and offsets, see path-list.ts), sizes as a Float64Array, kinds as a one-letter-per-entry string — because a layer
 * can hold a million entries and per-entry objects or strings cost several times more memory (~25 + path-length
 * bytes an entry here against ~70 with a string and array slots per entry).
 */
import type { PathList } from './path-list.js';

export type EntryKind = 'f' | 'd' | 'l' | 'h' | 'o';
/** f regular file, d directory, l symlink, h hard link, o other (devices, fifos). */

export interface FileTable {
  /** Every entry's path (normalised: relative, no trailing slash), in tar order; whiteout markers are not entries. */
  paths: PathList;
  /** Per entry: the tar size of a regular file, 0 otherwise (sizes can exceed 2³²: doubles, exact below 2⁵³). */
  sizes: Float64Array;
  /** Per entry: its EntryKind, one latin1 character each. */
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
