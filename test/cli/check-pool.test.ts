import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressResult, CheckResult } from '../../functions/core/check-result';
import { cli } from '../support/cli';
import { startDnsServer, type RunningDnsServer } from '../support/dns-server';
import { chainFor, daysFromNow, issue } from '../support/pki';
import { startTlsPool } from '../support/servers';

// `certwatch check` on names served by several addresses: a real DNS server on loopback answers each name with some
// of 127.0.0.2-.9 and ::1, and a real TLS server on each of those addresses (one port) serves its own certificate.

const NAMES = ['pool.test', 'stale.test', 'late.test', 'down.test', 'wrong.test', 'dead.test', 'many.test', 'spin.test', 'big.test'];
const dir = mkdtempSync(join(tmpdir(), 'certwatch-check-pool-'));
let caFile: string;
let dns: RunningDnsServer;
let pool: Awaited<ReturnType<typeof startTlsPool>>;

beforeAll(async () => {
  const { root, intermediate } = await chainFor(['unused.test']);
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, root.certPem);
  const leaf = (days: number, sans = NAMES) => issue({ subject: `CN=${sans[0]}`, sans, issuer: intermediate, notBefore: daysFromNow(-300), notAfter: daysFromNow(days, Date.now() + 60_000) });
  const [renewed, stale, critical, otherName] = await Promise.all([leaf(90), leaf(20), leaf(3), leaf(90, ['other.test'])]);
  const serving = (cert: typeof renewed) => ({ key: cert, chain: [cert, intermediate] });
  pool = await startTlsPool({
    '127.0.0.2': serving(renewed),
    '127.0.0.3': serving(renewed),
    '::1': serving(renewed),
    '127.0.0.4': serving(stale),
    '127.0.0.5': serving(critical),
    '127.0.0.6': serving(otherName),
    '127.0.0.7': serving(renewed),
    '127.0.0.8': serving(renewed),
  });
  // Nothing listens on 127.0.0.9 or 127.0.0.10 at the pool's port: connections there are refused.
  dns = await startDnsServer({
    'pool.test': { a: ['127.0.0.3', '127.0.0.2'], aaaa: ['::1'] },
    'stale.test': { a: ['127.0.0.2', '127.0.0.4', '127.0.0.3'] },
    'late.test': { a: ['127.0.0.2', '127.0.0.5'] },
    'down.test': { a: ['127.0.0.2', '127.0.0.9', '127.0.0.3'] },
    'wrong.test': { a: ['127.0.0.2', '127.0.0.3', '127.0.0.6'] },
    'dead.test': { a: ['127.0.0.10', '127.0.0.9'] },
    'many.test': { a: ['127.0.0.8', '127.0.0.7', '127.0.0.3', '127.0.0.2'] },
    'spin.test': { a: ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.7'], rotate: true },
    'big.test': { a: ['127.0.0.2', '127.0.0.3'], truncateUdp: true },
  });
});

afterAll(async () => {
  await Promise.all([pool?.close(), dns?.close()]);
});

async function check(...args: string[]): Promise<{ code: number; results: CheckResult[]; err: string }> {
  const { code, out, err } = await cli('check', '--json', '--ca-file', caFile, '--dns-server', dns.server, ...args);
  return { code, results: out ? (JSON.parse(out) as CheckResult[]) : [], err };
}

const target = (name: string) => `${name}:${pool.port}`;
const summary = (entries: readonly AddressResult[]) => entries.map((entry) => `${entry.address} ${entry.status}${entry.error ? ` ${entry.error.code}` : ''}`);
const codes = (result: CheckResult) => result.findings.map((finding) => `${finding.code}/${finding.severity}`);

test('all addresses agree: one result, every address listed (IPv4 in order, then IPv6), nothing more to say', async () => {
  const { code, results } = await check(target('pool.test'));
  expect(code).toBe(0);
  const [result] = results;
  expect(result).toMatchObject({ target: target('pool.test'), host: 'pool.test', servername: 'pool.test', status: 'ok', trusted: true, error: null, findings: [] });
  expect(summary(result.addresses)).toEqual(['127.0.0.2 ok', '127.0.0.3 ok', '::1 ok']);
  expect(new Set(result.addresses.map((entry) => entry.fingerprintSha256))).toEqual(new Set([result.leaf!.fingerprintSha256]));
  expect(result.addresses[0]).toEqual({ address: '127.0.0.2', status: 'ok', notAfter: result.notAfter, fingerprintSha256: result.leaf!.fingerprintSha256, findings: [], error: null });
  // Each node was asked with the name as SNI.
  for (const host of ['127.0.0.2', '127.0.0.3', '::1']) expect(pool.nodes[host].servernames).toContain('pool.test');
});

test('one node still serving the old certificate: the target is judged by it, and MIXED_CERTIFICATES says which serves which', async () => {
  const { code, results } = await check(target('stale.test'));
  const [result] = results;
  expect(code).toBe(1);
  expect(result.status).toBe('warning');
  const stale = result.addresses.find((entry) => entry.address === '127.0.0.4')!;
  expect(result.notAfter).toBe(stale.notAfter);
  expect(result.leaf!.fingerprintSha256).toBe(stale.fingerprintSha256);
  expect(result.daysRemaining).toBe(20);
  expect(summary(result.addresses)).toEqual(['127.0.0.2 ok', '127.0.0.3 ok', '127.0.0.4 warning']);
  expect(codes(result)).toEqual(['EXPIRES_SOON/warning', 'MIXED_CERTIFICATES/warning']);
  // A finding only some addresses have names them.
  expect(result.findings[0].message).toMatch(/^127\.0\.0\.4: the certificate expires on .*: 20 days left/);
  const renewedPrint = result.addresses[0].fingerprintSha256!.slice(0, 11);
  expect(result.findings[1].message).toBe(
    `3 addresses serve 2 different certificates: 127.0.0.2 and 127.0.0.3 serve SHA-256 ${renewedPrint}... (expires ${result.addresses[0].notAfter}); ` +
      `127.0.0.4 serves SHA-256 ${stale.fingerprintSha256!.slice(0, 11)}... (expires ${stale.notAfter})`,
  );
});

test('a node inside the critical days makes MIXED_CERTIFICATES critical', async () => {
  const { code, results } = await check(target('late.test'));
  expect(code).toBe(2);
  expect(results[0].status).toBe('critical');
  expect(codes(results[0])).toEqual(['EXPIRES_SOON/critical', 'MIXED_CERTIFICATES/critical']);
});

test('one node unreachable while the others answer: ADDRESS_UNREACHABLE naming it and its error, not an error of the target', async () => {
  const { code, results } = await check(target('down.test'));
  const [result] = results;
  expect(code).toBe(1);
  expect(result).toMatchObject({ status: 'warning', error: null, trusted: true });
  expect(summary(result.addresses)).toEqual(['127.0.0.2 ok', '127.0.0.3 ok', '127.0.0.9 error CONNECTION_REFUSED']);
  expect(codes(result)).toEqual(['ADDRESS_UNREACHABLE/warning']);
  expect(result.findings[0].message).toMatch(/^127\.0\.0\.9 could not be checked while the other addresses answered: CONNECTION_REFUSED/);
});

test('a node serving a certificate for another name: HOSTNAME_MISMATCH on its entry, and the target is critical', async () => {
  const { code, results } = await check(target('wrong.test'));
  const [result] = results;
  expect(code).toBe(2);
  expect(result.status).toBe('critical');
  expect(result.trusted).toBe(true);
  const wrong = result.addresses.find((entry) => entry.address === '127.0.0.6')!;
  expect(wrong.status).toBe('critical');
  expect(wrong.findings.map((finding) => finding.code)).toEqual(['HOSTNAME_MISMATCH']);
  expect(codes(result)).toEqual(['HOSTNAME_MISMATCH/critical', 'MIXED_CERTIFICATES/critical']);
  expect(result.findings[0].message).toMatch(/^127\.0\.0\.6: the certificate does not cover "wrong\.test"/);
});

test('every address failing: the target is an error with the first address\'s error code', async () => {
  const { code, results } = await check(target('dead.test'));
  expect(code).toBe(3);
  expect(results[0]).toMatchObject({ status: 'error', error: { code: 'CONNECTION_REFUSED' }, leaf: null, findings: [] });
  expect(summary(results[0].addresses)).toEqual(['127.0.0.9 error CONNECTION_REFUSED', '127.0.0.10 error CONNECTION_REFUSED']);
});

test('--max-addresses probes the first addresses in order and counts the rest in ADDRESSES_NOT_PROBED', async () => {
  const { code, results } = await check('--max-addresses', '2', target('many.test'));
  expect(code).toBe(1);
  expect(summary(results[0].addresses)).toEqual(['127.0.0.2 ok', '127.0.0.3 ok']);
  expect(results[0].findings).toEqual([
    { code: 'ADDRESSES_NOT_PROBED', severity: 'warning', message: '2 of 4 addresses not probed (at most 2 are: --max-addresses, check.maxAddresses): 127.0.0.7 and 127.0.0.8' },
  ]);
});

test('--first-address probes the first address the resolver gives, as before', async () => {
  const { code, results } = await check('--first-address', target('stale.test'));
  expect(code).toBe(0);
  expect(summary(results[0].addresses)).toEqual(['127.0.0.2 ok']);
  expect(results[0].findings).toEqual([]);
});

test('answers in another order each time give the same result every time', async () => {
  const runs = await Promise.all([1, 2, 3, 4].map(() => check(target('spin.test'))));
  const comparable = runs.map(({ results: [result] }) => JSON.stringify({ ...result, elapsedMs: 0 }));
  expect(new Set(comparable).size).toBe(1);
  expect(summary(runs[0].results[0].addresses)).toEqual(['127.0.0.2 ok', '127.0.0.3 ok', '127.0.0.4 warning', '127.0.0.7 ok']);
  const firsts = (await Promise.all([1, 2, 3, 4].map(() => check('--first-address', target('spin.test'))))).map(({ results: [result] }) => result.addresses[0].address);
  expect(new Set(firsts).size).toBeGreaterThan(1);
});

test('an answer too big for UDP comes over TCP', async () => {
  const { code, results } = await check(target('big.test'));
  expect(code).toBe(0);
  expect(summary(results[0].addresses)).toEqual(['127.0.0.2 ok', '127.0.0.3 ok']);
  expect(dns.queries.filter((query) => query.name === 'big.test' && query.type === 'A').map((query) => query.transport)).toEqual(['udp', 'tcp']);
});

test('a name the DNS server does not know is DNS_NOT_FOUND, and the other targets are still checked', async () => {
  const { code, results } = await check('nowhere.test', target('pool.test'));
  expect(code).toBe(3);
  expect(results.map((result) => [result.status, result.error?.code ?? null, result.addresses.length])).toEqual([
    ['error', 'DNS_NOT_FOUND', 0],
    ['ok', null, 3],
  ]);
});

test('50 targets on one name cost one lookup of each record type', async () => {
  const before = dns.queries.length;
  const { code, results } = await check(...Array.from({ length: 50 }, () => target('many.test')));
  expect(code).toBe(0);
  expect(results).toHaveLength(50);
  expect(dns.queries.slice(before).map((query) => `${query.name} ${query.type}`).sort()).toEqual(['many.test A', 'many.test AAAA']);
});

test.each([
  [['--dns-server', 'dns.internal'], 'give an IP address, not a host name'],
  [['--dns-server', '10.0.0.2:99999'], 'port "99999" is not a number in 1-65535'],
  [['--first-address', '--max-addresses', '3'], "option '--first-address' cannot be used with option '--max-addresses <n>'"],
  [['--max-addresses', '0'], '0 is outside 1-256'],
])('%j is a usage mistake: one line, exit 3', async (args, message) => {
  const { code, out, err } = await cli('check', ...args, 'pool.test');
  expect(code).toBe(3);
  expect(out).toBe('');
  expect(err).toContain(message);
  expect(err.trim().split('\n')).toHaveLength(1);
});
