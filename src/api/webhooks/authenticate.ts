/**
 * Is a webhook request from someone who knows LAYERLENS_WEBHOOK_SECRET? Three forms, for what senders can do:
 * `X-Hub-Signature-256: sha256=<HMAC of the raw body>` (GitHub), `Authorization: Bearer SECRET` (a static header:
 * distribution's endpoint `headers`, Harbor's "Auth Header"), or `?token=SECRET` (Docker Hub, Quay: URL only).
 * Every comparison is constant-time; a signature header that is present but wrong is final (no fallback to the
 * other forms), so a request cannot pass by carrying a bad signature next to something else.
 */
import { createHmac } from 'node:crypto';
import { constantTimeEqual } from '../auth.js';

export interface PresentedCredentials {
  signature?: string;
  authorization?: string;
  token?: string;
}

export type AuthOutcome = { ok: true; via: 'signature' | 'bearer' | 'token' } | { ok: false; reason: string };

export function authenticateWebhook(secret: string, raw: Uint8Array, presented: PresentedCredentials): AuthOutcome {
  if (presented.signature !== undefined) {
    const expected = `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
    return constantTimeEqual(presented.signature.trim().toLowerCase(), expected) ? { ok: true, via: 'signature' } : { ok: false, reason: 'the X-Hub-Signature-256 signature does not match the body' };
  }
  const auth = presented.authorization?.trim();
  if (auth) {
    const bearer = /^bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
    if (bearer !== undefined && constantTimeEqual(bearer, secret)) return { ok: true, via: 'bearer' };
    if (presented.token === undefined) return { ok: false, reason: 'the Authorization header does not carry the webhook secret' };
  }
  if (presented.token !== undefined) {
    return constantTimeEqual(presented.token, secret) ? { ok: true, via: 'token' } : { ok: false, reason: 'the token parameter is not the webhook secret' };
  }
  return { ok: false, reason: 'send the webhook secret as Authorization: Bearer SECRET, an X-Hub-Signature-256 signature or ?token=SECRET' };
}
