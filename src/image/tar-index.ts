/**
 * Random access into an uncompressed tar file (oci-archive, docker-archive) without extracting it: one walk over the
 * headers records each member's data offset and size, then members are read with positioned reads.
 *
 * Why not tar-stream here: it can only stream the whole archive, so indexing a multi-gigabyte `docker save` would read
 * every layer byte once just to learn where the layers are. This walk reads one 512-byte header per member and seeks
 * over the data. It understands what archive writers produce (ustar with prefix, pax `path`/`size`/`linkpath`, GNU
 * long names, base-256 sizes) and checks every header's checksum; anything else fails as SOURCE_INVALID. The
 * bytes of blobs are still verified against their digests when read, so a misread header cannot go unnoticed.
 */
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { LayerlensError } from '../errors.js';
import { sniffCompression } from './decompress.js';

export interface TarMember {
  name: string;
  /** Byte offset of the member's data in the archive. */
  offset: number;
  size: number;
  type: 'file' | 'directory' | 'link' | 'symlink' | 'other';
  linkname?: string;
}

const BLOCK = 512;
const MAX_MEMBERS = 1_000_000;
/** pax records and GNU long names are small; a huge one is a broken or hostile archive. */
const MAX_META_BYTES = 1024 * 1024;

export class TarArchive {
  private constructor(
    readonly path: string,
    private readonly members: Map<string, TarMember>,
  ) {}

  static async open(path: string, what: string): Promise<TarArchive> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (e) {
      throw new LayerlensError('SOURCE_INVALID', `${what}: cannot open ${path} (${(e as { code?: string }).code ?? 'error'})`, { cause: e, retryable: false });
    }
    try {
      return new TarArchive(path, await indexMembers(fh, what));
    } finally {
      await fh.close();
    }
  }

  names(): string[] {
    return [...this.members.keys()];
  }

  /** The regular-file member at `name`, links followed; undefined when absent. */
  find(name: string): TarMember | undefined {
    let m = this.members.get(normalizeName(name));
    for (let depth = 0; m && (m.type === 'link' || m.type === 'symlink') && depth < 8; depth++) {
      const target = m.type === 'symlink' ? posix.join(posix.dirname(m.name), m.linkname ?? '') : (m.linkname ?? '');
      m = this.members.get(normalizeName(target));
    }
    return m?.type === 'file' ? m : undefined;
  }

  async read(member: TarMember, limit: number, what: string): Promise<Buffer> {
    if (member.size > limit) {
      throw new LayerlensError('TOO_LARGE', `${what}: ${member.name} is ${member.size} bytes, over the limit of ${limit}`, { retryable: false });
    }
    const fh = await open(this.path, 'r');
    try {
      const buf = Buffer.alloc(member.size);
      const { bytesRead } = await fh.read(buf, 0, member.size, member.offset);
      if (bytesRead !== member.size) throw new LayerlensError('SOURCE_INVALID', `${what}: ${member.name} is truncated`, { retryable: false });
      return buf;
    } finally {
      await fh.close();
    }
  }

  stream(member: TarMember): Readable {
    if (member.size === 0) return Readable.from([]);
    return createReadStream(this.path, { start: member.offset, end: member.offset + member.size - 1, highWaterMark: 1024 * 1024 });
  }
}

export function normalizeName(name: string): string {
  return posix.normalize(`/${name}`).slice(1).replace(/\/$/, '');
}

async function indexMembers(fh: FileHandle, what: string): Promise<Map<string, TarMember>> {
  const members = new Map<string, TarMember>();
  const header = Buffer.alloc(BLOCK);
  const invalid = (why: string) => new LayerlensError('SOURCE_INVALID', `${what}: not a readable tar archive (${why})`, { retryable: false });
  let pos = 0;
  let pending: { path?: string; linkpath?: string; size?: number } = {};
  for (;;) {
    const { bytesRead } = await fh.read(header, 0, BLOCK, pos);
    if (bytesRead === 0 && pos > 0) break; // some writers omit the two zero blocks
    if (pos === 0) {
      const compression = sniffCompression(header.subarray(0, bytesRead));
      if (compression !== 'none') {
        throw new LayerlensError('SOURCE_INVALID', `${what} is ${compression}-compressed; decompress it first (e.g. ${compression === 'gzip' ? 'gunzip' : 'zstd -d'} -k FILE)`, {
          retryable: false,
        });
      }
    }
    if (bytesRead < BLOCK) throw invalid(`truncated header at byte ${pos}`);
    if (header.every((b) => b === 0)) break;
    if (!checksumOk(header)) throw invalid(`bad header checksum at byte ${pos}`);
    const flag = String.fromCharCode(header[156] || 0x30);
    const isMeta = flag === 'x' || flag === 'L' || flag === 'K' || flag === 'g';
    // A pax `size` applies to the member after the pax record, never to another metadata record.
    const size = isMeta ? readSize(header) : (pending.size ?? readSize(header));
    if (size === undefined || size < 0) throw invalid(`unreadable size at byte ${pos}`);
    const dataOffset = pos + BLOCK;
    pos = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
    if (flag === 'x' || flag === 'L' || flag === 'K') {
      if (size > MAX_META_BYTES) throw invalid(`metadata record of ${size} bytes`);
      const body = Buffer.alloc(size);
      await fh.read(body, 0, size, dataOffset);
      if (flag === 'x') pending = { ...pending, ...parsePax(body) };
      else if (flag === 'L') pending.path = cString(body, 0, size);
      else pending.linkpath = cString(body, 0, size);
      continue;
    }
    if (flag === 'g') continue; // global pax headers carry nothing we use
    const name = normalizeName(pending.path ?? headerName(header));
    const linkname = pending.linkpath ?? cString(header, 157, 100);
    pending = {};
    const type = flag === '0' || flag === '7' ? 'file' : flag === '5' ? 'directory' : flag === '1' ? 'link' : flag === '2' ? 'symlink' : 'other';
    members.set(name, { name, offset: dataOffset, size, type, linkname: linkname || undefined });
    if (members.size > MAX_MEMBERS) throw invalid(`more than ${MAX_MEMBERS} members`);
  }
  return members;
}

function checksumOk(h: Buffer): boolean {
  const stored = parseOctal(h, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
  return stored === sum;
}

function readSize(h: Buffer): number | undefined {
  // GNU base-256: the high bit of the first byte marks a big-endian binary number (files over 8 GiB).
  if (h[124] & 0x80) {
    let n = h[124] & 0x7f;
    for (let i = 125; i < 136; i++) n = n * 256 + h[i];
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return parseOctal(h, 124, 12);
}

function parseOctal(buf: Buffer, off: number, len: number): number | undefined {
  const text = buf.toString('latin1', off, off + len).replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : undefined;
}

function cString(buf: Buffer, off: number, len: number): string {
  const end = buf.indexOf(0, off);
  return buf.toString('utf8', off, end === -1 || end > off + len ? off + len : end);
}

function headerName(h: Buffer): string {
  const name = cString(h, 0, 100);
  // POSIX ustar ("ustar\0") splits long names into prefix + name; GNU ("ustar ") uses those bytes otherwise.
  if (h.toString('latin1', 257, 263) === 'ustar\0') {
    const prefix = cString(h, 345, 155);
    if (prefix) return `${prefix}/${name}`;
  }
  return name;
}

/** pax extended header records: `LEN key=value\n`. */
function parsePax(body: Buffer): { path?: string; linkpath?: string; size?: number } {
  const out: { path?: string; linkpath?: string; size?: number } = {};
  let i = 0;
  while (i < body.length) {
    const space = body.indexOf(0x20, i);
    if (space === -1) break;
    const len = Number(body.toString('latin1', i, space));
    if (!Number.isInteger(len) || len <= 0) break;
    const record = body.toString('utf8', space + 1, i + len - 1);
    const eq = record.indexOf('=');
    const key = record.slice(0, eq);
    const value = record.slice(eq + 1);
    if (key === 'path') out.path = value;
    else if (key === 'linkpath') out.linkpath = value;
    else if (key === 'size' && /^\d+$/.test(value)) out.size = Number(value);
    i += len;
  }
  return out;
}
