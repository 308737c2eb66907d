import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chainFor, issue } from '../support/pki';
import { startTlsServer, type RunningServer } from '../support/servers';

// End to end: the real `certwatch run` process, simulated through time with --now, against a real TLS server
// whose certificate is renewed mid-simulation, with the embedded store on disk and notifications to a file.

const exec = promisify(execFile);
const repo = join(__dirname, '..', '..');
const DAY = 86_400_000;
// Half a second past a whole second: certificates keep whole seconds, so a notAfter of START + n days is always
// just under n days from START + 0 days (days left n - 1, never n when the clock happens to read .000).
const START = Math.floor(Date.now() / 1000) * 1000 + 500;
const day = (n: number) => new Date(START + n * DAY);

let server: RunningServer & { serve: (endpoint: Parameters<typeof startTlsServer>[0]) => void };
let dir: string;
let renewed: Parameters<typeof startTlsServer>[0];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'certwatch-e2e-'));
  const { root, intermediate } = await chainFor(['unused.test']);
  const leafFor = (notAfterDay: number) => issue({ subject: 'CN=shop.test', sans: ['shop.test'], issuer: intermediate, notBefore: day(notAfterDay - 398), notAfter: day(notAfterDay) });
  const expiring = await leafFor(40);
  const replacement = await leafFor(400);
  renewed = { key: replacement, chain: [replacement, intermediate] };
  server = await startTlsServer({ key: expiring, chain: [expiring, intermediate] });
  writeFileSync(join(dir, 'ca.pem'), root.certPem);
  writeFileSync(
    join(dir, 'certwatch.config.json'),
    JSON.stringify({
      targets: [{ target: `127.0.0.1:${server.port}`, servername: 'shop.test', owner: 'shop-team' }],
      check: { caFile: join(dir, 'ca.pem'), timeoutMs: 3000 },
      audiences: { owners: { emails: ['shop-team@example.com'] }, oncall: { sms: ['+15550000001'] } },
    }),
  );
});

afterAll(() => server.close());

async function certwatch(...args: string[]) {
  return exec(process.execPath, [join(repo, 'bin', 'certwatch.js'), ...args], { cwd: dir });
}

async function runAt(dayNumber: number) {
  return certwatch('run', '--now', day(dayNumber).toISOString(), '--store', join(dir, 'state'), '--notify', `file:${join(dir, 'notifications.jsonl')}`);
}

function notifications(): { kind: string; stage: string; audiences: string[]; at: string; daysRemaining: number | null; sms: string; subject: string }[] {
  const file = join(dir, 'notifications.jsonl');
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line)) : [];
}

test('escalates as expiry nears, once per decision, and sends one recovery when the certificate is renewed', async () => {
  for (const d of [0, 1, 8, 11, 27]) await runAt(d);
  server.serve(renewed);
  for (const d of [28, 29]) await runAt(d);

  const sequence = notifications().map((n) => [n.at, n.kind, n.stage, n.audiences.join('+')]);
  expect(sequence).toEqual([
    [day(0).toISOString(), 'expiry', 'notice', 'owners'],
    [day(8).toISOString(), 'expiry', 'notice', 'owners'],
    [day(11).toISOString(), 'expiry', 'warning', 'owners'],
    [day(27).toISOString(), 'expiry', 'urgent', 'owners+oncall'],
    [day(28).toISOString(), 'recovery', 'urgent', 'owners+oncall'],
  ]);
  const [first] = notifications();
  expect(first.daysRemaining).toBe(39);
  expect(first.subject.length).toBeLessThanOrEqual(100);
  expect(first.sms.length).toBeLessThanOrEqual(140);

  const status = JSON.parse((await certwatch('status', '--json', '--store', join(dir, 'state'), '--now', day(29).toISOString())).stdout);
  expect(status).toEqual([expect.objectContaining({ certificateId: `tls:127.0.0.1:${server.port}/shop.test`, status: 'ok', stage: null, daysRemaining: 370 })]);
});

test('a run with more probes and store calls in flight than Node warns about (10 listeners on one signal) prints no leak warning', async () => {
  const config = join(dir, 'many.config.json');
  const targets = Array.from({ length: 30 }, (_, i) => ({ target: `127.0.0.1:${server.port}`, servername: `n${i}.shop.test` }));
  writeFileSync(
    config,
    JSON.stringify({ targets, check: { caFile: join(dir, 'ca.pem'), concurrency: 30 }, audiences: { owners: { emails: ['shop-team@example.com'] }, oncall: { emails: ['oncall@example.com'] } } }),
  );
  // Served shop.test's certificate under other names: every target is judged, and alerted on.
  const { stdout, stderr } = await certwatch('run', '--config', config, '--json', '--store', join(dir, 'many-state'), '--notify', `file:${join(dir, 'many.jsonl')}`);
  expect(JSON.parse(stdout).targets).toBe(30);
  expect(stderr).not.toMatch(/Warning/);
});
