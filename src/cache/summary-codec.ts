/**
 * A compact binary form of a LayerSummary for the layer cache. A layer of 500 000 files would be ~60 MB as JSON
 * (one object per entry, sizes as decimal text, bodies as base64); here the file table is three flat sections —
 * the PathList's own bytes (each path's UTF-8 bytes followed by NUL: tar names cannot contain NUL), sizes as LEB128
 * varints, kinds as one ASCII byte each — and captured bodies are raw bytes, all compressed together (zstd through
 * zstd-napi when it is installed: ~60× on path lists at ~1 GB/s; gzip otherwise). The paths go in and out as one
 * block: encoding writes the PathList's chunks, decoding keeps the section (a view of the payload when the paths are
 * most of it, else a copy) and finds the NULs; no string per path either way. Decoding gives back a summary equal
 * to the encoded one, bodies byte-exact.
 *
 * Layout: "LLS" · format byte · compression byte · payload (compressed):
 *   u32 meta length · meta JSON · u32 paths length · paths (NUL-terminated) · u32 sizes length · varint sizes ·
 *   kinds (n bytes) · u32 links length · links joined with NUL · captured bodies, concatenated (lengths in the meta)
 * Format 1 (LAYER_SUMMARY_VERSION 2) joined the paths with NUL (no NUL after the last one).
 */
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { LayerSummary } from '../image/layer-summary.js';
import { PathList } from '../image/path-list.js';

const MAGIC = Buffer.from('LLS');
const FORMAT = 2;
const enum Packing {
  None = 0,
  Gzip = 1,
  Zstd = 2,
}

type ZstdSimple = { compress(data: Uint8Array, p?: { compressionLevel?: number }): Buffer; decompress(data: Uint8Array): Buffer };
let zstd: ZstdSimple | null | undefined;
function zstdModule(): ZstdSimple | null {
  if (zstd === undefined) {
    try {
      zstd = createRequire(import.meta.url)('zstd-napi') as ZstdSimple;
    } catch {
      zstd = null; // optional dependency: gzip is the portable fallback
    }
  }
  return zstd;
}

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

interface Meta {
  digest: string;
  diffId: string;
  mediaType: string;
  compressedSize: number;
  tarBytes: number;
  compression: LayerSummary['compression'];
  whiteouts: string[];
  opaqueDirs: string[];
  shadowed: string[];
  warnings: string[];
  entries: number;
  /** Absent links (summaries from before hard-link targets) stay absent. */
  hasLinks: boolean;
  links: number;
  captured: [path: string, bytes: number][];
}

/** Encodes `summary`; `compress: false` is for tests and tiny summaries. */
export async function encodeSummary(summary: LayerSummary, options: { compress?: boolean } = {}): Promise<Buffer> {
  const { paths, sizes, kinds, links } = summary.files;
  const meta: Meta = {
    digest: summary.digest,
    diffId: summary.diffId,
    mediaType: summary.mediaType,
    compressedSize: summary.compressedSize,
    tarBytes: summary.tarBytes,
    compression: summary.compression,
    whiteouts: summary.whiteouts,
    opaqueDirs: summary.opaqueDirs,
    shadowed: summary.shadowed,
    warnings: summary.warnings,
    entries: paths.length,
    hasLinks: links !== undefined,
    links: links?.length ?? 0,
    captured: summary.captured.map((c) => [c.path, c.content.length]),
  };
  const parts: Buffer[] = [];
  const section = (b: Buffer) => {
    parts.push(u32(b.length), b);
  };
  section(Buffer.from(JSON.stringify(meta)));
  parts.push(u32(paths.byteLength), ...paths.chunks);
  section(encodeVarints(sizes));
  parts.push(Buffer.from(kinds, 'latin1'));
  section(Buffer.from((links ?? []).join('\0')));
  for (const c of summary.captured) parts.push(c.content);
  const payload = Buffer.concat(parts);
  let packing = Packing.None;
  let body: Buffer = payload;
  if (options.compress !== false) {
    const z = zstdModule();
    if (z) {
      packing = Packing.Zstd;
      body = z.compress(payload, { compressionLevel: 3 });
    } else {
      packing = Packing.Gzip;
      body = await gzipAsync(payload, { level: 1 });
    }
  }
  return Buffer.concat([MAGIC, Buffer.from([FORMAT, packing]), body]);
}

/** Decodes what encodeSummary wrote; undefined for anything else (another format, a marker, a damaged entry). */
export async function decodeSummary(data: Buffer): Promise<LayerSummary | undefined> {
  if (data.length < 5 || !data.subarray(0, 3).equals(MAGIC) || data[3] !== FORMAT) return undefined;
  let payload: Buffer;
  try {
    const body = data.subarray(5);
    switch (data[4]) {
      case Packing.None:
        payload = body;
        break;
      case Packing.Gzip:
        payload = await gunzipAsync(body);
        break;
      case Packing.Zstd: {
        const z = zstdModule();
        if (!z) return undefined; // written by a process that had zstd-napi: recompute rather than fail
        payload = z.decompress(body);
        break;
      }
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
  let at = 0;
  const section = (): Buffer => {
    const n = payload.readUInt32BE(at);
    const b = payload.subarray(at + 4, at + 4 + n);
    at += 4 + n;
    return b;
  };
  try {
    const meta = JSON.parse(section().toString()) as Meta;
    // The paths keep their section of the payload: copying would cost as much again in fresh memory (a large layer's
    // paths are most of the payload). When they are not, a copy, so that they do not pin the rest.
    const pathsSection = section();
    const paths = PathList.decode(pathsSection.length * 2 >= payload.length ? pathsSection : Buffer.from(pathsSection), meta.entries);
    if (!paths) return undefined;
    const sizes = decodeVarints(section(), meta.entries);
    const kinds = payload.toString('latin1', at, at + meta.entries);
    at += meta.entries;
    const linksText = section().toString();
    const links = meta.links === 0 ? [] : linksText.split('\0');
    const captured = meta.captured.map(([path, bytes]) => {
      // A copy, so that one body kept by a cataloger does not pin the whole payload.
      const content = Buffer.from(payload.subarray(at, at + bytes));
      at += bytes;
      return { path, content };
    });
    if (paths.length !== meta.entries || sizes.length !== meta.entries || kinds.length !== meta.entries || at !== payload.length) return undefined;
    return {
      digest: meta.digest,
      diffId: meta.diffId,
      mediaType: meta.mediaType,
      compressedSize: meta.compressedSize,
      tarBytes: meta.tarBytes,
      compression: meta.compression,
      files: meta.hasLinks ? { paths, sizes, kinds, links } : { paths, sizes, kinds },
      whiteouts: meta.whiteouts,
      opaqueDirs: meta.opaqueDirs,
      captured,
      shadowed: meta.shadowed,
      warnings: meta.warnings,
    };
  } catch {
    return undefined;
  }
}

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n);
  return b;
}

/** LEB128; arithmetic rather than bit operations because sizes exceed 2³¹. */
export function encodeVarints(values: ArrayLike<number>): Buffer {
  const out = Buffer.allocUnsafe(values.length * 8 + 16);
  let at = 0;
  for (let i = 0; i < values.length; i++) {
    let v = values[i];
    while (v >= 0x80) {
      out[at++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    out[at++] = v;
  }
  return out.subarray(0, at);
}

export function decodeVarints(buf: Buffer, count: number): Float64Array {
  const values = new Float64Array(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    let v = 0;
    let scale = 1;
    for (;;) {
      const b = buf[at++];
      if (b === undefined) throw new RangeError('truncated varint');
      v += (b & 0x7f) * scale;
      if (b < 0x80) break;
      scale *= 0x80;
    }
    values[i] = v;
  }
  if (at !== buf.length) throw new RangeError('trailing varint bytes');
  return values;
}
