/**
 * SSRF guard: before every hop (registry, token realm, redirect target, foreign-layer URL) the host is resolved and
 * each address it resolves to is checked. Loopback, private, link-local, cloud-metadata and unspecified addresses are
 * refused unless private addresses are allowed (the CLI: it runs on the user's own machine) or the host is trusted by
 * name (LAYERLENS_INSECURE_REGISTRIES lists registries the operator set up on purpose).
 *
 * The check runs twice per hop: before the request (`check`, so a refused URL costs no connection and a redirect
 * target is judged before it is followed) and as the connection's own DNS lookup (`connectLookup`), so a name that
 * answers differently the second time (DNS rebinding) is refused on the addresses actually connected to.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { LayerlensError } from '../errors.js';

export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'metadata' | 'unspecified';

const ranges: [AddressClass, string, number, 'ipv4' | 'ipv6'][] = [
  // Metadata first: it lies inside link-local / unique-local ranges but deserves its own name in the error.
  ['metadata', '169.254.169.254', 32, 'ipv4'],
  ['metadata', 'fd00:ec2::254', 128, 'ipv6'],
  ['unspecified', '0.0.0.0', 8, 'ipv4'],
  ['unspecified', '::', 128, 'ipv6'],
  ['loopback', '127.0.0.0', 8, 'ipv4'],
  ['loopback', '::1', 128, 'ipv6'],
  ['private', '10.0.0.0', 8, 'ipv4'],
  ['private', '172.16.0.0', 12, 'ipv4'],
  ['private', '192.168.0.0', 16, 'ipv4'],
  // Carrier-grade NAT space: internal in most clouds' VPCs.
  ['private', '100.64.0.0', 10, 'ipv4'],
  ['private', 'fc00::', 7, 'ipv6'],
  ['link-local', '169.254.0.0', 16, 'ipv4'],
  ['link-local', 'fe80::', 10, 'ipv6'],
];

const lists = new Map<AddressClass, BlockList>();
for (const [cls, net, prefix, family] of ranges) {
  if (!lists.has(cls)) lists.set(cls, new BlockList());
  lists.get(cls)!.addSubnet(net, prefix, family);
}

/** `::ffff:127.0.0.1` and `::ffff:7f00:1` are IPv4 addresses in IPv6 clothing; judge them as IPv4. */
function unmapIPv4(address: string): string {
  const lower = address.toLowerCase();
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const hi = parseInt(hex[1], 16);
    const lo = parseInt(hex[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return address;
}

export function classifyAddress(address: string): AddressClass {
  const ip = unmapIPv4(address.replace(/^\[|\]$/g, ''));
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  for (const [cls, list] of lists) if (list.check(ip, family)) return cls;
  return 'public';
}

export type LookupAll = (hostname: string) => Promise<{ address: string; family: number }[]>;

const systemLookup: LookupAll = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export interface AddressGuardOptions {
  /** Loopback, private and link-local addresses are fine (the CLI on a user's machine). */
  allowPrivate: boolean;
  /** `host:port` or `host` entries reachable whatever they resolve to (operator-configured registries). */
  trustedHosts?: Iterable<string>;
  lookup?: LookupAll;
}

export class AddressGuard {
  private readonly trusted: Set<string>;
  private readonly lookup: LookupAll;

  constructor(private readonly options: AddressGuardOptions) {
    this.trusted = new Set([...(options.trustedHosts ?? [])].map((h) => h.toLowerCase()));
    this.lookup = options.lookup ?? systemLookup;
  }

  get allowsPrivate(): boolean {
    return this.options.allowPrivate;
  }

  /** Throws REGISTRY_NOT_ALLOWED when `url`'s host resolves to an address the policy refuses. */
  async check(url: URL, step: string): Promise<void> {
    if (!this.guards(url)) return;
    const hostname = bareHostname(url);
    if (isIP(hostname)) this.refuseUnlessPublic(url, [hostname], step);
    else this.refuseUnlessPublic(url, (await this.resolve(hostname, step)).map((a) => a.address), step);
  }

  /**
   * The DNS lookup for the connection to `url`, judged like `check`; undefined where the policy lets every address
   * through (private addresses allowed, a trusted host, an IP literal `check` has judged).
   */
  connectLookup(url: URL, step: string): LookupFunction | undefined {
    if (!this.guards(url) || isIP(bareHostname(url))) return undefined;
    return (hostname, options, callback) => {
      this.resolve(hostname, step)
        .then((answers) => {
          this.refuseUnlessPublic(url, answers.map((a) => a.address), step);
          const usable = options.family === 4 || options.family === 6 ? answers.filter((a) => a.family === options.family) : answers;
          if (usable.length === 0) throw Object.assign(new Error(`no IPv${options.family} address for ${hostname}`), { code: 'ENOTFOUND' });
          if (options.all) callback(null, usable);
          else callback(null, usable[0].address, usable[0].family);
        })
        .catch((e: NodeJS.ErrnoException) => callback(e, ''));
    };
  }

  private guards(url: URL): boolean {
    if (this.options.allowPrivate) return false;
    return !this.trusted.has(url.host.toLowerCase()) && !this.trusted.has(bareHostname(url).toLowerCase());
  }

  private async resolve(hostname: string, step: string): Promise<{ address: string; family: number }[]> {
    try {
      return await this.lookup(hostname);
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw new LayerlensError('REGISTRY_UNREACHABLE', `unknown host ${hostname} (DNS lookup failed${code ? `: ${code}` : ''})`, {
        step,
        cause: e,
        retryable: code === 'EAI_AGAIN',
      });
    }
  }

  private refuseUnlessPublic(url: URL, addresses: string[], step: string): void {
    for (const address of addresses) {
      const cls = classifyAddress(address);
      if (cls !== 'public') {
        throw new LayerlensError(
          'REGISTRY_NOT_ALLOWED',
          `${url.host} resolves to ${address} (${cls} address): refused to prevent server-side request forgery; ` +
            'set LAYERLENS_ALLOW_PRIVATE_REGISTRIES=true or list the host in LAYERLENS_INSECURE_REGISTRIES to allow it',
          { step, retryable: false },
        );
      }
    }
  }
}

function bareHostname(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}
