import { isIP } from 'node:net';
import { ipVersion } from '../../functions/core/ip-address';

// The core's own address recognition must agree with node:net's (which it avoids importing), zone ids aside.

test.each([
  '127.0.0.1',
  '255.255.255.255',
  '256.0.0.1',
  '01.2.3.4',
  '127.0.0.1:443',
  '::',
  '::1',
  '1::',
  '2001:db8::1',
  '2001:0db8:0000:0000:0000:0000:0000:0001',
  '::ffff:192.0.2.1',
  '1:2:3:4:5:6:7:8',
  '1:2:3:4:5:6:7:8:9',
  '2001:db8::1:443',
  'a:b',
  ':1',
  '1:',
  'fe80::1::2',
  'example.com',
  'example.com:443',
  '',
])('%j is what net.isIP says', (text) => {
  expect(ipVersion(text)).toBe(isIP(text));
});

test('an IPv6 address with a zone id is not an address here (targets name hosts, not interfaces)', () => {
  expect(isIP('fe80::1%eth0')).toBe(6);
  expect(ipVersion('fe80::1%eth0')).toBe(0);
});
