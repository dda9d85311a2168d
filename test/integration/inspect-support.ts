/** The images the inspect tests push: an index with odd platforms and an attestation, scratch, zero-layer, Docker, many tags. */
import {
  buildImage,
  buildIndex,
  pushImage,
  pushManifest,
  sha256,
  tarLayer,
  DOCKER_MANIFEST,
  OCI_CONFIG,
  OCI_INDEX,
  OCI_MANIFEST,
  type BuiltImage,
} from '../support/image-builder.js';

export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

export interface Fixtures {
  amd64: BuiltImage;
  arm64: BuiltImage;
  windows: BuiltImage;
  plan9: BuiltImage;
  attestation: BuiltImage;
  index: { body: Buffer; digest: string };
  scratch: BuiltImage;
  empty: BuiltImage;
  docker: BuiltImage;
  manyTags: string[];
  layerDigests: string[];
}

/** An Alpine-like layer (one apk package) and a second layer deleting a 5 000-byte file of the first: 5 000 bytes wasted. */
async function apkWithWaste(architecture: string, variant?: string): Promise<BuiltImage> {
  const base = await tarLayer([
    { path: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.20.3\nNAME="Alpine Linux"\n' },
    { path: 'lib/apk/db/installed', content: `C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:${architecture}\nL:MIT\no:musl\n\n` },
    { path: 'tmp/big', content: Buffer.alloc(5000, architecture) },
  ]);
  const rm = await tarLayer([{ path: 'tmp/.wh.big', content: '' }]);
  return buildImage([{ bytes: base, createdBy: 'ADD rootfs.tar /' }, { bytes: rm, createdBy: 'RUN rm /tmp/big' }], { architecture, variant });
}

/** The same layers under another config (and so another manifest). */
function withConfig(image: BuiltImage, patch: (config: Record<string, any>) => void): BuiltImage {
  const doc = JSON.parse(image.config.toString());
  patch(doc);
  const config = Buffer.from(JSON.stringify(doc));
  const manifestDoc = JSON.parse(image.manifest.toString());
  manifestDoc.config = { ...manifestDoc.config, digest: sha256(config), size: config.length };
  const manifest = Buffer.from(JSON.stringify(manifestDoc));
  return { ...image, config, configDigest: sha256(config), manifest, manifestDigest: sha256(manifest) };
}

/** A BuildKit-style attestation manifest: unknown/unknown config, one in-toto statement layer about `subject`. */
function attestationFor(subject: string): BuiltImage {
  const statement = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', predicateType: 'https://spdx.dev/Document', subject: [{ name: 'x', digest: { sha256: subject.slice(7) } }], predicate: {} }));
  const config = Buffer.from(JSON.stringify({ architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers', diff_ids: [sha256(statement)] } }));
  const layer = { digest: sha256(statement), diffId: sha256(statement), size: statement.length, mediaType: 'application/vnd.in-toto+json', source: { bytes: statement } };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: sha256(config), size: config.length },
      layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.size, annotations: { 'in-toto.io/predicate-type': 'https://spdx.dev/Document' } }],
    }),
  );
  return { manifest, manifestDigest: sha256(manifest), manifestMediaType: OCI_MANIFEST, config, configDigest: sha256(config), layers: [layer] };
}

export async function pushFixtures(registryUrl: string): Promise<Fixtures> {
  const small = await tarLayer([{ path: 'etc/hello.txt', content: 'hello' }]);
  const amd64 = await apkWithWaste('amd64');
  const arm64 = await apkWithWaste('arm64', 'v8');
  const windows = await buildImage([{ bytes: small }], { os: 'windows', architecture: 'amd64' });
  const plan9 = await buildImage([{ bytes: await tarLayer([{ path: 'lib/namespace', content: 'bind' }]) }], { os: 'plan9', architecture: '386' });
  const attestation = attestationFor(amd64.manifestDigest);
  for (const img of [amd64, arm64, windows, plan9, attestation]) await pushImage(registryUrl, 'team/app', undefined, img);
  const index = buildIndex([
    { image: amd64, platform: { os: 'linux', architecture: 'amd64' } },
    { image: arm64, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    { image: windows, platform: { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.5458' } },
    { image: plan9, platform: { os: 'plan9', architecture: '386' } },
    {
      image: attestation,
      platform: { os: 'unknown', architecture: 'unknown' },
      annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': amd64.manifestDigest },
    },
  ]);
  await pushManifest(registryUrl, 'team/app', 'multi', index.body, OCI_INDEX);

  // FROM scratch: one static binary, no os-release, no package database.
  const binary = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.alloc(3000, 0x90)]);
  const scratch = withConfig(await buildImage([{ bytes: await tarLayer([{ path: 'hello', content: binary }]) }]), (c) => {
    c.author = 'layerlens tests';
    c.config = { Entrypoint: ['/hello'], User: '65532:65532', WorkingDir: '/', ExposedPorts: { '8080/tcp': {} }, Labels: { 'org.opencontainers.image.source': 'https://example.com/hello' } };
    c.history = [
      { created: '2024-09-06T11:35:00Z', created_by: 'COPY hello /hello # buildkit' },
      { created: '2024-09-06T11:35:00Z', created_by: 'USER 65532:65532', empty_layer: true },
      { created: '2024-09-06T11:35:00Z', created_by: 'ENTRYPOINT ["/hello"]', empty_layer: true },
    ];
  });
  await pushImage(registryUrl, 'team/app', 'scratch', scratch);
  const empty = await buildImage([], { history: [{ created: '2024-09-06T11:35:00Z', created_by: 'LABEL purpose=empty', empty_layer: true }] });
  await pushImage(registryUrl, 'team/app', 'empty', empty);

  const docker = await buildImage([{ bytes: small }], { docker: true });
  await pushImage(registryUrl, 'team/app', 'docker', docker);
  const list = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_LIST,
      manifests: [{ mediaType: DOCKER_MANIFEST, digest: docker.manifestDigest, size: docker.manifest.length, platform: { os: 'linux', architecture: 'amd64' } }],
    }),
  );
  await pushManifest(registryUrl, 'team/app', 'dockerlist', list, DOCKER_LIST);

  // 120 tags on one manifest: cheap to push, more than two pages of 50.
  await pushImage(registryUrl, 'many/tags', undefined, docker);
  const manyTags = Array.from({ length: 120 }, (_, i) => `1.0.${i}`);
  for (let i = 0; i < manyTags.length; i += 20) {
    await Promise.all(manyTags.slice(i, i + 20).map((t) => pushManifest(registryUrl, 'many/tags', t, docker.manifest, DOCKER_MANIFEST)));
  }
  const layerDigests = [amd64, arm64, windows, plan9, scratch, docker, attestation].flatMap((i) => i.layers.map((l) => l.digest));
  return { amd64, arm64, windows, plan9, attestation, index, scratch, empty, docker, manyTags, layerDigests };
}
