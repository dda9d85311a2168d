/**
 * Where a callback may go. A callback URL is chosen by the caller, so posting to it is a server-side request the
 * caller steers: loopback, private, link-local and metadata addresses are refused (unless
 * LAYERLENS_CALLBACK_ALLOW_PRIVATE) and the address that passed the check is the one connected to — the delivery
 * pins it, so a DNS answer that changes between check and connect (rebinding) cannot redirect the request.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { classifyAddress } from '../registry/address-guard.js';

export type LookupAll = (hostname: string) => Promise<{ address: string; family: number }[]>;

const systemLookup: LookupAll = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export type CallbackTarget = { ok: true; url: URL; address: string; family: 4 | 6 } | { ok: false; reason: string; retryable: boolean };

export async function checkCallbackTarget(text: string, allowPrivate: boolean, lookup: LookupAll = systemLookup): Promise<CallbackTarget> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: 'the callback URL is not a URL', retryable: false };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: `callback URLs must be http or https, not ${url.protocol}`, retryable: false };
  // Credentials in the URL would be sent along and end up in logs; the signature is the authentication.
  if (url.username || url.password) return { ok: false, reason: 'the callback URL must not carry credentials', retryable: false };
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  if (isIP(hostname)) {
    addresses = [{ address: hostname, family: isIP(hostname) }];
  } else {
    try {
      addresses = await lookup(hostname);
    } catch (e) {
      const code = (e as { code?: string }).code;
      return { ok: false, reason: `unknown host ${hostname}${code ? ` (${code})` : ''}`, retryable: code !== 'ENOTFOUND' };
    }
  }
  if (addresses.length === 0) return { ok: false, reason: `unknown host ${hostname}`, retryable: true };
  for (const { address } of addresses) {
    const cls = classifyAddress(address);
    // Cloud metadata stays refused even when private addresses are allowed: nothing legitimate listens there.
    if (cls === 'metadata' || (cls !== 'public' && !allowPrivate)) {
      const hint = cls === 'metadata' ? '' : '; set LAYERLENS_CALLBACK_ALLOW_PRIVATE=true to allow it';
      return { ok: false, reason: `${url.host} resolves to ${address} (${cls} address): refused to prevent server-side request forgery${hint}`, retryable: false };
    }
  }
  const first = addresses[0];
  return { ok: true, url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
