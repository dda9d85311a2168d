/**
 * Builds test images from real layer blobs (the corpus' gzip tarballs as is) or small synthetic tars, and pushes
 * them through the registry API (monolithic blob upload, manifest PUT) or lays them out as an OCI layout directory.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

export interface LayerBlob {
  /** A file holding the blob, or the blob's bytes. */
  file?: string;
  bytes?: Buffer;
  mediaType?: string;
  createdBy?: string;
}

export interface BuiltLayer {
  digest: string;
  diffId: string;
  size: number;
  mediaType: string;
  source: { file?: string; bytes?: Buffer };
}

export interface BuiltImage {
  manifest: Buffer;
  manifestDigest: string;
  manifestMediaType: string;
  config: Buffer;
  configDigest: string;
  layers: BuiltLayer[];
}

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

async function streamDigests(src: () => Readable): Promise<{ digest: string; diffId: string; size: number }> {
  const outer = createHash('sha256');
  const inner = createHash('sha256');
  let size = 0;
  const s = src();
  s.on('data', (c: Buffer) => {
    outer.update(c);
    size += c.length;
  });
  const gunzip = createGunzip();
  gunzip.on('data', (c: Buffer) => inner.update(c));
  await pipeline(s, gunzip);
  return { digest: `sha256:${outer.digest('hex')}`, diffId: `sha256:${inner.digest('hex')}`, size };
}

export async function buildImage(
  layers: LayerBlob[],
  options: { architecture?: string; os?: string; variant?: string; docker?: boolean; created?: string; history?: object[] } = {},
): Promise<BuiltImage> {
  const built: BuiltLayer[] = [];
  for (const l of layers) {
    const open = () => (l.file ? createReadStream(l.file) : Readable.from([l.bytes!]));
    const d = await streamDigests(open);
    built.push({ ...d, mediaType: l.mediaType ?? (options.docker ? DOCKER_LAYER : OCI_LAYER_GZIP), source: { file: l.file, bytes: l.bytes } });
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture: options.architecture ?? 'amd64',
      os: options.os ?? 'linux',
      ...(options.variant ? { variant: options.variant } : {}),
      created: options.created ?? '2024-09-06T11:35:00Z',
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: built.map((b) => b.diffId) },
      history: options.history ?? layers.map((l, i) => ({ created: '2024-09-06T11:35:00Z', created_by: l.createdBy ?? `layer ${i}` })),
    }),
  );
  const configDigest = sha256(config);
  const manifestMediaType = options.docker ? DOCKER_MANIFEST : OCI_MANIFEST;
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: manifestMediaType,
      config: { mediaType: options.docker ? DOCKER_CONFIG : OCI_CONFIG, digest: configDigest, size: config.length },
      layers: built.map((b) => ({ mediaType: b.mediaType, digest: b.digest, size: b.size })),
    }),
  );
  return { manifest, manifestDigest: sha256(manifest), manifestMediaType, config, configDigest, layers: built };
}

export function buildIndex(entries: { image: BuiltImage; platform: Record<string, string>; annotations?: Record<string, string> }[]): {
  body: Buffer;
  digest: string;
} {
  const body = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: entries.map((e) => ({
        mediaType: e.image.manifestMediaType,
        digest: e.image.manifestDigest,
        size: e.image.manifest.length,
        platform: e.platform,
        ...(e.annotations ? { annotations: e.annotations } : {}),
      })),
    }),
  );
  return { body, digest: sha256(body) };
}

export async function uploadBlob(registryUrl: string, repo: string, digest: string, size: number, body: () => Readable | Buffer, headers: Record<string, string>) {
  const head = await fetch(`${registryUrl}/v2/${repo}/blobs/${digest}`, { method: 'HEAD', headers });
  if (head.status === 200) return;
  const start = await fetch(`${registryUrl}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers });
  if (start.status !== 202) throw new Error(`blob upload start: ${start.status} ${await start.text()}`);
  const location = new URL(start.headers.get('location')!, registryUrl);
  location.searchParams.set('digest', digest);
  const b = body();
  const put = await fetch(location, {
    method: 'PUT',
    headers: { ...headers, 'content-type': 'application/octet-stream', 'content-length': String(size) },
    body: Buffer.isBuffer(b) ? b : (Readable.toWeb(b) as unknown as BodyInit),
    duplex: 'half',
  } as RequestInit);
  if (put.status !== 201) throw new Error(`blob upload ${digest}: ${put.status} ${await put.text()}`);
}

export async function pushManifest(registryUrl: string, repo: string, reference: string, body: Buffer, mediaType: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${registryUrl}/v2/${repo}/manifests/${reference}`, {
    method: 'PUT',
    headers: { ...headers, 'content-type': mediaType },
    body: new Uint8Array(body),
  });
  if (res.status !== 201) throw new Error(`manifest push ${repo}:${reference}: ${res.status} ${await res.text()}`);
}

export async function pushImage(registryUrl: string, repo: string, tag: string | undefined, image: BuiltImage, headers: Record<string, string> = {}) {
  for (const l of image.layers) {
    await uploadBlob(registryUrl, repo, l.digest, l.size, () => (l.source.file ? createReadStream(l.source.file) : l.source.bytes!), headers);
  }
  await uploadBlob(registryUrl, repo, image.configDigest, image.config.length, () => image.config, headers);
  await pushManifest(registryUrl, repo, tag ?? image.manifestDigest, image.manifest, image.manifestMediaType, headers);
}

export async function writeOciLayout(dir: string, image: BuiltImage, refName?: string): Promise<void> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  for (const l of image.layers) {
    const dest = join(blobs, l.digest.slice(7));
    if (l.source.file) await copyFile(l.source.file, dest);
    else await writeFile(dest, l.source.bytes!);
  }
  await writeFile(join(blobs, image.configDigest.slice(7)), image.config);
  await writeFile(join(blobs, image.manifestDigest.slice(7)), image.manifest);
  const index = {
    schemaVersion: 2,
    manifests: [
      {
        mediaType: image.manifestMediaType,
        digest: image.manifestDigest,
        size: image.manifest.length,
        ...(refName ? { annotations: { 'org.opencontainers.image.ref.name': refName } } : {}),
      },
    ],
  };
  await writeFile(join(dir, 'index.json'), JSON.stringify(index));
}

export interface TarEntry {
  path: string;
  content?: string | Buffer;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  linkname?: string;
}

/** A small gzip'd tar made in memory, for synthetic layers. */
export async function tarLayer(entries: TarEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const e of entries) {
    const type = e.type ?? 'file';
    const content = e.content === undefined ? undefined : Buffer.isBuffer(e.content) ? e.content : Buffer.from(e.content);
    await new Promise<void>((resolve, reject) => {
      p.entry({ name: e.path, type, linkname: e.linkname, size: type === 'file' ? (content?.length ?? 0) : 0, mode: type === 'directory' ? 0o755 : 0o644 }, type === 'file' ? (content ?? Buffer.alloc(0)) : Buffer.alloc(0), (err) =>
        err ? reject(err) : resolve(),
      );
    });
  }
  p.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

export async function fileSize(path: string): Promise<number> {
  return (await stat(path)).size;
}

export { readFile };
