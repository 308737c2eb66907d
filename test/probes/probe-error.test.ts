import { lookup } from 'node:dns/promises';
import { toProbeError } from '../../functions/probes/probe-error';

// The resolver failures other than "not found" (SERVFAIL, a timed-out resolver) cannot be produced offline
// through a real lookup; the mapping from the resolver's codes is checked directly, and NOTFOUND for real.

test('a name that does not exist, from the real resolver, is DNS_NOT_FOUND', async () => {
  const error = await lookup('nonexistent.invalid').catch((caught: unknown) => caught);
  expect(toProbeError(error, 'nonexistent.invalid:443')).toMatchObject({ code: 'DNS_NOT_FOUND', message: 'nonexistent.invalid:443: host name not found' });
});

test.each([
  ['EAI_AGAIN', 'DNS_AI_AGAIN'],
  ['ESERVFAIL', 'DNS_SERVFAIL'],
  ['ENODATA', 'DNS_NODATA'],
])('resolver code %s becomes %s, naming the target', (code, expected) => {
  const error = Object.assign(new Error(`getaddrinfo ${code} api.example.com`), { code, syscall: 'getaddrinfo', hostname: 'api.example.com' });
  expect(toProbeError(error, 'api.example.com:443')).toMatchObject({ code: expected, message: `api.example.com:443: name lookup failed (${code})` });
});
