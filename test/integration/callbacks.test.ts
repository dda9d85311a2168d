/**
 * Result callbacks end to end: signed POSTs to a test receiver when a job completes or finally fails (not after a
 * failed attempt that will be retried), one per caller of a shared job, retried when the receiver answers 500.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceStack, type ServiceStack } from '../support/service-stack.js';
import { apkImage } from '../support/apk-image.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { HttpReceiver, type ReceivedRequest } from '../support/http-receiver.js';
import { pushImage } from '../support/image-builder.js';
import { dropPrefix, testPrefix } from '../support/redis.js';
import { hasRegistry, registrySkipMessage, startRegistry, type TestRegistry } from '../support/registry.js';

if (!hasRegistry) console.warn(registrySkipMessage);

const SECRET = 'callback-secret-for-tests';

describe.skipIf(!hasRegistry)('result callbacks', () => {
  let registry: TestRegistry;
  let proxy: FaultProxy;
  let receiver: HttpReceiver;
  let stack: ServiceStack;
  let base: string;
  const prefix = testPrefix('callbacks');

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await new FaultProxy(registry.url).start();
    receiver = await new HttpReceiver().start();
    stack = await startServiceStack(
      {
        LAYERLENS_INSECURE_REGISTRIES: proxy.host,
        LAYERLENS_JOB_ATTEMPTS: '2',
        LAYERLENS_CALLBACK_SECRET: SECRET,
        // The receiver listens on loopback, which the SSRF policy refuses by default.
        LAYERLENS_CALLBACK_ALLOW_PRIVATE: 'true',
      },
      prefix,
    );
    base = stack.base;
  });

  afterAll(async () => {
    await stack?.close();
    await receiver?.stop();
    await proxy?.stop();
    await registry?.stop();
    await dropPrefix(prefix);
  });

  const analyse = (body: unknown) => fetch(`${base}/v1/analyses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const signed = (r: ReceivedRequest) => r.headers['x-layerlens-signature'] === `sha256=${createHmac('sha256', SECRET).update(r.body).digest('hex')}`;
  const to = (path: string) => (r: ReceivedRequest) => r.path === path;

  it('calls every caller of a shared job back, signed, when it completes', async () => {
    const image = await apkImage('called-back');
    await pushImage(registry.url, 'team/cb', '1', image);
    const first = await analyse({ image: `${proxy.host}/team/cb:1`, callbackUrl: `${receiver.url}/a?ref=1` });
    expect(first.status).toBe(202);
    const { id } = (await first.json()) as { id: string };
    const second = (await (await analyse({ image: `${proxy.host}/team/cb:1`, callbackUrl: `${receiver.url}/b` })).json()) as { id: string };
    expect(second.id).toBe(id);
    const [a] = await receiver.waitFor(to('/a?ref=1'));
    const [b] = await receiver.waitFor(to('/b'));
    for (const r of [a, b]) {
      expect(r.method).toBe('POST');
      expect(signed(r)).toBe(true);
      expect(JSON.parse(r.body)).toMatchObject({ id, status: 'completed', digest: image.manifestDigest, links: { sbom: `/v1/sboms/${image.manifestDigest}` }, result: { packages: { apk: 1 } } });
    }
    // A signature made with another key does not verify: the check above is not vacuous.
    expect(a.headers['x-layerlens-signature']).not.toBe(`sha256=${createHmac('sha256', 'other').update(a.body).digest('hex')}`);
  });

  it('calls back once when a job finally fails, not after the attempt that is retried', async () => {
    const image = await apkImage('fails-twice');
    await pushImage(registry.url, 'team/broken', '1', image);
    // Every blob GET answers 500: transient, so the job is retried once (LAYERLENS_JOB_ATTEMPTS=2), then fails.
    proxy.addFault({ method: 'GET', path: /\/team\/broken\/blobs\//, fault: { kind: 'status', status: 500 }, times: Infinity });
    const res = await analyse({ image: `${proxy.host}/team/broken:1`, callbackUrl: `${receiver.url}/failed` });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const [r] = await receiver.waitFor(to('/failed'), 1, 40_000);
    expect(signed(r)).toBe(true);
    expect(JSON.parse(r.body)).toMatchObject({ id, status: 'failed', error: { code: 'REGISTRY_ERROR' } });
    const job = (await (await fetch(`${base}/v1/analyses/${id}`)).json()) as { status: string; attempts: number };
    expect(job).toMatchObject({ status: 'failed', attempts: 2 });
    await new Promise((done) => setTimeout(done, 500));
    expect(receiver.requests.filter(to('/failed'))).toHaveLength(1);
    proxy.clear();
  }, 50_000);

  it('retries a delivery the receiver answered with 500, with the same body and signature', async () => {
    const image = await apkImage('retried-callback');
    await pushImage(registry.url, 'team/retry', '1', image);
    receiver.answer(500);
    const res = await analyse({ image: `${proxy.host}/team/retry:1`, callbackUrl: `${receiver.url}/retry` });
    expect(res.status).toBe(202);
    const [refused, delivered] = await receiver.waitFor(to('/retry'), 2);
    expect(refused.status).toBe(500);
    expect(delivered.status).toBe(200);
    expect(delivered.body).toBe(refused.body);
    expect(delivered.headers['x-layerlens-delivery']).toBe(refused.headers['x-layerlens-delivery']);
    expect(signed(delivered)).toBe(true);
    expect(delivered.at - refused.at).toBeGreaterThanOrEqual(900);
  });

  it('refuses callback URLs the SSRF policy forbids, before enqueueing anything', async () => {
    const res = await analyse({ image: `${proxy.host}/team/cb:1`, force: true, callbackUrl: 'http://169.254.169.254/latest/meta-data/' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'CALLBACK_URL_REFUSED' });
  });
});
