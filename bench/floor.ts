/**
 * The machine's floor for an image: fetch every layer blob from the registry, sha256 it, decompress it and walk its
 * tar headers (tar-stream, bodies drained) — the work any scanner must do — in this process, all layers in parallel.
 * Two transports (node:http and fetch) and two gzip decoders (zlib, and Intel ISA-L when its binding is built) are
 * tried and the fastest combination counts: "best method".
 */
import { createHash } from 'node:crypto';
import { get as httpGet, Agent } from 'node:http';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { createRequire } from 'node:module';
import { extract } from 'tar-stream';
import { IsalGunzip, isalBinding } from '../src/image/isal-gunzip.js';

export interface FloorLayer {
  url: string;
  digest: string;
}

export interface FloorResult {
  ms: number;
  method: string;
  tarBytes: number;
  entries: number;
}

type Open = (url: string) => Promise<Readable>;
type Decoder = () => Transform;

export const decoders: [string, Decoder][] = [
  ['zlib', () => createGunzip({ chunkSize: 128 * 1024 })],
  ...(isalBinding() ? [['isal', () => new IsalGunzip({ chunkSize: 128 * 1024 })] as [string, Decoder]] : []),
];

const agent = new Agent({ keepAlive: true });
export const viaHttp: Open = (url) =>
  new Promise((resolve, reject) => {
    httpGet(url, { agent }, (res) => {
      if (res.statusCode === 307 || res.statusCode === 302) {
        res.resume();
        viaHttp(new URL(res.headers.location!, url).toString()).then(resolve, reject);
        return;
      }
      if (res.statusCode !== 200) reject(new Error(`GET ${url}: ${res.statusCode}`));
      else resolve(res);
    }).on('error', reject);
  });
export const viaFetch: Open = async (url) => {
  const res = await fetch(url);
  if (res.status !== 200 || !res.body) throw new Error(`GET ${url}: ${res.status}`);
  return Readable.fromWeb(res.body as never);
};

async function walkOne(open: Open, decode: Decoder, layer: FloorLayer): Promise<{ tarBytes: number; entries: number }> {
  const body = await open(layer.url);
  const hash = createHash('sha256');
  let head: Buffer | undefined;
  const tap = new Transform({
    transform(chunk: Buffer, _e, cb) {
      head ??= chunk;
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  let tarBytes = 0;
  const count = new Transform({
    transform(chunk: Buffer, _e, cb) {
      tarBytes += chunk.length;
      cb(null, chunk);
    },
  });
  let entries = 0;
  const x = extract();
  const walk = (async () => {
    for await (const entry of x) {
      entries++;
      entry.resume();
    }
  })();
  // The corpus and generated layers are gzip; zstd layers would go through zstd-napi here.
  const decoder = decode();
  await Promise.all([pipeline(body, tap, decoder, count, x), walk]);
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== layer.digest) throw new Error(`digest mismatch ${actual} ≠ ${layer.digest}`);
  void head;
  return { tarBytes, entries };
}

export async function once(open: Open, decode: Decoder, layers: FloorLayer[]): Promise<{ ms: number; tarBytes: number; entries: number }> {
  const started = performance.now();
  const results = await Promise.all(layers.map((l) => walkOne(open, decode, l)));
  return {
    ms: performance.now() - started,
    tarBytes: results.reduce((a, r) => a + r.tarBytes, 0),
    entries: results.reduce((a, r) => a + r.entries, 0),
  };
}

const transports: [string, Open][] = [
  ['node:http', viaHttp],
  ['fetch', viaFetch],
];

/** Best of `rounds` per method (transport × gzip decoder). */
export async function measureFloor(layers: FloorLayer[], rounds = 2): Promise<FloorResult> {
  let best: FloorResult | undefined;
  for (const [transport, open] of transports) {
    for (const [decoder, decode] of decoders) {
      for (let i = 0; i < rounds; i++) {
        const r = await once(open, decode, layers);
        if (!best || r.ms < best.ms) best = { ...r, method: `${transport} + ${decoder}` };
      }
    }
  }
  return best!;
}

/** One more floor run with a method measureFloor chose (`node:http + isal`…): the bench alternates it with scans. */
export async function floorWith(method: string, layers: FloorLayer[]): Promise<FloorResult> {
  const [transport, decoder] = method.split(' + ');
  const open = transports.find(([n]) => n === transport)?.[1];
  const decode = decoders.find(([n]) => n === decoder)?.[1];
  if (!open || !decode) throw new Error(`unknown floor method ${method}`);
  return { ...(await once(open, decode, layers)), method };
}

export const hasZstdNapi = (() => {
  try {
    createRequire(import.meta.url)('zstd-napi');
    return true;
  } catch {
    return false;
  }
})();

export const sink = () => new Writable({ write: (_c, _e, cb) => cb() });
