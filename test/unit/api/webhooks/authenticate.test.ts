import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { authenticateWebhook } from '../../../../src/api/webhooks/authenticate.js';

const secret = 's3cret-value';
const body = new TextEncoder().encode('{"action":"published"}');
const sign = (key: string, data: Uint8Array) => `sha256=${createHmac('sha256', key).update(data).digest('hex')}`;

describe('webhook authentication', () => {
  it('accepts the GitHub HMAC over the raw body, a Bearer secret, or a token parameter', () => {
    expect(authenticateWebhook(secret, body, { signature: sign(secret, body) })).toEqual({ ok: true, via: 'signature' });
    expect(authenticateWebhook(secret, body, { authorization: `Bearer ${secret}` })).toEqual({ ok: true, via: 'bearer' });
    expect(authenticateWebhook(secret, body, { authorization: `bearer   ${secret} ` })).toEqual({ ok: true, via: 'bearer' });
    expect(authenticateWebhook(secret, body, { token: secret })).toEqual({ ok: true, via: 'token' });
  });

  it('refuses a wrong signature even next to a right token, a signature of another body, wrong or missing secrets', () => {
    expect(authenticateWebhook(secret, body, { signature: sign('other', body), token: secret }).ok).toBe(false);
    expect(authenticateWebhook(secret, body, { signature: sign(secret, new TextEncoder().encode('{}')) }).ok).toBe(false);
    expect(authenticateWebhook(secret, body, { signature: '' }).ok).toBe(false);
    expect(authenticateWebhook(secret, body, { authorization: `Bearer ${secret}x` }).ok).toBe(false);
    expect(authenticateWebhook(secret, body, { authorization: secret }).ok).toBe(false);
    expect(authenticateWebhook(secret, body, { token: secret.slice(0, -1) }).ok).toBe(false);
    expect(authenticateWebhook(secret, body, {}).ok).toBe(false);
  });
});
