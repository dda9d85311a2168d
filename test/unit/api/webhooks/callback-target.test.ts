import { describe, expect, it } from 'vitest';
import { signBody } from '../../../../src/jobs/callback-job.js';
import { checkCallbackTarget } from '../../../../src/jobs/callback-target.js';

const resolvesTo = (address: string) => async () => [{ address, family: address.includes(':') ? 6 : 4 }];

describe('callback targets (SSRF policy)', () => {
  it('refuses loopback, private, link-local and metadata addresses unless private ones are allowed; metadata always', async () => {
    for (const url of ['http://127.0.0.1:9/x', 'http://10.1.2.3/x', 'http://[::1]/x', 'http://169.254.10.1/x', 'http://[::ffff:127.0.0.1]/x']) {
      const t = await checkCallbackTarget(url, false);
      expect(t.ok, url).toBe(false);
    }
    expect((await checkCallbackTarget('http://127.0.0.1:9/x', true)).ok).toBe(true);
    expect((await checkCallbackTarget('http://169.254.169.254/latest/meta-data', true)).ok).toBe(false);
  });

  it('checks what a name resolves to, and pins that address', async () => {
    const refused = await checkCallbackTarget('https://hooks.example.com/x', false, resolvesTo('192.168.1.5'));
    expect(refused).toMatchObject({ ok: false, reason: expect.stringContaining('private address') });
    const ok = await checkCallbackTarget('https://hooks.example.com/x', false, resolvesTo('93.184.216.34'));
    expect(ok).toMatchObject({ ok: true, address: '93.184.216.34', family: 4 });
  });

  it('refuses other schemes and URLs with credentials', async () => {
    expect((await checkCallbackTarget('file:///etc/passwd', true)).ok).toBe(false);
    expect((await checkCallbackTarget('http://user:pw@127.0.0.1/x', true)).ok).toBe(false);
  });

  it('signs like GitHub: sha256=<hex HMAC-SHA256 of the body>', () => {
    // Known-answer value computed with `printf '{"a":1}' | openssl dgst -sha256 -hmac key`.
    expect(signBody('key', '{"a":1}')).toBe('sha256=88a67f24bbcdaed0e6c997404bb79a743baf44c6bab2f4c27328e3009d22e342');
  });
});
