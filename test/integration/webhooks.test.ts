/**
 * Registry push webhooks end to end, with the real CNCF registry sending its notifications to the API: a push
 * produces the SBOM with no other call. Plus the other senders' documented payloads (their hosts mapped onto the
 * real registry), authentication failures and the dedup of repeated events.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisJobId } from '../../src/jobs/analysis-job.js';
import { validateCycloneDx } from '../../src/sbom/cyclonedx.js';
import { startServiceStack, type ServiceStack } from '../support/service-stack.js';
import { apkImage } from '../support/apk-image.js';
import { buildIndex, OCI_INDEX, pushImage, pushManifest } from '../support/image-builder.js';
import { freePort } from '../support/ports.js';
import { dropPrefix, testPrefix } from '../support/redis.js';
import { hasRegistry, registrySkipMessage, startRegistry, type TestRegistry } from '../support/registry.js';
import { dockerHubPush, githubPublished, harborCloudEvents, harborDefault, quayPush } from '../unit/api/webhooks/payloads.js';

if (!hasRegistry) console.warn(registrySkipMessage);

const SECRET = 'webhook-secret-for-tests';

describe.skipIf(!hasRegistry)('registry webhooks', () => {
  let registry: TestRegistry;
  let stack: ServiceStack;
  let base: string;
  const prefix = testPrefix('webhooks');

  beforeAll(async () => {
    const port = await freePort();
    registry = await startRegistry({ notifications: { url: `http://127.0.0.1:${port}/v1/webhooks/registry`, headers: { Authorization: [`Bearer ${SECRET}`] } } });
    stack = await startServiceStack(
      {
        PORT: String(port),
        LAYERLENS_INSECURE_REGISTRIES: registry.host,
        LAYERLENS_WEBHOOK_SECRET: SECRET,
        // The documented payloads name public registries; here they all live in the test registry.
        LAYERLENS_WEBHOOK_REGISTRY_HOST: ['harbor.example.com', 'ghcr.io', 'docker.io', 'quay.io'].map((h) => `${h}=${registry.host}`).join(','),
      },
      prefix,
    );
    base = stack.base;
  });

  afterAll(async () => {
    await registry?.stop();
    await stack?.close();
    await dropPrefix(prefix);
  });

  async function waitForSbom(digest: string, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await fetch(`${base}/v1/sboms/${digest}`);
      if (res.status === 200) return res.text();
      await res.body?.cancel();
      if (Date.now() > deadline) throw new Error(`no SBOM for ${digest} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const hook = (body: unknown, headers: Record<string, string> = {}, query = '') =>
    fetch(`${base}/v1/webhooks/registry${query}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  const jobOf = async (digest: string) => (await fetch(`${base}/v1/analyses/${analysisJobId(digest, 'single')}`)).status;

  it('a push to the registry produces its SBOM with no other call', async () => {
    const image = await apkImage('pushed-by-registry');
    await pushImage(registry.url, 'team/app', '1.0', image);
    const pushed = Date.now();
    const sbom = await waitForSbom(image.manifestDigest);
    const latency = Date.now() - pushed;
    console.info(`push → SBOM: ${latency} ms`);
    expect(await validateCycloneDx(sbom)).toBeUndefined();
    const doc = JSON.parse(sbom);
    expect(doc.components.map((c: { name: string }) => c.name)).toContain('pushed-by-registry');
  });

  it('an index push analyses every platform of the tagged index, not its untagged children one by one', async () => {
    const amd64 = await apkImage('multi-amd64');
    const arm64 = await apkImage('multi-arm64', '1.0-r0', { architecture: 'arm64' });
    await pushImage(registry.url, 'team/multi', undefined, amd64);
    await pushImage(registry.url, 'team/multi', undefined, arm64);
    const index = buildIndex([
      { image: amd64, platform: { os: 'linux', architecture: 'amd64' } },
      { image: arm64, platform: { os: 'linux', architecture: 'arm64' } },
    ]);
    await pushManifest(registry.url, 'team/multi', '2.0', index.body, OCI_INDEX);
    await waitForSbom(amd64.manifestDigest);
    await waitForSbom(arm64.manifestDigest);
    // Each platform was analysed as a member of the index (its job id names the platform), not as a stand-alone push.
    const job = (await (await fetch(`${base}/v1/analyses/${analysisJobId(arm64.manifestDigest, 'linux/arm64/v8')}`)).json()) as { status: string; indexDigest?: string };
    expect(job).toMatchObject({ status: 'completed', indexDigest: index.digest });
  });

  it('refuses wrong or missing secrets with 401 and enqueues nothing', async () => {
    const image = await apkImage('never-analysed');
    // Pushed by digest only: the registry's own (untagged) notification is ignored, so only our calls could enqueue.
    await pushImage(registry.url, 'team/secret', undefined, image);
    const body = { ...harborDefault, event_data: { ...harborDefault.event_data, resources: [{ digest: image.manifestDigest, tag: 'x', resource_url: 'harbor.example.com/team/secret:x' }], repository: { repo_full_name: 'team/secret' } } };
    for (const [headers, query] of [[{}, ''], [{ authorization: 'Bearer wrong' }, ''], [{ authorization: SECRET }, ''], [{}, '?token=wrong']] as const) {
      const res = await hook(body, headers, query);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    expect(await jobOf(image.manifestDigest)).toBe(404);
  });

  it('Harbor (Default and CloudEvents), Docker Hub and Quay payloads enqueue the pushed images', async () => {
    const nginx = await apkImage('harbor-default');
    const app = await apkImage('harbor-cloudevents');
    const hub = await apkImage('docker-hub');
    const quay = await apkImage('quay');
    await pushImage(registry.url, 'library/nginx', undefined, nginx);
    await pushImage(registry.url, 'team/app', undefined, app);
    await pushImage(registry.url, 'svendowideit/testhook', undefined, hub);
    // Docker Hub and Quay send tags only: the registry's tags must point at the images (pushed under a tag the
    // registry's own notification also reports — the job is shared either way).
    await pushImage(registry.url, 'svendowideit/testhook', 'latest', hub);
    await pushImage(registry.url, 'dgangaia/test', 'v1', quay);
    await pushImage(registry.url, 'dgangaia/test', 'latest', quay);
    const withDigest = (p: typeof harborDefault, digest: string) => ({ ...p, event_data: { ...p.event_data, resources: [{ ...p.event_data.resources[0], digest }] } });
    const harbor1 = (await (await hook(withDigest(harborDefault, nginx.manifestDigest), { authorization: `Bearer ${SECRET}` })).json()) as Record<string, any>;
    expect(harbor1).toMatchObject({ sender: 'harbor', accepted: 1, analyses: [{ digest: nginx.manifestDigest }] });
    const cloud = { ...harborCloudEvents, data: { ...harborCloudEvents.data, resources: [{ ...harborCloudEvents.data.resources[0], digest: app.manifestDigest }] } };
    const harbor2 = (await (await hook(cloud, { authorization: `Bearer ${SECRET}` })).json()) as Record<string, any>;
    expect(harbor2).toMatchObject({ sender: 'harbor', accepted: 1, analyses: [{ digest: app.manifestDigest }] });
    const dh = (await (await hook(dockerHubPush, {}, `?token=${SECRET}`)).json()) as Record<string, any>;
    expect(dh).toMatchObject({ sender: 'dockerhub', accepted: 1, analyses: [{ digest: hub.manifestDigest }] });
    const q = (await (await hook(quayPush, {}, `?token=${SECRET}`)).json()) as Record<string, any>;
    expect(q).toMatchObject({ sender: 'quay', accepted: 2, analyses: [{ digest: quay.manifestDigest }, { digest: quay.manifestDigest }] });
    for (const image of [nginx, app, hub, quay]) await waitForSbom(image.manifestDigest);
  });

  it('GitHub registry_package: a correct HMAC enqueues, a wrong one is 401 and enqueues nothing', async () => {
    const good = await apkImage('github-good');
    const bad = await apkImage('github-bad');
    await pushImage(registry.url, 'octo-org/app', undefined, good);
    await pushImage(registry.url, 'octo-org/app', undefined, bad);
    const payload = (digest: string) => {
      const p = structuredClone(githubPublished);
      p.registry_package.package_version.container_metadata.tag.digest = digest;
      return JSON.stringify(p);
    };
    const sign = (key: string, body: string) => `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
    const goodBody = payload(good.manifestDigest);
    const ok = await hook(goodBody, { 'x-github-event': 'registry_package', 'x-hub-signature-256': sign(SECRET, goodBody) });
    expect(ok.status).toBe(202);
    expect(await ok.json()).toMatchObject({ sender: 'github', accepted: 1, analyses: [{ digest: good.manifestDigest }] });
    const badBody = payload(bad.manifestDigest);
    const refused = await hook(badBody, { 'x-github-event': 'registry_package', 'x-hub-signature-256': sign('not-the-secret', badBody) });
    expect(refused.status).toBe(401);
    // A signature over another body does not pass either.
    const replayed = await hook(badBody, { 'x-github-event': 'registry_package', 'x-hub-signature-256': sign(SECRET, goodBody) });
    expect(replayed.status).toBe(401);
    await waitForSbom(good.manifestDigest);
    expect(await jobOf(bad.manifestDigest)).toBe(404);
  });

  it('a storm of identical events enqueues one job and resolves once', async () => {
    const image = await apkImage('storm');
    await pushImage(registry.url, 'team/storm', undefined, image);
    const event = { ...harborDefault, event_data: { resources: [{ digest: image.manifestDigest, tag: 's', resource_url: 'harbor.example.com/team/storm:s' }], repository: { repo_full_name: 'team/storm' } } };
    const answers = await Promise.all(Array.from({ length: 8 }, () => hook(event, { authorization: `Bearer ${SECRET}` }).then((r) => r.json() as Promise<Record<string, any>>)));
    expect(answers.every((a) => a.accepted === 1)).toBe(true);
    expect(answers.reduce((n, a) => n + a.analyses.length, 0)).toBe(1);
    expect(answers.reduce((n, a) => n + a.duplicates, 0)).toBe(7);
    await waitForSbom(image.manifestDigest);
  });
});
