import type { LookupAddress } from 'node:dns';
import { guardedLookup, isPrivateAddress, PrivateAddressError } from '../../../server/services/routing/webhooks.js';

const resolver =
  (...addresses: string[]) =>
  () =>
    Promise.resolve(addresses.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 })));

/** What a socket's lookup answers, in either of the shapes `net.connect` asks for. */
function look(lookup: ReturnType<typeof guardedLookup>, options: { all?: boolean; family?: number }) {
  return new Promise<{ error: (Error & { code?: string }) | null; address: string | LookupAddress[]; family?: number }>((resolve) =>
    lookup('hooks.example', options, (error, address, family) => resolve({ error, address, family })),
  );
}

describe('webhook targets', () => {
  test('private, loopback, link-local, shared and multicast addresses, in every spelling', () => {
    for (const address of [
      '127.0.0.1',
      '127.8.9.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:a9fe:a9fe',
      'not an address',
    ])
      expect([address, isPrivateAddress(address)]).toEqual([address, true]);
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:5db8:d822'])
      expect([address, isPrivateAddress(address)]).toEqual([address, false]);
  });

  test('the connection’s lookup hands the socket the addresses it checked, in the shape asked for', async () => {
    const lookup = guardedLookup(false, resolver('93.184.216.34', '2606:4700:4700::1111'));
    expect(await look(lookup, { all: true })).toEqual({
      error: null,
      address: [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:4700:4700::1111', family: 6 },
      ],
      family: undefined,
    });
    expect(await look(lookup, {})).toEqual({ error: null, address: '93.184.216.34', family: 4 });
    expect(await look(lookup, { family: 6 })).toEqual({ error: null, address: '2606:4700:4700::1111', family: 6 });
  });

  test('any private address among the answers refuses the connection, unless WEBHOOK_ALLOW_PRIVATE', async () => {
    for (const options of [{ all: true }, {}]) {
      const { error } = await look(guardedLookup(false, resolver('93.184.216.34', '10.0.0.7')), options);
      expect(error).toBeInstanceOf(PrivateAddressError);
      expect(error).toMatchObject({ code: 'ERR_WEBHOOK_PRIVATE_ADDRESS' });
    }
    expect(await look(guardedLookup(true, resolver('127.0.0.1')), {})).toEqual({ error: null, address: '127.0.0.1', family: 4 });
    const failing = guardedLookup(false, () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })));
    expect((await look(failing, {})).error).toMatchObject({ code: 'ENOTFOUND' });
  });
});
