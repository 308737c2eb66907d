import { chooseAddresses, compareAddresses, listAddresses } from '../../functions/core/addresses';
import { judgeAddresses, type AddressProbe } from '../../functions/core/address-judgement';
import { CHECK_DEFAULTS } from '../../functions/core/check-settings';
import { parseDnsServer } from '../../functions/core/dns-server';
import { T0, at, leaf } from './escalation/harness';

describe('which addresses a check probes', () => {
  test('each once, IPv4 numerically then IPv6 numerically, whatever order the resolver gave', () => {
    const resolved = ['2001:db8::10', '10.0.0.10', '::ffff:10.0.0.1', '10.0.0.9', '2001:db8::9', '10.0.0.10', '::1'];
    expect(chooseAddresses(resolved, { maxAddresses: 16 }).probed).toEqual(['10.0.0.9', '10.0.0.10', '::1', '::ffff:10.0.0.1', '2001:db8::9', '2001:db8::10']);
  });

  test('at most maxAddresses; the rest are not probed; firstAddress takes the resolver\'s first alone', () => {
    expect(chooseAddresses(['10.0.0.3', '10.0.0.1', '10.0.0.2'], { maxAddresses: 2 })).toEqual({ probed: ['10.0.0.1', '10.0.0.2'], notProbed: ['10.0.0.3'] });
    expect(chooseAddresses(['10.0.0.3', '10.0.0.1'], { maxAddresses: 2, firstAddress: true })).toEqual({ probed: ['10.0.0.3'], notProbed: [] });
  });

  test('an address that is neither form (a zone id) sorts last, as text', () => {
    expect(['fe80::1%eth0', '::2', '10.0.0.1'].sort(compareAddresses)).toEqual(['10.0.0.1', '::2', 'fe80::1%eth0']);
  });

  test('a list names five addresses, then how many more', () => {
    expect(listAddresses(['a'])).toBe('a');
    expect(listAddresses(['a', 'b', 'c'])).toBe('a, b and c');
    expect(listAddresses(['1', '2', '3', '4', '5', '6', '7'])).toBe('1, 2, 3, 4, 5 and 2 more');
    expect(listAddresses(['1', '2'], 10)).toBe('1, 2 and 8 more');
  });
});

describe('judging a target by its addresses', () => {
  const renewed = leaf('CC:01', at(300), 398);
  const old = leaf('AA:01', T0, 398);
  const served = (address: string, chain = [renewed]): AddressProbe => ({ address, observation: { chain, chainProblem: null, chainProblemDetail: null, hostnameMismatch: null } });
  const failed = (address: string): AddressProbe => ({ address, error: { code: 'TIMEOUT', message: `shop.example:443: no complete TLS handshake within 10000 ms` } });

  test('one address is judged as before: no prefix, no pool finding', () => {
    const judged = judgeAddresses([served('10.0.0.1', [old])], [], CHECK_DEFAULTS, at(390));
    expect(judged.findings.map((finding) => finding.message)).toEqual([expect.stringMatching(/^the certificate expires on/)]);
    expect(judged.addresses).toHaveLength(1);
  });

  test('the node whose certificate expires first governs, whichever order the nodes came in', () => {
    const one = judgeAddresses([served('10.0.0.1'), served('10.0.0.2', [old])], [], CHECK_DEFAULTS, at(393));
    const other = judgeAddresses([served('10.0.0.2', [old]), served('10.0.0.1')], [], CHECK_DEFAULTS, at(393));
    expect(one.leaf).toBe(old);
    expect(other.leaf).toBe(old);
    expect(one.notAfter).toBe(old.notAfter);
    expect(one.status).toBe('critical');
  });

  test('an expired node makes the target expired and MIXED_CERTIFICATES critical', () => {
    const judged = judgeAddresses([served('10.0.0.1'), served('10.0.0.2', [old])], [], CHECK_DEFAULTS, at(400));
    expect(judged.status).toBe('expired');
    expect(judged.findings.map((finding) => `${finding.code}/${finding.severity}`)).toEqual(['EXPIRED/critical', 'MIXED_CERTIFICATES/critical']);
  });

  test('nodes agreeing on a certificate far from expiry but differing: MIXED_CERTIFICATES is a warning', () => {
    const other = leaf('DD:01', at(300), 398);
    const judged = judgeAddresses([served('10.0.0.1'), served('10.0.0.2', [other])], [], CHECK_DEFAULTS, at(310));
    expect(judged.status).toBe('warning');
    expect(judged.findings.map((finding) => `${finding.code}/${finding.severity}`)).toEqual(['MIXED_CERTIFICATES/warning']);
  });

  test('every node failing: an error with the first one\'s error, and no finding', () => {
    const judged = judgeAddresses([failed('10.0.0.1'), { address: '10.0.0.2', error: { code: 'CONNECTION_REFUSED', message: 'refused' } }], ['10.0.0.3'], CHECK_DEFAULTS, at(10));
    expect(judged).toMatchObject({ status: 'error', error: { code: 'TIMEOUT' }, findings: [], leaf: null });
    expect(judged.addresses.map((entry) => entry.status)).toEqual(['error', 'error']);
  });

  test('one node that verifies differently makes the target untrusted', () => {
    const judged = judgeAddresses(
      [served('10.0.0.1'), { address: '10.0.0.2', observation: { chain: [renewed], chainProblem: 'INCOMPLETE_CHAIN', chainProblemDetail: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', hostnameMismatch: null } }],
      [],
      CHECK_DEFAULTS,
      at(310),
    );
    expect(judged.trusted).toBe(false);
    expect(judged.status).toBe('critical');
    // The same leaf on both: not mixed certificates, but the node's problem named.
    expect(judged.findings.map((finding) => finding.code)).toEqual(['INCOMPLETE_CHAIN']);
    expect(judged.findings[0].message).toMatch(/^10\.0\.0\.2: /);
  });
});

describe('DNS servers as users name them', () => {
  test.each([
    ['10.0.0.2', { address: '10.0.0.2', port: 53 }],
    ['10.0.0.3:5353', { address: '10.0.0.3', port: 5353 }],
    ['2001:DB8::53', { address: '2001:db8::53', port: 53 }],
    ['[2001:db8::53]:5353', { address: '2001:db8::53', port: 5353 }],
    [' [::1] ', { address: '::1', port: 53 }],
  ])('%s', (text, expected) => {
    expect(parseDnsServer(text)).toEqual(expected);
  });

  test.each([
    ['dns.internal', 'give an IP address, not a host name'],
    ['dns.internal:53', 'give an IP address, not a host name'],
    ['010.0.0.2', 'give an IP address, not a host name'],
    ['10.0.0.2:0', 'port "0" is not a number in 1-65535'],
    ['[10.0.0.2]:53', '"10.0.0.2" is not an IPv6 address'],
    ['', 'give an IP address'],
  ])('%j is refused: %s', (text, message) => {
    expect(() => parseDnsServer(text)).toThrow(message);
  });
});
