/**
 * Watches against a registry without notifications: a moved tag is picked up by the schedule, watches survive a
 * restart of API and worker, tag globs use the registry's tag list, and an unchanged tag costs one HEAD per tick.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceStack, type ServiceStack } from '../support/service-stack.js';
import { apkImage } from '../support/apk-image.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { pushImage } from '../support/image-builder.js';
import { dropPrefix, testPrefix } from '../support/redis.js';
import { hasRegistry, registrySkipMessage, startRegistry, type TestRegistry } from '../support/registry.js';

if (!hasRegistry) console.warn(registrySkipMessage);

describe.skipIf(!hasRegistry)('watches (scheduled rescans)', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let stack: ServiceStack;
  let env: Record<string, string>;
  let base: string;
  const prefix = testPrefix('watches');

  async function start() {
    stack = await startServiceStack(env, prefix);
    base = stack.base;
    // The API answers 503 until its Redis connection is up (it does not queue commands): wait as a load balancer would.
    await until('the API to be ready', async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined));
  }

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await new FaultProxy(registry.url).start();
    env = { LAYERLENS_INSECURE_REGISTRIES: proxy.host, LAYERLENS_WATCH_MIN_INTERVAL: '1s' };
    await start();
  });

  afterAll(async () => {
    await stack?.close();
    await proxy?.stop();
    await registry?.stop();
    await dropPrefix(prefix);
  });

  const createWatch = (body: unknown) => fetch(`${base}/v1/watches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const getWatch = async (id: string) => (await (await fetch(`${base}/v1/watches/${id}`)).json()) as Record<string, any>;

  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const sbomOf = (digest: string) => until(`the SBOM of ${digest}`, async () => ((await fetch(`${base}/v1/sboms/${digest}`)).status === 200 ? true : undefined));

  it('validates watches: schedule floor, cron syntax, tags xor tagPattern, no tag in the repository', async () => {
    const repository = `${proxy.host}/team/watched`;
    const cases: [unknown, string][] = [
      [{ repository, tags: ['1'], interval: '500ms' }, 'minimum'],
      [{ repository, tags: ['1'], cron: 'every minute' }, 'cron'],
      [{ repository, tags: ['1'], tagPattern: '1.*', interval: '5s' }, 'either tags or tagPattern'],
      [{ repository, tags: ['1'], interval: '5s', cron: '*/5 * * * *' }, 'either interval or cron'],
      [{ repository: `${repository}:1`, tags: ['1'], interval: '5s' }, 'without tag'],
      [{ repository, tags: ['bad tag'], interval: '5s' }, 'not a tag'],
    ];
    for (const [body, detail] of cases) {
      const res = await createWatch(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { detail: string }).detail).toContain(detail);
    }
    expect((await fetch(`${base}/v1/watches/w-0000000000000000`)).status).toBe(404);
  });

  it('picks up a moved tag, and keeps watching across a restart of API and worker', async () => {
    const first = await apkImage('watched-one');
    await pushImage(registry.url, 'team/watched', '1', first);
    const created = await createWatch({ repository: `${proxy.host}/team/watched`, tags: ['1'], interval: '1s' });
    expect(created.status).toBe(201);
    const watch = (await created.json()) as Record<string, any>;
    expect(created.headers.get('location')).toBe(`/v1/watches/${watch.id}`);
    expect(watch).toMatchObject({ repository: `${proxy.host}/team/watched`, tags: ['1'], interval: '1s' });
    await sbomOf(first.manifestDigest);
    await until('the watch state', async () => ((await getWatch(watch.id)).state?.['1']?.platformDigest === first.manifestDigest ? true : undefined));

    await stack.close();
    await start();
    const listRes = await fetch(`${base}/v1/watches`);
    const listed = (await listRes.json()) as { watches: { id: string }[] };
    expect(listRes.status, JSON.stringify(listed)).toBe(200);
    expect(listed.watches.map((w) => w.id)).toContain(watch.id);

    const second = await apkImage('watched-two');
    await pushImage(registry.url, 'team/watched', '1', second);
    const moved = Date.now();
    await sbomOf(second.manifestDigest);
    console.info(`moved tag → SBOM via a 1s watch: ${Date.now() - moved} ms`);
    const state = (await getWatch(watch.id)).state['1'];
    expect(state).toMatchObject({ digest: second.manifestDigest, platformDigest: second.manifestDigest });
  });

  it('an unchanged tag costs one HEAD per rescan, no manifest or blob GET', async () => {
    const image = await apkImage('steady');
    await pushImage(registry.url, 'team/steady', 'stable', image);
    const watch = (await (await createWatch({ repository: `${proxy.host}/team/steady`, tags: ['stable'], interval: '1s' })).json()) as Record<string, any>;
    await sbomOf(image.manifestDigest);
    await until('a settled watch', async () => ((await getWatch(watch.id)).state?.stable?.platformDigest ? true : undefined));
    proxy.clear();
    await new Promise((r) => setTimeout(r, 2600));
    expect(proxy.count('HEAD', /\/team\/steady\/manifests\/stable/)).toBeGreaterThanOrEqual(2);
    expect(proxy.count('GET', /\/team\/steady\//)).toBe(0);
    expect((await fetch(`${base}/v1/watches/${watch.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${base}/v1/watches/${watch.id}`)).status).toBe(404);
    // The scheduler went with the watch: no more HEADs.
    await new Promise((r) => setTimeout(r, 300));
    proxy.clear();
    await new Promise((r) => setTimeout(r, 1500));
    expect(proxy.count('HEAD', /\/team\/steady\//)).toBe(0);
  });

  it('a tagPattern watch covers the matching tags from the tag list', async () => {
    for (const tag of ['1.0', '1.1', '2.0']) await pushImage(registry.url, 'team/globbed', tag, await apkImage(`globbed-${tag.replace('.', '-')}`));
    const watch = (await (await createWatch({ repository: `${proxy.host}/team/globbed`, tagPattern: '1.*', cron: '* * * * *' })).json()) as Record<string, any>;
    // A cron watch first fires at the next full minute; an interval one at once. Use the interval form to see it run.
    expect(watch.cron).toBe('* * * * *');
    expect(watch.nextRunAt).toBeDefined();
    const fast = (await (await createWatch({ repository: `${proxy.host}/team/globbed`, tagPattern: '1.*', interval: '1s' })).json()) as Record<string, any>;
    const state = await until('both matching tags', async () => {
      const s = (await getWatch(fast.id)).state as Record<string, unknown>;
      return Object.keys(s).length >= 2 ? s : undefined;
    });
    expect(Object.keys(state).sort()).toEqual(['1.0', '1.1']);
  });
});
