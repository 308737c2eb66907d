import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certwatchProcess } from '../support/certwatch-process';
import { cli } from '../support/cli';
import { chainFor, daysFromNow, issue } from '../support/pki';
import { startTlsServer, type RunningServer } from '../support/servers';

// --now on a store that runs on the clock use: refused unless --force-now; and when forced, the runs on the clock
// after it are not muted, and say what they set aside. status shows a last run in the future as such.

const DAY = 86_400_000;
let dir: string;
let server: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'certwatch-clock-guard-'));
  const { root, intermediate } = await chainFor(['unused.test']);
  const leaf = await issue({ subject: 'CN=shop.test', sans: ['shop.test'], issuer: intermediate, notBefore: daysFromNow(-388), notAfter: daysFromNow(10) });
  server = await startTlsServer({ key: leaf, chain: [leaf, intermediate] });
  writeFileSync(join(dir, 'ca.pem'), root.certPem);
  writeFileSync(
    join(dir, 'certwatch.config.json'),
    JSON.stringify({
      targets: [{ target: `127.0.0.1:${server.port}`, servername: 'shop.test' }],
      check: { caFile: join(dir, 'ca.pem'), timeoutMs: 2000 },
      audiences: { owners: { emails: ['owners@example.com'] }, oncall: { emails: ['oncall@example.com'] } },
    }),
  );
});

afterAll(() => server.close());

const ahead = (days: number) => new Date(Date.now() + days * DAY).toISOString();
const common = (name: string) => ['--config', join(dir, 'certwatch.config.json'), '--store', join(dir, name), '--notify', `file:${join(dir, `${name}.jsonl`)}`];
const sent = (name: string) => (existsSync(join(dir, `${name}.jsonl`)) ? readFileSync(join(dir, `${name}.jsonl`), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { kind: string; stage: string }) : []);

test('a --now 20 days ahead on a store real runs have written is refused in one line naming --force-now, and changes nothing', async () => {
  expect((await cli('run', ...common('real'))).code).toBe(0);
  const before = sent('real').length;
  const refused = await certwatchProcess(['run', ...common('real'), '--now', ahead(20)], { cwd: dir });
  expect(refused).toMatchObject({ code: 3, out: '' });
  const line = refused.err;
  expect(line).toMatch(/^certwatch: --now \S+ is (19|20) days ahead of this machine's clock, and runs on the clock use this store \(the last at \S+\): --now is for simulations on a store of their own \(--store DIR\); --force-now runs it anyway\n$/);
  expect(sent('real')).toHaveLength(before);
  const ack = await cli('ack', `tls:127.0.0.1:${server.port}/shop.test`, '--store', join(dir, 'real'), '--now', ahead(-3));
  expect(ack).toMatchObject({ code: 3, out: '' });
  expect(ack.err).toContain('is 3 days behind this machine\'s clock');
});

test('a simulation on a store of its own is not refused', async () => {
  expect((await cli('run', ...common('simulation'), '--now', ahead(20))).code).not.toBe(3);
  expect((await cli('run', ...common('simulation'), '--now', ahead(25))).code).not.toBe(3);
});

test('forced ahead, then on the clock: status says the last run is in the future, the next run sets it aside and says so', async () => {
  expect((await cli('run', ...common('forced'))).code).toBe(0);
  expect(sent('forced').map((n) => n.stage)).toEqual(['urgent']);
  expect((await cli('run', ...common('forced'), '--now', ahead(20), '--force-now')).code).toBeLessThan(3);
  expect(sent('forced').map((n) => n.stage)).toEqual(['urgent', 'expired']);
  const status = await cli('status', '--store', join(dir, 'forced'));
  expect(status.out.split('\n')[0]).toMatch(/^last run: .* UTC \((19|20) days in the future: a run with --force-now, or a clock that was ahead\)$/);

  const next = await cli('run', ...common('forced'));
  expect(next.out).toContain(`written by a clock ahead of this one (2): tls:127.0.0.1:${server.port}/shop.test, certwatch#ledger; what that clock decided ahead of this run's time is set aside`);
  // Back on the urgent stage it had really reached, whose daily repeat is not due yet: only the correction of the
  // "expired" notice the run ahead sent, to everyone it told.
  const [correction, ...more] = sent('forced').slice(2) as { kind: string; stage: string; audiences: string[]; subject: string; email: string }[];
  expect(more).toEqual([]);
  expect(correction).toMatchObject({ kind: 'recovery', stage: 'expired', audiences: ['owners', 'oncall'] });
  expect(correction.subject).toMatch(/^\[certwatch\] CORRECTED 127\.0\.0\.1:\d+ not expired: urgent, expires \S+ \(in (9|10)d \d+h\)$/);
  expect(correction.email).toContain('was sent by a clock that was ahead (a host clock that jumped forward, or a run with --force-now)');
  expect(correction.email).toContain('in the "urgent" stage.');
  expect((await cli('status', '--store', join(dir, 'forced'))).out.split('\n')[0]).toMatch(/\(less than an hour ago\)$/);
  // A day later (forced, as this store has real runs): the urgent stage repeats, as on a store without the run ahead.
  expect((await cli('run', ...common('forced'), '--now', ahead(1.01), '--force-now')).code).toBeLessThan(3);
  expect(sent('forced').map((n) => `${n.kind}/${n.stage}`)).toEqual(['expiry/urgent', 'expiry/expired', 'recovery/expired', 'expiry/urgent']);
});
