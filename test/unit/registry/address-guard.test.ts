import { createServer } from 'node:http';
import type { LookupOptions } from 'node:dns';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AddressGuard, classifyAddress } from '../../../src/registry/address-guard.js';
import { Transport } from '../../../src/registry/transport.js';

describe('classifyAddress', () => {
  it('names loopback, private, link-local, metadata and unspecified addresses, IPv4 and IPv6', () => {
    const cases: [string, string][] = [
      ['127.0.0.1', 'loopback'], ['127.8.9.10', 'loopback'], ['::1', 'loopback'],
      ['10.1.2.3', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'], ['192.168.1.1', 'private'],
      ['fc00::1', 'private'], ['fd12:3456::1', 'private'], ['100.64.0.1', 'private'],
      ['169.254.1.1', 'link-local'], ['fe80::1', 'link-local'],
      ['169.254.169.254', 'metadata'], ['fd00:ec2::254', 'metadata'],
      ['0.0.0.0', 'unspecified'], ['::', 'unspecified'],
      ['172.32.0.1', 'public'], ['8.8.8.8', 'public'], ['2606:4700::1111', 'public'],
      // IPv4-mapped IPv6, in both spellings, is judged as the IPv4 address it carries.
      ['::ffff:127.0.0.1', 'loopback'], ['::ffff:a9fe:a9fe', 'metadata'], ['::ffff:8.8.8.8', 'public'],
    ];
    for (const [ip, cls] of cases) expect(classifyAddress(ip), ip).toBe(cls);
  });
});

describe('AddressGuard', () => {
  const lookup = (answers: Record<string, string[]>) => async (host: string) => {
    const a = answers[host];
    if (!a) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

  it('checks every address a name resolves to (one private answer is enough to refuse)', async () => {
    const guard = new AddressGuard({ allowPrivate: false, lookup: lookup({ 'reg.example': ['93.184.216.34', '10.0.0.5'], 'ok.example': ['93.184.216.34'] }) });
    await expect(guard.check(new URL('https://reg.example/v2/'), 'fetch manifest')).rejects.toMatchObject({
      code: 'REGISTRY_NOT_ALLOWED',
      step: 'fetch manifest',
      message: expect.stringContaining('10.0.0.5 (private address)'),
    });
    await expect(guard.check(new URL('https://ok.example/v2/'), 's')).resolves.toBeUndefined();
    await expect(guard.check(new URL('http://[::ffff:169.254.169.254]/'), 's')).rejects.toMatchObject({ code: 'REGISTRY_NOT_ALLOWED' });
    await expect(guard.check(new URL('https://nope.example/'), 's')).rejects.toMatchObject({ code: 'REGISTRY_UNREACHABLE' });
  });

  it('lets trusted hosts (by host:port or host) and, when allowed, every private address through', async () => {
    const trusted = new AddressGuard({ allowPrivate: false, trustedHosts: ['127.0.0.1:5000', 'registry.internal'], lookup: lookup({ 'registry.internal': ['10.0.0.9'] }) });
    await expect(trusted.check(new URL('http://127.0.0.1:5000/v2/'), 's')).resolves.toBeUndefined();
    await expect(trusted.check(new URL('https://registry.internal/v2/'), 's')).resolves.toBeUndefined();
    await expect(trusted.check(new URL('http://127.0.0.1:5001/v2/'), 's')).rejects.toMatchObject({ code: 'REGISTRY_NOT_ALLOWED' });
    const open = new AddressGuard({ allowPrivate: true, lookup: lookup({}) });
    await expect(open.check(new URL('http://10.0.0.1/'), 's')).resolves.toBeUndefined();
  });
});

describe('AddressGuard at connect time', () => {
  it('gives the connection a lookup that answers only with addresses it judged, in the form net asks for', async () => {
    const guard = new AddressGuard({ allowPrivate: false, lookup: async () => [{ address: '93.184.216.34', family: 4 }, { address: '2606:2800::1', family: 6 }] });
    const connectLookup = guard.connectLookup(new URL('https://reg.example/v2/'), 's')!;
    const ask = (options: LookupOptions) =>
      new Promise<unknown>((resolve, reject) => connectLookup('reg.example', options, (err, address, family) => (err ? reject(err) : resolve(options.all ? address : [address, family]))));
    expect(await ask({ all: true })).toEqual([{ address: '93.184.216.34', family: 4 }, { address: '2606:2800::1', family: 6 }]);
    expect(await ask({ family: 6 })).toEqual(['2606:2800::1', 6]);
    expect(await ask({})).toEqual(['93.184.216.34', 4]);
    // Nothing to pin where the policy lets every address through, or the host is an address already judged.
    expect(new AddressGuard({ allowPrivate: true }).connectLookup(new URL('https://reg.example/'), 's')).toBeUndefined();
    expect(new AddressGuard({ allowPrivate: false, trustedHosts: ['reg.example'] }).connectLookup(new URL('https://reg.example/'), 's')).toBeUndefined();
    expect(guard.connectLookup(new URL('https://93.184.216.34/'), 's')).toBeUndefined();
  });

  it('refuses a name that answers public to the check and loopback to the connection (DNS rebinding): nothing is sent', async () => {
    let received = 0;
    const server = createServer((_req, res) => {
      received++;
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    let lookups = 0;
    const guard = new AddressGuard({
      allowPrivate: false,
      lookup: async () => [lookups++ === 0 ? { address: '93.184.216.34', family: 4 } : { address: '127.0.0.1', family: 4 }],
    });
    try {
      await expect(new Transport({ attempts: 1 }).send(`http://rebind.example:${port}/v2/`, { step: 'fetch manifest', guard })).rejects.toMatchObject({
        code: 'REGISTRY_NOT_ALLOWED',
        message: expect.stringContaining('127.0.0.1 (loopback address)'),
      });
      expect(lookups).toBe(2);
      expect(received).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
