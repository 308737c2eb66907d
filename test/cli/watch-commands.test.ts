import { userInfo } from 'node:os';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOpeningStore } from '../../functions/cli/store-wiring';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { startEmbeddedDynamoDb } from '../../functions/cli/local-store/embedded-dynamodb';
import { fullState } from '../store/watch-state-fixture';
import { cli } from '../support/cli';
import { chainFor, daysFromNow, issue } from '../support/pki';
import { closedPort, startTcpServer, startTlsServer, type RunningServer } from '../support/servers';

// run, status and ack through the CLI entry point, on the embedded store in a temporary directory.

const DAY = 86_400_000;
let dir: string;
let server: RunningServer;
let refusedPort: number;

const store = () => ['--store', join(dir, 'state')];
const at = (days: number) => new Date(Date.now() + days * DAY).toISOString();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'certwatch-watch-cli-'));
  const { root, intermediate } = await chainFor(['unused.test']);
  const leaf = await issue({ subject: 'CN=shop.test', sans: ['shop.test'], issuer: intermediate, notBefore: daysFromNow(-388), notAfter: daysFromNow(10) });
  server = await startTlsServer({ key: leaf, chain: [leaf, intermediate] });
  refusedPort = await closedPort();
  writeFileSync(join(dir, 'ca.pem'), root.certPem);
  writeFileSync(
    join(dir, 'certwatch.config.json'),
    JSON.stringify({
      targets: [{ target: `127.0.0.1:${server.port}`, servername: 'shop.test' }, `127.0.0.1:${refusedPort}`],
      check: { caFile: join(dir, 'ca.pem'), timeoutMs: 2000 },
      policy: { errorAfterFailures: 1 },
      audiences: { owners: { emails: ['owners@example.com'] }, oncall: { emails: ['oncall@example.com'] } },
    }),
  );
});

afterAll(() => server.close());

const config = () => ['--config', join(dir, 'certwatch.config.json')];

/** Who the acknowledgements are by when --by is not given: the user running the tests. */
const me = userInfo().username;

/** A local store at `path`, created as a run creates it, for a test to write into. */
const createdStore = (path: string) => startOpeningStore({ store: path }, { create: true }).ready;

/** Writes into a local store directory as another tool would: a server of its own and a raw DynamoDB client. */
async function withRawStore(path: string, write: (client: DynamoDBClient) => Promise<unknown>): Promise<void> {
  const embedded = await startEmbeddedDynamoDb({ path });
  const client = new DynamoDBClient({ endpoint: embedded.endpoint, region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  try {
    await write(client);
  } finally {
    client.destroy();
    await embedded.close();
  }
}

/** certwatch's table, but keyed by `id`: not certwatch's key. */
const WRONG_KEY_TABLE = new CreateTableCommand({
  TableName: 'certwatch',
  AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
  KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
  BillingMode: 'PAY_PER_REQUEST',
});

test('status before any run says so', async () => {
  const { code, out } = await cli('status', ...store());
  expect(code).toBe(0);
  expect(out).toContain('no watched certificates yet');
});

describe('the commands that read never create a store', () => {
  test('status on a directory without a store says so and creates nothing (a typo in --store must not look like an empty watch)', async () => {
    const typo = join(dir, 'typo', 'dir');
    const { code, out, err } = await cli('status', '--store', typo);
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(out).toBe(`no watched certificates yet: there is no local store at ${typo}: \`certwatch run --store ${typo}\` creates one\n`);
    expect(await cli('status', '--json', '--store', typo)).toEqual({ code: 0, out: '[]\n', err: '' });
    expect(existsSync(join(dir, 'typo'))).toBe(false);
  });

  test.each([['ack'], ['forget']])('%s on a directory without a store is a usage mistake, and creates nothing', async (command) => {
    const typo = join(dir, `typo-${command}`);
    const { code, out, err } = await cli(command, 'tls:x.test:443', '--store', typo);
    expect({ code, out }).toEqual({ code: 3, out: '' });
    expect(err).toBe(`certwatch: ${command}: there is no local store at ${typo}: \`certwatch run --store ${typo}\` creates one\n`);
    expect(existsSync(typo)).toBe(false);
  });

  test.each([[['status']], [['run']], [['ack', 'x.test']]])('an empty --store for %j is a usage mistake, not the current folder', async (argv) => {
    const { code, err } = await cli(...argv, ...(argv[0] === 'run' ? config() : []), '--store', '');
    expect(code).toBe(3);
    expect(err).toBe('certwatch: --store must name a directory (or "dynamodb"); an empty path is not one\n');
  });

  test('a run refused for its config leaves no store behind', async () => {
    const fresh = join(dir, 'never-created');
    const { code } = await cli('run', '--config', join(dir, 'no-such-config.json'), '--store', fresh);
    expect(code).toBe(3);
    expect(existsSync(fresh)).toBe(false);
  });
});

test('ack --note and --by show in status and in the next notices', async () => {
  const state = join(dir, 'noted-state');
  const notifications = join(dir, 'noted.jsonl');
  const id = `tls:127.0.0.1:${server.port}/shop.test`;
  const runAt = (days: number) => cli('run', ...config(), '--store', state, '--notify', `file:${notifications}`, '--now', at(days));
  await runAt(0);
  const until = at(0.5);
  const ack = await cli('ack', id, '--by', 'alice', '--note', 'renewal in OPS-42', '--until', until, '--now', at(0.1), '--store', state);
  expect(ack.out).toBe(`acknowledged stage urgent of ${id} until ${until} by alice: renewal in OPS-42\n`);
  const status = await cli('status', '--store', state, '--now', at(0.2));
  expect(status.out).toContain(`urgent until ${until} by alice: renewal in OPS-42`);
  // The snooze is over a day later: the repeat says who acknowledged it and why.
  await runAt(1);
  const last = JSON.parse(readFileSync(notifications, 'utf8').trim().split('\n').at(-1) as string) as { stage: string; email: string };
  expect(last.stage).toBe('urgent');
  expect(last.email).toMatch(/\nACKNOWLEDGED\n {2}The "urgent" stage: acknowledged by alice on .+ until .+ \(over\): renewal in OPS-42\n/);
});

test('run, status, ack: a full local cycle', async () => {
  const notifications = join(dir, 'notifications.jsonl');
  const now = at(0);
  const first = await cli('run', ...config(), ...store(), '--notify', `file:${notifications}`, '--now', now);
  expect(first.err).toBe('');
  expect(first.code).toBe(0);
  // 10 days left: `warning` by the check thresholds (critical below 7), `urgent` by the escalation policy.
  expect(first.out.split('\n')[0]).toBe(`certwatch run at ${now}: 2 targets (1 warning, 1 error), state in local store ${join(dir, 'state')}`);
  expect(first.out).toContain('notifications: 2 sent, 0 pending');
  const lines = readFileSync(notifications, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; stage: string });
  expect(lines.map((l) => `${l.kind}/${l.stage}`).sort()).toEqual(['error/error', 'expiry/urgent']);

  const status = await cli('status', ...store(), '--now', at(0));
  const [lastRun, ...rows] = status.out.trim().split('\n');
  expect(lastRun).toBe(`last run: ${now.slice(0, 16).replace('T', ' ')} UTC (less than an hour ago)`);
  expect(rows[0]).toMatch(/^CERTIFICATE\s+STATUS\s+DAYS\s+NOT AFTER \(UTC\)\s+STAGE\s+LAST NOTICE \(UTC\)\s+ACK$/);
  expect(rows[1]).toMatch(new RegExp(`^tls:127.0.0.1:${server.port}/shop.test\\s+\\S+\\s+9\\s+.*urgent`));
  expect(rows[2]).toMatch(new RegExp(`^tls:127.0.0.1:${refusedPort}\\s+ERROR \\(1 failed\\)\\s+-`));

  const ack = await cli('ack', `127.0.0.1:${server.port}`, '--servername', 'shop.test', '--until', at(2), '--note', 'OPS-1', ...store(), '--now', at(0));
  expect(ack).toMatchObject({ code: 0, err: '' });
  expect(ack.out).toContain(`acknowledged stage urgent of tls:127.0.0.1:${server.port}/shop.test until`);
  const ackError = await cli('ack', `tls:127.0.0.1:${refusedPort}`, '--alert', 'error', ...store(), '--now', at(0));
  expect(ackError.out).toContain(`acknowledged the probe-failure alert of tls:127.0.0.1:${refusedPort}`);

  const json = JSON.parse((await cli('status', '--json', ...store(), '--now', at(0))).out) as { certificateId: string; acknowledged: string | null }[];
  expect(json.map((r) => r.acknowledged)).toEqual([expect.stringMatching(/^urgent until /), `error by ${me}`]);

  // Acknowledged: the next day's repeats are silent for both.
  const quiet = await cli('run', ...config(), ...store(), '--notify', `file:${notifications}`, '--now', at(1));
  expect(quiet.out).toContain('notifications: 0 sent, 0 pending');
});

test('a target removed from the config: the run names it, forget deletes it, status no longer lists it', async () => {
  const state = join(dir, 'forget-state');
  const notifications = join(dir, 'forget.jsonl');
  const removed = `tls:127.0.0.1:${refusedPort}`;
  const kept = `tls:127.0.0.1:${server.port}/shop.test`;
  expect((await cli('run', ...config(), '--store', state, '--notify', `file:${notifications}`, '--now', at(0))).code).toBe(0);

  const fewer = join(dir, 'fewer.json');
  const { targets, ...rest } = JSON.parse(readFileSync(join(dir, 'certwatch.config.json'), 'utf8')) as { targets: unknown[] };
  writeFileSync(fewer, JSON.stringify({ ...rest, targets: targets.slice(0, 1) }));
  const runFewer = (days: number, ...flags: string[]) => cli('run', '--config', fewer, '--store', state, '--notify', `file:${notifications}`, '--now', at(days), ...flags);
  const after = await runFewer(1);
  // Reported, not a failure: the exit status is the run's own.
  expect(after.code).toBe(0);
  expect(after.out).toContain(`not in this config, still in the store (1): ${removed}; \`certwatch forget <id>\` deletes one\n`);
  expect((JSON.parse((await runFewer(1.5, '--json')).out) as { notInConfig: string[] }).notInConfig).toEqual([removed]);

  const forget = await cli('forget', `127.0.0.1:${refusedPort}`, '--store', state);
  expect(forget).toEqual({
    code: 0,
    err: '',
    out:
      `forgot ${removed}: its state, 1 notice sent and its history are deleted from the local store ${state}\n` +
      'a run whose config still lists it watches it again from scratch: remove it from the config too\n',
  });
  const rows = JSON.parse((await cli('status', '--json', '--store', state)).out) as { certificateId: string }[];
  expect(rows.map((row) => row.certificateId)).toEqual([kept]);
  expect((JSON.parse((await runFewer(2, '--json')).out) as { notInConfig: string[] }).notInConfig).toEqual([]);

  expect(await cli('forget', removed, '--store', state)).toEqual({ code: 3, out: '', err: `certwatch: forget: no watched certificate ${removed} (certwatch status lists them)\n` });
  expect((await cli('forget', removed, '--servername', 'x.test', '--store', state)).err).toBe(
    `certwatch: forget: --servername goes with a target; the certificate id ${removed} names its certificate already\n`,
  );
  // By target and the servername configured for it, as ack takes it.
  expect((await cli('forget', `127.0.0.1:${server.port}`, '--servername', 'SHOP.test', '--store', state)).out).toMatch(new RegExp(`^forgot ${kept}: `));
  expect((await cli('status', '--store', state)).out).toContain('no watched certificates yet');
});

test('an unreadable item in the store: each run reports it (exit 1) and says how to delete it; forget does', async () => {
  const state = join(dir, 'unreadable-state');
  const notifications = join(dir, 'unreadable.jsonl');
  const runOnce = (days: number) => cli('run', ...config(), '--store', state, '--notify', `file:${notifications}`, '--now', at(days));
  expect((await runOnce(0)).code).toBe(0);
  await withRawStore(state, (client) => client.send(new PutItemCommand({ TableName: 'certwatch', Item: { certificateId: { S: 'tls:junk.example:443' }, version: { N: '3' }, state: { S: '{' } } })));

  const reported = await runOnce(1);
  expect(reported.code).toBe(1);
  expect(reported.out).toMatch(/\nskipped an unreadable item: item tls:junk\.example:443 in table certwatch is not a certwatch state: SyntaxError[^\n]* \(`certwatch forget tls:junk\.example:443` deletes it\)\n/);
  const forget = await cli('forget', 'tls:junk.example:443', '--store', state);
  expect(forget.code).toBe(0);
  expect(forget.out).toMatch(new RegExp(`^forgot tls:junk\\.example:443: the unreadable item is deleted from the local store ${state.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(item tls:junk`));
  const clean = await runOnce(2);
  expect(clean.code).toBe(0);
  expect(clean.out).not.toContain('skipped an unreadable item');
});

test('an unreadable item whose version is not a number: forget deletes it, and one under a configured target is replaced so the target alerts again', async () => {
  const state = join(dir, 'unforgettable-state');
  const notifications = join(dir, 'unforgettable.jsonl');
  const runOnce = (days: number) => cli('run', ...config(), '--store', state, '--notify', `file:${notifications}`, '--now', at(days));
  expect((await runOnce(0)).code).toBe(0);
  const configured = `tls:127.0.0.1:${server.port}/shop.test`;
  const hostile = 'tls:junk\u001b]0;pwned\u0007.example:443';
  await withRawStore(state, async (client) => {
    for (const id of [configured, hostile]) {
      await client.send(new PutItemCommand({ TableName: 'certwatch', Item: { certificateId: { S: id }, version: { S: 'seven' }, state: { S: '{}' } } }));
    }
  });
  writeFileSync(notifications, '');

  const replacing = await runOnce(1);
  expect(replacing.code).toBe(1);
  expect(replacing.out).not.toMatch(/[\u0000-\u0009\u000B-\u001F\u007F-\u009F]/);
  expect(replacing.out).toContain(`replaced an unreadable item: item ${configured} in table certwatch is not a certwatch state (no whole-number version, status or expiry): ${configured} is configured, so it is watched afresh`);
  expect(replacing.out).toContain('skipped an unreadable item: item tls:junk]0;pwned.example:443 in table certwatch is not a certwatch state');
  // Watched again: its state is fresh (first seen), so its stage notifies at once.
  const sent = readFileSync(notifications, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { certificateId: string; kind: string });
  expect(sent.filter((n) => n.certificateId === configured).map((n) => n.kind)).toEqual(['expiry']);

  const forget = await cli('forget', hostile, '--store', state);
  expect(forget.code).toBe(0);
  expect(forget.out).toMatch(/^forgot tls:junk\]0;pwned\.example:443: the unreadable item is deleted/);
  const status = await cli('status', '--store', state, '--now', at(2));
  expect(status.err).toBe('');
  expect(status.out).toContain(configured);
  expect((await runOnce(2)).out).not.toContain('unreadable item');
});

test('a run names five of the certificates no longer configured, and counts the rest', async () => {
  const state = join(dir, 'many-removed-state');
  const ports = await Promise.all(Array.from({ length: 7 }, () => closedPort()));
  const many = join(dir, 'many.json');
  const write = (targets: string[]) => writeFileSync(many, JSON.stringify({ targets, check: { timeoutMs: 2000 }, audiences: { owners: {}, oncall: {} } }));
  write(ports.map((port) => `127.0.0.1:${port}`));
  await cli('run', '--config', many, '--store', state, '--notify', `file:${join(dir, 'many.jsonl')}`, '--now', at(0));
  write([`127.0.0.1:${ports[0]}`]);
  const after = await cli('run', '--config', many, '--store', state, '--notify', `file:${join(dir, 'many.jsonl')}`, '--now', at(1));
  const ids = ports.slice(1).map((port) => `tls:127.0.0.1:${port}`).sort();
  expect(after.out).toContain(`not in this config, still in the store (6): ${ids.slice(0, 5).join(', ')} and 1 more; \`certwatch forget <id>\` deletes one\n`);
});

test('two servernames on one address are two certificates: no flapping between alert and recovery', async () => {
  const { root, intermediate } = await chainFor(['unused.test']);
  writeFileSync(join(dir, 'shared-address-ca.pem'), root.certPem);
  const soon = await issue({ subject: 'CN=a.test', sans: ['a.test'], issuer: intermediate, notBefore: daysFromNow(-388), notAfter: daysFromNow(10) });
  const later = await issue({ subject: 'CN=b.test', sans: ['b.test'], issuer: intermediate, notBefore: daysFromNow(-10), notAfter: daysFromNow(200) });
  const shared = await startTlsServer({ key: soon, chain: [soon, intermediate] }, { byServername: { 'a.test': { key: soon, chain: [soon, intermediate] }, 'b.test': { key: later, chain: [later, intermediate] } } });
  try {
    const cfg = join(dir, 'shared-address.json');
    const address = `127.0.0.1:${shared.port}`;
    writeFileSync(cfg, JSON.stringify({ targets: [{ target: address, servername: 'a.test' }, { target: address, servername: 'b.test' }], check: { caFile: join(dir, 'shared-address-ca.pem') }, audiences: { owners: {}, oncall: {} } }));
    const state = join(dir, 'shared-address-state');
    const notifications = join(dir, 'shared-address.jsonl');
    const runAt = (hours: number) => cli('run', '--config', cfg, '--store', state, '--notify', `file:${notifications}`, '--now', new Date(Date.now() + hours * 3_600_000).toISOString());
    const first = await runAt(0);
    expect(first.out).toContain('2 targets (1 ok, 1 warning)');
    expect(first.out).toContain('notifications: 1 sent, 0 pending');
    expect((await runAt(1)).out).toContain('notifications: 0 sent, 0 pending');
    const rows = JSON.parse((await cli('status', '--json', '--store', state)).out) as { certificateId: string; stage: string | null }[];
    expect(rows.map((r) => [r.certificateId, r.stage])).toEqual([
      [`tls:${address}/a.test`, 'urgent'],
      [`tls:${address}/b.test`, null],
    ]);
  } finally {
    await shared.close();
  }
});

describe('ack finds a certificate by id, or by target and servername', () => {
  const shared = () => join(dir, 'shared-address');

  beforeAll(async () => {
    // Two certificates behind one address, told apart by SNI, as the watcher stores them.
    const opened = await createdStore(shared());
    try {
      for (const id of ['tls:10.0.0.5:443/a.internal', 'tls:10.0.0.5:443/b.internal', 'tls:smtp://mail.test:587']) {
        await opened.store.put({ ...fullState(id), acknowledgement: null }, 0);
      }
    } finally {
      await opened.close();
    }
  });

  test.each([
    [['10.0.0.5:443', '--servername', 'b.internal'], 'tls:10.0.0.5:443/b.internal'],
    [['tls://10.0.0.5', '--servername', 'A.Internal'], 'tls:10.0.0.5:443/a.internal'],
    [['tls:10.0.0.5:443/b.internal'], 'tls:10.0.0.5:443/b.internal'],
    [['smtp://mail.test:587'], 'tls:smtp://mail.test:587'],
    [['tls:smtp://mail.test:587'], 'tls:smtp://mail.test:587'],
  ])('%j acknowledges %s', async (argv, id) => {
    const { code, out, err } = await cli('ack', ...argv, '--store', shared());
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toBe(`acknowledged stage urgent of ${id} by ${me}\n`);
  });

  test.each([
    [['10.0.0.5:443'], 'no watched certificate tls:10.0.0.5:443 '],
    [['10.0.0.5:443', '--servername', 'c.internal'], 'no watched certificate tls:10.0.0.5:443/c.internal'],
    [['tls:10.0.0.5:443/b.internal', '--servername', 'b.internal'], '--servername goes with a target'],
    [['admin:s3cret@10.0.0.5'], 'credentials are not accepted'],
  ])('%j is refused', async (argv, message) => {
    const { code, err } = await cli('ack', ...argv, '--store', shared());
    expect(code).toBe(3);
    expect(err).toContain(message);
    expect(err).not.toContain('s3cret');
  });
});

test('the status table strips control characters from what the store holds', async () => {
  const hostile = join(dir, 'hostile-state');
  const opened = await createdStore(hostile);
  await opened.store.put(fullState('tls:evil\u001b]0;pwned\u0007\u001b[2J\u202E.test:443'), 0);
  await opened.close();
  const { out } = await cli('status', '--store', hostile, '--now', '2026-03-19T08:00:00Z');
  expect(out).not.toMatch(/[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202A-\u202E]/);
  expect(out.split('\n')[1]).toMatch(/^tls:evil\]0;pwned\[2J\.test:443\s+WARNING\s+12\s/);
});

test('a certificate clients reject: the run alerts, and ack --alert invalid silences the repeats', async () => {
  const misState = join(dir, 'rejected-state');
  const notifications = join(dir, 'rejected.jsonl');
  // Issued by an intermediate the server does not send, from a root nobody trusts: clients refuse it.
  const stray = await issue({ subject: 'CN=stray.test', sans: ['stray.test'], issuer: (await chainFor(['x'])).intermediate, notAfter: daysFromNow(200) });
  const rejected = await startTlsServer({ key: stray, chain: [stray] });
  const cfg = join(dir, 'rejected.json');
  writeFileSync(cfg, JSON.stringify({ targets: [{ target: `127.0.0.1:${rejected.port}`, servername: 'stray.test' }], audiences: { owners: {}, oncall: {} } }));
  const id = `tls:127.0.0.1:${rejected.port}/stray.test`;
  const sent = () => readFileSync(notifications, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; stage: string; subject: string });
  try {
    const first = await cli('run', '--config', cfg, '--store', misState, '--notify', `file:${notifications}`, '--now', at(0));
    expect(first.code).toBe(0);
    expect(sent().map((n) => `${n.kind}/${n.stage}`)).toEqual(['error/invalid']);
    expect(sent()[0].subject).toContain('rejected by clients');

    const wrongAlert = await cli('ack', id, '--alert', 'expiry', '--store', misState, '--now', at(0));
    expect(wrongAlert.code).toBe(3);
    expect(wrongAlert.err).toContain('is not in any escalation stage: there is no expiry alert to acknowledge');

    const ack = await cli('ack', id, '--alert', 'invalid', '--until', at(3), '--note', 'OPS-5', '--store', misState, '--now', at(0));
    expect(ack).toMatchObject({ code: 0, err: '' });
    // The line says which alert and which certificate.
    expect(ack.out.startsWith('acknowledged ')).toBe(true);
    expect(ack.out).toMatch(/^acknowledged the invalid-certificate alert of tls:/);
    expect(ack.out).toContain(` of ${id} until `);
    const json = JSON.parse((await cli('status', '--json', '--store', misState, '--now', at(0))).out) as { acknowledged: string | null; status: string; stage: string | null }[];
    expect(json).toEqual([expect.objectContaining({ status: 'critical', stage: null, rejectedFor: ['INCOMPLETE_CHAIN'], acknowledged: expect.stringMatching(/^invalid until /) })]);
    const table = (await cli('status', '--store', misState, '--now', at(0))).out.split('\n');
    expect(table[2]).toMatch(new RegExp(`^${id}\\s+CRITICAL, REJECTED \\(INCOMPLETE_CHAIN\\)\\s+199\\s`));

    await cli('run', '--config', cfg, '--store', misState, '--notify', `file:${notifications}`, '--now', at(1));
    expect(sent()).toHaveLength(1); // due again a day later, but acknowledged
  } finally {
    await rejected.close();
  }
});

describe('times: one rule for the CLI and the Lambda, a full ISO 8601 time with a zone', () => {
  test('a zone offset is accepted', async () => {
    const { code, err } = await cli('status', ...store(), '--now', '2026-12-01T11:00:00+02:00');
    expect(err).toBe('');
    expect(code).toBe(0);
  });

  test.each([['2026-12-01'], ['2026-12-01T09:00:00'], ['2026-02-30T09:00:00Z'], ['2026-12-01T09:00Z']])('%s is refused', async (time) => {
    const { code, err } = await cli('status', ...store(), '--now', time);
    expect(code).toBe(3);
    expect(err).toBe(`certwatch: --now must be an ISO 8601 time with a zone, such as 2026-12-01T09:00:00Z or 2026-12-01T11:00:00+02:00 (got "${time}")\n`);
  });
});

describe('mistakes get one line and exit 3', () => {
  test.each([
    [['ack', 'tls:nope.test:443'], 'no watched certificate tls:nope.test:443'],
    [['ack', 'bad target'], 'contains white space'],
    [['ack', 'x.test', '--alert', 'maybe'], "argument 'maybe' is invalid"],
    [['ack', 'x.test', '--until', 'tomorrow'], '--until must be an ISO 8601 time'],
    [['ack', 'x.test', '--until', '2026-12-01'], '--until must be an ISO 8601 time with a zone'],
  ])('%j', async (argv, message) => {
    const { code, err } = await cli(...argv, ...store());
    expect(code).toBe(3);
    expect(err).toContain(message);
    expect(err.trim().split('\n')).toHaveLength(1);
  });

  test('acknowledging a certificate with nothing to acknowledge', async () => {
    const fresh = join(dir, 'fresh-state');
    const { root, intermediate, leaf } = await chainFor(['calm.test'], { notAfter: daysFromNow(200) });
    const calm = await startTlsServer({ key: leaf, chain: [leaf, intermediate] });
    writeFileSync(join(dir, 'calm-root.pem'), root.certPem);
    const cfg = join(dir, 'calm.json');
    writeFileSync(cfg, JSON.stringify({ targets: [{ target: `127.0.0.1:${calm.port}`, servername: 'calm.test' }], check: { caFile: join(dir, 'calm-root.pem') }, audiences: { owners: {}, oncall: {} } }));
    await cli('run', '--config', cfg, '--store', fresh, '--notify', `file:${join(dir, 'calm.jsonl')}`);
    await calm.close();
    // Trusted, named right, far from expiry, and answering: no stage, no probe failure, nothing clients reject.
    const { code, err } = await cli('ack', `127.0.0.1:${calm.port}`, '--servername', 'calm.test', '--store', fresh);
    expect(code).toBe(3);
    expect(err).toContain('is not in any escalation stage, has no active probe-failure alert and is not served with a certificate clients reject: there is nothing to acknowledge');
  });

  test.each([
    [['run', '--config', '/nonexistent.json'], '/nonexistent.json: cannot read the file (ENOENT)'],
    [['run', '--notify', 'pager'], '--notify must be console, file:PATH or sns'],
    [['run', '--notify', 'sns'], '--notify sns needs a topic'],
    [['run', '--now', 'yesterday'], '--now must be an ISO 8601 time'],
  ])('%j', async (argv, message) => {
    const args = argv.includes('--config') ? argv : [...argv, ...config()];
    const { code, err } = await cli(...args, ...store());
    expect(code).toBe(3);
    expect(err).toContain(message);
    // The store's thread, started before the flags and the config were read, was released.
    expect(await cli('status', '--json', ...store())).toMatchObject({ code: 0, err: '' });
  });

  test('a typo in a caFile is a config mistake at load, relative to the config file', async () => {
    const typo = join(dir, 'typo.json');
    writeFileSync(typo, JSON.stringify({ targets: ['a.test', 'b.test', { target: 'c.test', caFile: 'certs/x.pem' }], audiences: { owners: {}, oncall: {} } }));
    const { code, out, err } = await cli('run', '--config', typo, ...store());
    expect(code).toBe(3);
    expect(out).toBe('');
    expect(err).toBe(`certwatch: ${typo}: targets.2.caFile: cannot read certs/x.pem (ENOENT)\n`);
  });

  test('broken JSON is located, never quoted', async () => {
    const broken = join(dir, 'broken-phone.json');
    writeFileSync(broken, '{ "targets": ["a.test"], "audiences": { "oncall": { "sms": [+15551234567] } } }');
    const { code, err } = await cli('run', '--config', broken, ...store());
    expect(code).toBe(3);
    expect(err).toBe(`certwatch: ${broken}: not valid JSON: invalid symbol at line 1, column 61\n`);
    // The store, opened while the config was read, was released: the next command can use it.
    expect(await cli('status', '--json', ...store())).toMatchObject({ code: 0, err: '' });
  });

  test('a config with a bad field names it', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ targets: ['a.test'], audiences: { owners: { sms: ['555-0100'] }, oncall: {} } }));
    const { code, err } = await cli('run', '--config', bad, ...store());
    expect(code).toBe(3);
    expect(err).toContain('audiences.owners.sms.0: must be a phone number in E.164 form');
    expect(err).not.toContain('555-0100');
  });

  test('a store whose table has the wrong shape is refused, and the process does not hang', async () => {
    const odd = join(dir, 'odd-store');
    await withRawStore(odd, (client) => client.send(WRONG_KEY_TABLE));
    const { code, err } = await cli('status', '--store', odd);
    expect(code).toBe(3);
    expect(err).toContain('exists with key id (HASH), but certwatch needs partition key certificateId');
    // The store was released: it opens again (a leaked server would hold its lock).
    const again = await startEmbeddedDynamoDb({ path: odd });
    await again.close();
  });

  test('a store directory in use by another certwatch is named', async () => {
    const busy = join(dir, 'busy');
    const holder = await startEmbeddedDynamoDb({ path: busy });
    await fetch(holder.endpoint, { method: 'POST', headers: { 'x-amz-target': 'DynamoDB_20120810.ListTables', 'content-type': 'application/x-amz-json-1.0' }, body: '{}' }).catch(() => undefined);
    try {
      const { code, err } = await cli('status', '--store', busy);
      expect(code).toBe(3);
      expect(err).toContain(`the local store ${busy} is in use by another running certwatch`);
    } finally {
      await holder.close();
    }
  });

  test('a run on a store directory in use fails before probing any target', async () => {
    const busy = join(dir, 'busy-run');
    const holder = await startEmbeddedDynamoDb({ path: busy });
    await fetch(holder.endpoint, { method: 'POST', headers: { 'x-amz-target': 'DynamoDB_20120810.ListTables', 'content-type': 'application/x-amz-json-1.0' }, body: '{}' }).catch(() => undefined);
    let connections = 0;
    const target = await startTcpServer(() => connections++);
    const cfg = join(dir, 'busy-run.json');
    writeFileSync(cfg, JSON.stringify({ targets: [`127.0.0.1:${target.port}`], check: { timeoutMs: 500 }, audiences: { owners: {}, oncall: {} } }));
    try {
      const { code, out, err } = await cli('run', '--config', cfg, '--store', busy);
      expect(code).toBe(3);
      expect(out).toBe('');
      expect(err).toContain(`the local store ${busy} is in use by another running certwatch`);
      expect(err.trim().split('\n')).toHaveLength(1);
      expect(connections).toBe(0);
    } finally {
      await target.close();
      await holder.close();
    }
  });

  test('a run on a store whose table has the wrong shape is refused, and the process does not hang', async () => {
    const odd = join(dir, 'odd-run-store');
    await withRawStore(odd, (client) => client.send(WRONG_KEY_TABLE));
    const notifications = join(dir, 'odd-run.jsonl');
    const { code, out, err } = await cli('run', ...config(), '--store', odd, '--notify', `file:${notifications}`);
    expect(code).toBe(3);
    expect(out).toBe('');
    expect(err).toContain(`cannot use the local store ${odd}: `);
    expect(err).toContain('exists with key id (HASH), but certwatch needs partition key certificateId');
    expect(existsSync(notifications)).toBe(false);
    // The store was released: it opens again (a leaked server would hold its lock).
    const again = await startEmbeddedDynamoDb({ path: odd });
    await again.close();
  });
});
