import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { main, type CliIo } from '../../functions/cli/main';
import { chainFor, daysFromNow, issue } from '../support/pki';
import { startTlsServer, type RunningServer } from '../support/servers';

// The CLI contract: output shapes, exit codes and usage errors, through the real probe on loopback.

const run = promisify(execFile);
const repo = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'certwatch-cli-'));
let caFile: string;
let okServer: RunningServer;
let warnServer: RunningServer;
let expiredServer: RunningServer;

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t), isTty: false, version: '0.0.0-test' };
  const code = await main(argv, io);
  return { code, out, err };
}

beforeAll(async () => {
  const { root, intermediate } = await chainFor(['unused.test']);
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, root.certPem);
  const leaf = (days: number) => issue({ subject: 'CN=cli.test', sans: ['cli.test'], issuer: intermediate, notBefore: daysFromNow(-400), notAfter: daysFromNow(days, Date.now() + 60_000) });
  const okLeaf = await leaf(90);
  const warnLeaf = await leaf(20);
  const expiredLeaf = await leaf(-3);
  okServer = await startTlsServer({ key: okLeaf, chain: [okLeaf, intermediate] });
  warnServer = await startTlsServer({ key: warnLeaf, chain: [warnLeaf, intermediate] });
  expiredServer = await startTlsServer({ key: expiredLeaf, chain: [expiredLeaf, intermediate] });
});

afterAll(async () => {
  await Promise.all([okServer, warnServer, expiredServer].map((s) => s?.close()));
});

const at = (server: RunningServer) => `127.0.0.1:${server.port}`;
const common = () => ['--ca-file', caFile, '--servername', 'cli.test'];

describe('certwatch check --json', () => {
  test('prints exactly one JSON array in input order and exits with the worst status', async () => {
    const { code, out, err } = await cli('check', '--json', ...common(), at(warnServer), at(okServer));
    expect(err).toBe('');
    const results = JSON.parse(out);
    expect(results.map((r: { target: string; status: string }) => [r.target, r.status])).toEqual([
      [at(warnServer), 'warning'],
      [at(okServer), 'ok'],
    ]);
    expect(Object.keys(results[1]).sort()).toEqual(
      ['chain', 'daysRemaining', 'elapsedMs', 'error', 'findings', 'host', 'leaf', 'notAfter', 'port', 'protocol', 'servername', 'status', 'target', 'trusted'].sort(),
    );
    expect(Object.keys(results[1].leaf).sort()).toEqual(
      ['fingerprintSha256', 'issuer', 'keyAlgorithm', 'keySize', 'notAfter', 'notBefore', 'sans', 'selfIssued', 'serialNumber', 'signatureAlgorithm', 'subject'].sort(),
    );
    expect(code).toBe(1);
  });

  test.each([
    ['ok', () => [at(okServer)], 0],
    ['warning', () => [at(warnServer)], 1],
    ['expired', () => [at(expiredServer)], 2],
    ['error beats everything', () => [at(expiredServer), 'nonexistent.invalid'], 3],
  ])('exit code for %s', async (_name, targets, expected) => {
    const { code } = await cli('check', '--json', ...common(), ...targets());
    expect(code).toBe(expected);
  });

  test('--warning-days and --critical-days move the thresholds', async () => {
    const { code, out } = await cli('check', '--json', ...common(), '--warning-days', '100', '--critical-days', '95', at(okServer));
    expect(JSON.parse(out)[0]).toMatchObject({ status: 'critical', daysRemaining: 90 });
    expect(code).toBe(2);
  });

  test('--targets-file adds targets after the arguments, comments skipped', async () => {
    const file = join(dir, 'targets.txt');
    writeFileSync(file, `# fleet\n${at(expiredServer)}  # old one\n\nbad target here\n`);
    const { out } = await cli('check', '--json', ...common(), '--targets-file', file, at(okServer));
    expect(JSON.parse(out).map((r: { status: string; error: { code: string } | null }) => r.error?.code ?? r.status)).toEqual(['ok', 'expired', 'INVALID_TARGET']);
  });
});

describe('certwatch check (table)', () => {
  test('prints a readable table without colour when stdout is not a TTY', async () => {
    const { out } = await cli('check', ...common(), at(okServer), at(expiredServer));
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^STATUS\s+DAYS\s+NOT AFTER \(UTC\)\s+TARGET\s+DETAIL$/);
    expect(lines[1]).toMatch(new RegExp(`^OK\\s+90\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\s+${at(okServer)}\\s+CN=cli.test$`));
    expect(lines[2]).toMatch(/^EXPIRED\s+-3\s/);
    expect(out).not.toContain('\u001b[');
  });

  test('colours the status on a TTY', async () => {
    let out = '';
    await main(['check', ...common(), at(okServer)], { out: (t) => (out += t), err: () => undefined, isTty: true, version: 'x' });
    expect(out).toContain('\u001b[32mOK\u001b[0m');
  });
});

describe('usage mistakes: one line on stderr, exit 3, no stack trace', () => {
  test.each([
    [['check'], 'no targets given'],
    [['check', '--warning-days', 'ten', 'x.test'], '"ten" is not a whole number'],
    [['check', '--timeout-ms', '0', 'x.test'], 'outside 1-600000'],
    [['check', '--critical-days', '40', 'x.test'], 'must not exceed --warning-days'],
    [['check', '--targets-file', '/nonexistent/targets.txt'], 'cannot read --targets-file /nonexistent/targets.txt: ENOENT'],
    [['check', '--ca-file', '/nonexistent/ca.pem', 'x.test'], 'cannot read CA file /nonexistent/ca.pem'],
    [['check', '--no-such-option', 'x.test'], "unknown option '--no-such-option'"],
    [['frobnicate'], "unknown command 'frobnicate'"],
  ])('%j', async (argv, message) => {
    const { code, out, err } = await cli(...argv);
    expect(code).toBe(3);
    expect(out).toBe('');
    expect(err).toContain(message);
    expect(err).not.toMatch(/\n\s+at /);
  });

  test('a CA file without certificates is refused up front', async () => {
    const notPem = join(dir, 'not.pem');
    writeFileSync(notPem, 'hello');
    const { code, err } = await cli('check', '--ca-file', notPem, 'x.test');
    expect(code).toBe(3);
    expect(err).toContain('holds no PEM certificate');
  });
});

describe('the installed command', () => {
  test('node_modules/.bin/certwatch runs a check', async () => {
    const result = await run(join(repo, 'node_modules', '.bin', 'certwatch'), ['check', '--json', ...common(), at(okServer)], { cwd: repo });
    expect(JSON.parse(result.stdout)[0].status).toBe('ok');
  });

  test('npx certwatch --help and check --help describe every option', async () => {
    const top = await run('npx', ['--no-install', 'certwatch', '--help'], { cwd: repo });
    expect(top.stdout).toContain('check [options] [targets...]');
    const help = await run('npx', ['--no-install', 'certwatch', 'check', '--help'], { cwd: repo });
    for (const option of ['--json', '--servername', '--ca-file', '--warning-days', '--critical-days', '--timeout-ms', '--concurrency', '--targets-file']) {
      expect(help.stdout).toContain(option);
    }
    expect(help.stdout).toContain('Exit status: 0 ok, 1 warning, 2 critical or expired, 3 error');
  });

  test('a usage mistake exits 3 from the real process', async () => {
    await expect(run(join(repo, 'bin', 'certwatch.js'), ['check'], { cwd: repo })).rejects.toMatchObject({ code: 3, stderr: expect.stringContaining('no targets given') });
  });
});
