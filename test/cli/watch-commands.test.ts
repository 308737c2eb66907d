import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type CliIo } from '../../functions/cli/main';
import { startEmbeddedDynamoDb } from '../../functions/store/embedded-dynamodb';
import { chainFor, daysFromNow, issue } from '../support/pki';
import { closedPort, startTlsServer, type RunningServer } from '../support/servers';

// run, status and ack through the CLI entry point, on the embedded store in a temporary directory.

const DAY = 86_400_000;
let dir: string;
let server: RunningServer;
let refusedPort: number;

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t), isTty: false, version: 'test' };
  const code = await main(argv, io);
  return { code, out, err };
}

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

test('status before any run says so', async () => {
  const { code, out } = await cli('status', ...store());
  expect(code).toBe(0);
  expect(out).toContain('no watched certificates yet');
});

test('run, status, ack: a full local cycle', async () => {
  const notifications = join(dir, 'notifications.jsonl');
  const first = await cli('run', ...config(), ...store(), '--notify', `file:${notifications}`, '--now', at(0));
  expect(first.err).toBe('');
  expect(first.code).toBe(0);
  expect(first.out).toMatch(/2 targets \(1 critical|2 targets \(1 warning|urgent/);
  expect(first.out).toContain('notifications: 2 sent, 0 pending');
  const lines = readFileSync(notifications, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; stage: string });
  expect(lines.map((l) => `${l.kind}/${l.stage}`).sort()).toEqual(['error/error', 'expiry/urgent']);

  const status = await cli('status', ...store(), '--now', at(0));
  const rows = status.out.trim().split('\n');
  expect(rows[0]).toMatch(/^CERTIFICATE\s+STATUS\s+DAYS\s+NOT AFTER \(UTC\)\s+STAGE\s+LAST NOTICE \(UTC\)\s+ACK$/);
  expect(rows[1]).toMatch(new RegExp(`^tls:127.0.0.1:${server.port}\\s+\\S+\\s+9\\s+.*urgent`));
  expect(rows[2]).toMatch(new RegExp(`^tls:127.0.0.1:${refusedPort}\\s+ERROR \\(1 failed\\)\\s+-`));

  const ack = await cli('ack', `127.0.0.1:${server.port}`, '--until', at(2), '--note', 'OPS-1', ...store(), '--now', at(0));
  expect(ack).toMatchObject({ code: 0, err: '' });
  expect(ack.out).toContain(`acknowledged stage urgent of tls:127.0.0.1:${server.port} until`);
  const ackError = await cli('ack', `tls:127.0.0.1:${refusedPort}`, '--alert', 'error', ...store(), '--now', at(0));
  expect(ackError.out).toContain(`acknowledged the probe-failure alert of tls:127.0.0.1:${refusedPort}`);

  const json = JSON.parse((await cli('status', '--json', ...store(), '--now', at(0))).out) as { certificateId: string; acknowledged: string | null }[];
  expect(json.map((r) => r.acknowledged)).toEqual([expect.stringMatching(/^urgent until /), 'error']);

  // Acknowledged: the next day's repeats are silent for both.
  const quiet = await cli('run', ...config(), ...store(), '--notify', `file:${notifications}`, '--now', at(1));
  expect(quiet.out).toContain('notifications: 0 sent, 0 pending');
});

describe('mistakes get one line and exit 3', () => {
  test.each([
    [['ack', 'tls:nope.test:443'], 'no watched certificate tls:nope.test:443'],
    [['ack', 'bad target'], 'contains white space'],
    [['ack', 'x.test', '--alert', 'maybe'], "argument 'maybe' is invalid"],
    [['ack', 'x.test', '--until', 'tomorrow'], '--until must be an ISO 8601 time'],
  ])('%j', async (argv, message) => {
    const { code, err } = await cli(...argv, ...store());
    expect(code).toBe(3);
    expect(err).toContain(message);
    expect(err.trim().split('\n')).toHaveLength(1);
  });

  test('acknowledging a certificate with nothing to acknowledge', async () => {
    const fresh = join(dir, 'fresh-state');
    const okLeaf = await issue({ subject: 'CN=calm.test', sans: ['calm.test'], issuer: (await chainFor(['x'])).intermediate, notAfter: daysFromNow(200) });
    const calm = await startTlsServer({ key: okLeaf, chain: [okLeaf] });
    const cfg = join(dir, 'calm.json');
    writeFileSync(cfg, JSON.stringify({ targets: [`127.0.0.1:${calm.port}`], audiences: { owners: {}, oncall: {} } }));
    await cli('run', '--config', cfg, '--store', fresh, '--notify', `file:${join(dir, 'calm.jsonl')}`);
    await calm.close();
    // The self-signed leaf is critical by its findings, but in no expiry stage and its probe answered: nothing to ack.
    const { code, err } = await cli('ack', `127.0.0.1:${calm.port}`, '--store', fresh);
    expect(code).toBe(3);
    expect(err).toContain('nothing to acknowledge');
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
  });

  test('a config with a bad field names it', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ targets: ['a.test'], audiences: { owners: { sms: ['555-0100'] }, oncall: {} } }));
    const { code, err } = await cli('run', '--config', bad, ...store());
    expect(code).toBe(3);
    expect(err).toContain('audiences.owners.sms.0: must be a phone number in E.164 form');
    expect(err).not.toContain('555-0100');
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
});
