import * as dgram from 'node:dgram';
import { CachedResolver, type DnsAnswer } from '../../../functions/probes/dns/cached-resolver';
import { createResolver } from '../../../functions/probes/dns/create-resolver';
import { dnsServerLookup } from '../../../functions/probes/dns/dns-server-lookup';
import { systemLookup } from '../../../functions/probes/dns/system-lookup';
import { parseDnsServer } from '../../../functions/core/dns-server';
import { ProbeError } from '../../../functions/core/ports';
import { startDnsServer, type RunningDnsServer } from '../../support/dns-server';

// The resolver port's adapters against a real DNS server on loopback (UDP, and TCP for truncated answers) and the
// system's resolver (/etc/hosts).

let dns: RunningDnsServer;
const SETTINGS = { timeoutMs: 3000 };

beforeAll(async () => {
  dns = await startDnsServer({
    'pool.test': { a: ['127.0.0.2', '127.0.0.3', '127.0.0.4'], aaaa: ['::1'], ttl: 60 },
    'v4only.test': { a: ['127.0.0.2'] },
    'big.test': { a: ['127.0.0.2', '127.0.0.3'], truncateUdp: true },
    'empty.test': { a: [], aaaa: [] },
    'broken.test': { a: ['127.0.0.2'], rcode: 'SERVFAIL' },
  });
});

afterAll(() => dns.close());

const fromTestServer = () => createResolver([parseDnsServer(dns.server)]);

/** The error code a lookup fails with (or "resolved"). */
async function failure(lookup: Promise<unknown>): Promise<string> {
  try {
    await lookup;
    return 'resolved';
  } catch (error) {
    if (error instanceof ProbeError) return error.code;
    throw error;
  }
}

describe('DNS servers given by the user', () => {
  test('every A and AAAA record of a name, IPv4 first, with the smallest TTL', async () => {
    const answer = await dnsServerLookup([parseDnsServer(dns.server)])('pool.test', 3000);
    expect(answer).toEqual({ addresses: ['127.0.0.2', '127.0.0.3', '127.0.0.4', '::1'], ttlMs: 60_000 });
  });

  test('a name with only A records resolves to them (its empty AAAA answer is no failure)', async () => {
    expect(await fromTestServer().resolve('v4only.test', SETTINGS)).toEqual(['127.0.0.2']);
  });

  test('an answer truncated over UDP is asked again over TCP', async () => {
    const before = dns.queries.length;
    expect(await fromTestServer().resolve('big.test', SETTINGS)).toEqual(['127.0.0.2', '127.0.0.3']);
    const asked = dns.queries.slice(before).filter((query) => query.type === 'A');
    expect(asked.map((query) => query.transport)).toEqual(['udp', 'tcp']);
  });

  test('a name that does not exist, or has no address record, is DNS_NOT_FOUND', async () => {
    expect(await failure(fromTestServer().resolve('nowhere.test', SETTINGS))).toBe('DNS_NOT_FOUND');
    expect(await failure(fromTestServer().resolve('empty.test', SETTINGS))).toBe('DNS_NOT_FOUND');
  });

  test("a server's failure is DNS_<rcode>, naming the server asked", async () => {
    const error = await fromTestServer()
      .resolve('broken.test', SETTINGS)
      .catch((caught: unknown) => caught as ProbeError);
    expect(error).toBeInstanceOf(ProbeError);
    expect((error as ProbeError).code).toBe('DNS_SERVFAIL');
    expect((error as ProbeError).message).toContain(dns.server);
  });

  test('a server that never answers is DNS_TIMEOUT once the time limit has passed', async () => {
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', () => resolve()));
    try {
      const resolver = createResolver([parseDnsServer(`127.0.0.1:${silent.address().port}`)]);
      expect(await failure(resolver.resolve('pool.test', { timeoutMs: 400 }))).toBe('DNS_TIMEOUT');
    } finally {
      silent.close();
    }
  });

  test('the second server is asked when the first does not answer', async () => {
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', () => resolve()));
    try {
      const resolver = createResolver([parseDnsServer(`127.0.0.1:${silent.address().port}`), parseDnsServer(dns.server)]);
      expect(await resolver.resolve('v4only.test', SETTINGS)).toEqual(['127.0.0.2']);
    } finally {
      silent.close();
    }
  });
});

describe('answers cached for the run', () => {
  test('1,000 targets on one name cost one lookup of each record type', async () => {
    const resolver = fromTestServer();
    const before = dns.queries.length;
    const answers = await Promise.all(Array.from({ length: 1000 }, () => resolver.resolve('pool.test', SETTINGS)));
    expect(new Set(answers.map((answer) => answer.join(' ')))).toEqual(new Set(['127.0.0.2 127.0.0.3 127.0.0.4 ::1']));
    expect(await resolver.resolve('pool.test', SETTINGS)).toHaveLength(4);
    expect(dns.queries.slice(before).map((query) => `${query.name} ${query.type}`).sort()).toEqual(['pool.test A', 'pool.test AAAA']);
  });

  test('kept as long as the TTL says, then asked again', async () => {
    let now = 0;
    const lookups: string[] = [];
    const lookup = async (name: string): Promise<DnsAnswer> => {
      lookups.push(name);
      return { addresses: [`127.0.0.${lookups.length + 1}`], ttlMs: 30_000 };
    };
    const resolver = new CachedResolver(lookup, () => now);
    expect(await resolver.resolve('a.test', SETTINGS)).toEqual(['127.0.0.2']);
    now = 29_999;
    expect(await resolver.resolve('a.test', SETTINGS)).toEqual(['127.0.0.2']);
    now = 30_000;
    expect(await resolver.resolve('a.test', SETTINGS)).toEqual(['127.0.0.3']);
    expect(lookups).toEqual(['a.test', 'a.test']);
  });

  test('a TTL of 0 is shared only while the lookup is in flight; a failure is not kept', async () => {
    let calls = 0;
    let fail = true;
    const lookup = async (): Promise<DnsAnswer> => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (fail) throw new ProbeError('DNS_SERVFAIL', 'x.test: name lookup failed');
      return { addresses: ['127.0.0.2'], ttlMs: 0 };
    };
    const resolver = new CachedResolver(lookup);
    const failures = await Promise.all([1, 2, 3].map(() => failure(resolver.resolve('x.test', SETTINGS))));
    expect(failures).toEqual(['DNS_SERVFAIL', 'DNS_SERVFAIL', 'DNS_SERVFAIL']);
    expect(calls).toBe(1);
    fail = false;
    expect(await Promise.all([resolver.resolve('x.test', SETTINGS), resolver.resolve('x.test', SETTINGS)])).toEqual([['127.0.0.2'], ['127.0.0.2']]);
    expect(calls).toBe(2);
    await resolver.resolve('x.test', SETTINGS);
    expect(calls).toBe(3);
  });
});

describe("the system's resolver", () => {
  test('resolves a name the system knows (/etc/hosts)', async () => {
    expect((await systemLookup('localhost', 3000)).addresses).toContain('127.0.0.1');
  });

  test('a name that does not exist is DNS_NOT_FOUND', async () => {
    expect(await failure(createResolver().resolve('nonexistent.invalid', SETTINGS))).toBe('DNS_NOT_FOUND');
  });
});
