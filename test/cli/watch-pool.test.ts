import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../support/cli';
import { startDnsServer, type RunningDnsServer } from '../support/dns-server';
import { chainFor, issue, type Issued } from '../support/pki';
import { startTlsPool, startTlsServer, type TlsEndpoint } from '../support/servers';

// `certwatch run` over names served by several nodes, simulated through days with --now: a real DNS server on
// loopback (check.dnsServers) answers each name with its nodes in another order every time (round-robin), and
// a real TLS server on each node (127.0.0.x, one port) serves its own certificate, renewed node by node.

const DAY = 86_400_000;
// Half a second past a whole second: certificates keep whole seconds, so a notAfter of START + n days is always
// just under n days from START + 0 days (days left n - 1, never n when the clock happens to read .000).
const START = Math.floor(Date.now() / 1000) * 1000 + 500;
const day = (n: number) => new Date(START + n * DAY);
const dir = mkdtempSync(join(tmpdir(), 'certwatch-watch-pool-'));
const store = join(dir, 'state');
const notificationsFile = join(dir, 'notifications.jsonl');

let dns: RunningDnsServer;
let pool: Awaited<ReturnType<typeof startTlsPool>>;
let expiring: TlsEndpoint;
let renewed: TlsEndpoint;
let stale: Issued;

beforeAll(async () => {
  const { root, intermediate } = await chainFor(['unused.test']);
  writeFileSync(join(dir, 'ca.pem'), root.certPem);
  const leaf = (notAfterDay: number, sans = ['pool.test', 'mixed.test', 'other-ca.test']) =>
    issue({ subject: `CN=${sans[0]}`, sans, issuer: intermediate, notBefore: day(Math.min(notAfterDay - 398, -1)), notAfter: day(notAfterDay) });
  stale = await leaf(24);
  const fresh = await leaf(400);
  expiring = { key: stale, chain: [stale, intermediate] };
  renewed = { key: fresh, chain: [fresh, intermediate] };
  const [wrongName, farA, farB] = await Promise.all([leaf(300, ['other.test']), leaf(300), leaf(310)]);
  pool = await startTlsPool({
    '127.0.0.2': expiring,
    '127.0.0.3': expiring,
    '127.0.0.4': expiring,
    '127.0.0.5': { key: wrongName, chain: [wrongName, intermediate] },
    '127.0.0.6': { key: farA, chain: [farA, intermediate] },
    '127.0.0.7': { key: farB, chain: [farB, intermediate] },
  });
  dns = await startDnsServer({
    'pool.test': { a: ['127.0.0.2', '127.0.0.3', '127.0.0.4'], rotate: true },
    'mixed.test': { a: ['127.0.0.6', '127.0.0.5'], rotate: true },
    'other-ca.test': { a: ['127.0.0.6', '127.0.0.7'], rotate: true },
  });
  const configFile = (name: string, targets: string[]) =>
    writeFileSync(
      join(dir, name),
      JSON.stringify({
        targets: targets.map((target) => `${target}:${pool.port}`),
        check: { caFile: join(dir, 'ca.pem'), timeoutMs: 2000, dnsServers: [dns.server] },
        audiences: { owners: { emails: ['owners@example.com'] }, oncall: { sms: ['+15550000001'] } },
      }),
    );
  configFile('pool.json', ['pool.test']);
  configFile('mixed.json', ['mixed.test', 'other-ca.test']);
});

afterAll(async () => {
  await Promise.all([pool?.close(), dns?.close()]);
});

interface Sent {
  kind: string;
  stage: string;
  target: string;
  at: string;
  audiences: string[];
  subject: string;
  sms: string;
  email: string;
  staleAddresses: string[];
  addressSummary: string | null;
  addresses: { address: string; notAfter: string | null; fingerprintSha256: string | null; errorCode: string | null }[] | null;
}

function notifications(target: string): Sent[] {
  if (!existsSync(notificationsFile)) return [];
  const all = readFileSync(notificationsFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Sent);
  return all.filter((notification) => notification.target === target);
}

async function runAt(days: number, config = 'pool.json', state = store) {
  const { code, out, err } = await cli('run', '--config', join(dir, config), '--store', state, '--notify', `file:${notificationsFile}`, '--now', day(days).toISOString(), '--json');
  expect({ code, err }).toEqual({ code: 0, err: '' });
  return JSON.parse(out) as { storeWrites: number; byStatus: Record<string, number> };
}

const poolTarget = () => `pool.test:${pool.port}`;
const label = (sent: Sent) => `day ${Math.round((Date.parse(sent.at) - START) / DAY)} ${sent.kind}/${sent.stage}`;

test('a renewal reaching the nodes one by one: the stage repeats while any node is stale, one recovery after the last', async () => {
  await runAt(0); // 24 days left everywhere: the warning stage
  pool.nodes['127.0.0.2'].serve(renewed);
  await runAt(1);
  const quiet = await runAt(2); // nothing changed, whatever order the answers came in
  expect(quiet.storeWrites).toBe(1); // the run ledger alone: no certificate item rewritten
  await runAt(3); // the warning repeats (every 3 days), naming the stale nodes
  pool.nodes['127.0.0.3'].serve(renewed);
  await runAt(4);

  // The last stale node stops answering for a run: not a renewal, no recovery.
  await pool.nodes['127.0.0.4'].close();
  await runAt(5);
  pool.nodes['127.0.0.4'] = await startTlsServer(expiring, { host: '127.0.0.4', port: pool.port });
  await runAt(6); // back, still stale: the same series goes on, repeating on its cadence
  pool.nodes['127.0.0.4'].serve(renewed);
  await runAt(7);
  await runAt(8);

  const sent = notifications(poolTarget());
  expect(sent.map(label)).toEqual(['day 0 expiry/warning', 'day 3 expiry/warning', 'day 6 expiry/warning', 'day 7 recovery/warning']);
  const [, dayThree, daySix, recovery] = sent;
  expect(dayThree.email).toContain(`1 of 3 addresses serve the renewed certificate; 127.0.0.3 and 127.0.0.4 still serve the one expiring ${day(24).toISOString().slice(0, 10)}.`);
  expect(dayThree.sms).toContain(' on 127.0.0.3 and 127.0.0.4 (2 of 3)');
  // The file's line says the same as data, for a machine: which addresses, what each serves.
  expect(dayThree.staleAddresses).toEqual(['127.0.0.3', '127.0.0.4']);
  expect(dayThree.addressSummary).toMatch(/^1 of 3 addresses serve the renewed certificate; 127\.0\.0\.3 and 127\.0\.0\.4 still serve/);
  expect(dayThree.addresses?.map((entry) => [entry.address, entry.notAfter?.slice(0, 10)])).toEqual([
    ['127.0.0.2', day(400).toISOString().slice(0, 10)],
    ['127.0.0.3', day(24).toISOString().slice(0, 10)],
    ['127.0.0.4', day(24).toISOString().slice(0, 10)],
  ]);
  expect(recovery.staleAddresses).toEqual([]);
  expect(daySix.email).toContain(`2 of 3 addresses serve the renewed certificate; 127.0.0.4 still serves the one expiring ${day(24).toISOString().slice(0, 10)}.`);
  expect(daySix.email).toContain('deploy it to 127.0.0.4 too and reload it');
  expect(recovery.email).toContain(`All 3 addresses behind pool.test:${pool.port} serve the same certificate now.`);
});

test('status names the stale addresses: a line under the table, and addresses and addressSummary in --json', async () => {
  const id = `tls:pool.test:${pool.port}`;
  const midway = join(dir, 'midway-state');
  const run = (days: number) => cli('run', '--config', join(dir, 'pool.json'), '--store', midway, '--notify', `file:${join(dir, 'midway.jsonl')}`, '--now', day(days).toISOString());
  pool.nodes['127.0.0.3'].serve(expiring);
  try {
    expect((await run(0)).code).toBe(0);
    const table = await cli('status', '--store', midway, '--now', day(0).toISOString());
    expect(table.out).toContain(`\n${id}: 2 of 3 addresses serve the renewed certificate; 127.0.0.3 still serves the one expiring ${day(24).toISOString().slice(0, 10)}\n`);
    const [row] = (
      JSON.parse((await cli('status', '--json', '--store', midway, '--now', day(0).toISOString())).out) as {
        certificateId: string;
        addresses: { address: string; errorCode: string | null }[];
        staleAddresses: string[];
        addressSummary: string;
        daysRemaining: number;
      }[]
    ).filter(
      (candidate) => candidate.certificateId === id,
    );
    expect(row.addresses.map((entry) => entry.address)).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4']);
    expect(row.staleAddresses).toEqual(['127.0.0.3']);
    expect(row.daysRemaining).toBe(23);
    expect(row.addressSummary).toMatch(/^2 of 3 addresses serve the renewed certificate; 127\.0\.0\.3 still serves/);
  } finally {
    pool.nodes['127.0.0.3'].serve(renewed);
  }
});

test('a node serving a certificate for another name fires the invalid alert; different valid certificates alone notify nobody', async () => {
  const state = join(dir, 'mixed-state');
  for (const days of [0, 1, 1.5]) await runAt(days, 'mixed.json', state);
  expect(notifications(`mixed.test:${pool.port}`).map(label)).toEqual(['day 0 error/invalid', 'day 1 error/invalid']);
  const [invalid] = notifications(`mixed.test:${pool.port}`);
  expect(invalid.email).toContain('127.0.0.5: the certificate does not cover "mixed.test"');
  expect(notifications(`other-ca.test:${pool.port}`)).toEqual([]);
});

test('run --dns-server resolves at the servers given, in place of the config\'s check.dnsServers', async () => {
  // The config's server knows no pool.test (NXDOMAIN): without the flag the target fails to resolve.
  const elsewhere = await startDnsServer({});
  try {
    writeFileSync(
      join(dir, 'elsewhere.json'),
      JSON.stringify({
        targets: [poolTarget()],
        check: { caFile: join(dir, 'ca.pem'), timeoutMs: 2000, dnsServers: [elsewhere.server] },
        audiences: { owners: { emails: ['owners@example.com'] }, oncall: { sms: ['+15550000001'] } },
      }),
    );
    const run = (state: string, ...flags: string[]) =>
      cli('run', '--config', join(dir, 'elsewhere.json'), '--store', join(dir, state), '--notify', `file:${join(dir, 'elsewhere.jsonl')}`, '--now', day(0).toISOString(), '--json', ...flags);
    const configured = JSON.parse((await run('elsewhere-config')).out) as { byStatus: Record<string, number> };
    expect(configured.byStatus).toMatchObject({ error: 1 });
    const before = dns.queries.length;
    const given = await run('elsewhere-flag', '--dns-server', dns.server);
    expect({ code: given.code, err: given.err }).toEqual({ code: 0, err: '' });
    const { byStatus } = JSON.parse(given.out) as { byStatus: Record<string, number> };
    expect(byStatus.error).toBe(0); // read from the pool's nodes, whatever they serve now
    expect(Object.values(byStatus).reduce((sum, count) => sum + count, 0)).toBe(1);
    expect(dns.queries.slice(before).map((query) => `${query.name} ${query.type}`).sort()).toEqual(['pool.test A', 'pool.test AAAA']);
    expect(elsewhere.queries.filter((query) => query.name === 'pool.test')).toHaveLength(2); // the configured run only
  } finally {
    await elsewhere.close();
  }
});

test.each([
  [['--dns-server', 'dns.internal'], 'give an IP address, not a host name'],
  [['--dns-server', '10.0.0.2:99999'], 'port "99999" is not a number in 1-65535'],
])('run %j is a usage mistake: one line, exit 3, no store left behind', async (args, message) => {
  const state = join(dir, 'refused-state');
  const { code, out, err } = await cli('run', '--config', join(dir, 'pool.json'), '--store', state, ...args);
  expect({ code, out }).toEqual({ code: 3, out: '' });
  expect(err).toContain(message);
  expect(err.trim().split('\n')).toHaveLength(1);
  expect(existsSync(state)).toBe(false);
});
