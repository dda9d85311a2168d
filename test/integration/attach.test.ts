/**
 * SBOMs attached to their image on the real registry (distribution 2.8: no Referrers API, so the referrers tag
 * schema): two formats attached at once both survive, a client knowing only the image digest finds them and reads
 * them back by digest, and attaching again pushes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachSbom, referrers } from '../../src/registry/attach.js';
import { RegistryClient } from '../../src/registry/client.js';
import { parseReference } from '../../src/registry/reference.js';
import { encodeCycloneDx } from '../../src/sbom/cyclonedx.js';
import { sbomFormat } from '../../src/sbom/formats/index.js';
import { ANALYZER_VERSION } from '../../src/catalog/catalogers.js';
import { buildImage, pushImage, tarLayer } from '../support/image-builder.js';
import { hasRegistry, registrySkipMessage, startRegistry, type TestRegistry } from '../support/registry.js';
import { sampleSbomInput } from '../support/sbom-sample.js';
import { ReferrersResponder } from '../support/referrers-responder.js';

if (!hasRegistry) console.warn(registrySkipMessage);

describe.skipIf(!hasRegistry)('attach SBOMs to the image (referrers tag schema on distribution 2.8)', () => {
  let registry: TestRegistry;
  let digest: string;
  const client = new RegistryClient({ plainHttpLoopback: true });
  beforeAll(async () => {
    registry = await startRegistry();
    const image = await buildImage([{ bytes: await tarLayer([{ path: 'etc/hello', content: 'hi' }]) }]);
    await pushImage(registry.url, 'team/app', '1', image);
    digest = image.manifestDigest;
  });
  afterAll(async () => registry?.stop());

  it('two formats attached concurrently both survive, are found by the image digest, and are not pushed twice', async () => {
    const image = parseReference(`${registry.host}/team/app:1`);
    const input = { ...sampleSbomInput(), subject: { ...sampleSbomInput().subject, digest } };
    const cdx = encodeCycloneDx(input);
    const spdx = sbomFormat('spdx-json')!.encode(input);
    const common = { image, subjectDigest: digest, analyzerVersion: ANALYZER_VERSION, created: input.subject.created };
    const [a, b] = await Promise.all([
      attachSbom(client, { ...common, artifactType: 'application/vnd.cyclonedx+json', body: cdx, fileName: 'sbom.cdx.json' }),
      attachSbom(client, { ...common, artifactType: 'application/spdx+json', body: spdx, fileName: 'sbom.spdx.json' }),
    ]);
    expect([a.via, b.via]).toEqual(['referrers-tag', 'referrers-tag']);
    expect([a.pushed, b.pushed]).toEqual([true, true]);
    // A client that knows only the image digest: the sha256-<hex> tag lists both.
    const found = await referrers(client, { registry: image.registry, repository: image.repository }, digest);
    expect(found.api).toBe(false);
    expect(found.manifests.map((m) => m.artifactType).sort()).toEqual(['application/spdx+json', 'application/vnd.cyclonedx+json']);
    for (const m of found.manifests) expect(m.annotations?.['dev.layerlens.analyzer.version']).toBe(ANALYZER_VERSION);
    // Read back by digest: the artifact's subject is the image, its layer the SBOM as encoded.
    const art = await client.getManifest(image, undefined, a.digest);
    const doc = JSON.parse(art.body.toString()) as { subject: { digest: string }; layers: { digest: string; size: number; mediaType: string }[] };
    expect(doc.subject.digest).toBe(digest);
    const bytes = await client.getBlobBytes(image, { ...doc.layers[0] });
    expect(bytes.toString()).toBe(cdx);
    // A rescan: same manifest digest, already listed, nothing pushed, the tag still lists exactly two.
    const again = await attachSbom(client, { ...common, artifactType: 'application/vnd.cyclonedx+json', body: cdx, fileName: 'sbom.cdx.json' });
    expect(again).toEqual({ digest: a.digest, via: 'referrers-tag', pushed: false });
    expect((await referrers(client, { registry: image.registry, repository: image.repository }, digest)).manifests).toHaveLength(2);
  });

  it('through the Referrers API where the registry has it: no referrers tag, found by digest, not pushed twice', async () => {
    const responder = await new ReferrersResponder(registry.url).start();
    try {
      const image = parseReference(`${responder.host}/team/app:1`);
      const input = { ...sampleSbomInput(), subject: { ...sampleSbomInput().subject, digest } };
      const req = { image, subjectDigest: digest, analyzerVersion: ANALYZER_VERSION, created: input.subject.created, artifactType: 'application/spdx+json', fileName: 'sbom.spdx.json' };
      const body = sbomFormat('spdx-json')!.encode({ ...input, warnings: ['via the API'] });
      const first = await attachSbom(client, { ...req, body });
      expect(first).toMatchObject({ via: 'referrers-api', pushed: true });
      const found = await referrers(client, { registry: image.registry, repository: image.repository }, digest);
      expect(found.api).toBe(true);
      expect(found.manifests.map((m) => m.digest)).toEqual([first.digest]);
      expect(responder.seen.filter((r) => r.includes('/manifests/sha256-'))).toEqual([]);
      const again = await attachSbom(client, { ...req, body });
      expect(again).toEqual({ digest: first.digest, via: 'referrers-api', pushed: false });
      expect(responder.seen.filter((r) => r.startsWith('PUT ')).length).toBe(2); // the first attach only: the SBOM blob and the manifest (the empty config was there)
    } finally {
      await responder.stop();
    }
  });
});
