import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { main } from '../../functions/cli/main';
import { cli } from '../support/cli';
import { chainFor, daysFromNow, issue } from '../support/pki';
import { startTcpServer, startTlsServer, type RunningServer } from '../support/servers';

// The CLI contract: output shapes, exit codes and usage errors, through the real probe on loopback.

const run = promisify(execFile);
const repo = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'certwatch-cli-'));
let caFile: string;
let okServer: RunningServer;
let warnServer: RunningServer;
let expiredServer: RunningServer;
let escapeServer: RunningServer;
let escapeIntermediateServer: RunningServer;

/** A CN that would retitle the terminal and clear the screen, and a right-to-left override. */
const HOSTILE_CN = 'evil\u001b]0;pwned\u0007\u001b[2J\u202Etxt.exe\u009b31m';
const CONTROLS = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;

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
  const hostileLeaf = await issue({ subject: `CN=${HOSTILE_CN}`, sans: ['cli.test'], issuer: intermediate, notAfter: daysFromNow(90, Date.now() + 60_000) });
  escapeServer = await startTlsServer({ key: hostileLeaf, chain: [hostileLeaf, intermediate] });
  const hostileIntermediate = await issue({ subject: `CN=${HOSTILE_CN}`, isCa: true, issuer: root, notAfter: daysFromNow(20, Date.now() + 60_000) });
  const underHostile = await issue({ subject: 'CN=cli.test', sans: ['cli.test'], issuer: hostileIntermediate, notAfter: daysFromNow(90) });
  escapeIntermediateServer = await startTlsServer({ key: underHostile, chain: [underHostile, hostileIntermediate] });
});

afterAll(async () => {
  await Promise.all([okServer, warnServer, expiredServer, escapeServer, escapeIntermediateServer].map((s) => s?.close()));
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
      ['addresses', 'chain', 'daysRemaining', 'elapsedMs', 'error', 'findings', 'host', 'leaf', 'notAfter', 'port', 'protocol', 'servername', 'status', 'target', 'trusted'].sort(),
    );
    // An address target is its one address.
    expect(results[1].addresses).toEqual([
      { address: '127.0.0.1', status: 'ok', notAfter: results[1].notAfter, fingerprintSha256: results[1].leaf.fingerprintSha256, findings: [], error: null },
    ]);
    expect(Object.keys(results[1].leaf).sort()).toEqual(
      ['fingerprintSha256', 'issuer', 'keyAlgorithm', 'keySize', 'notAfter', 'notBefore', 'sans', 'selfIssued', 'serialNumber', 'signatureAlgorithm', 'subject'].sort(),
    );
    expect(code).toBe(1);
  });

  test('is written exactly as JSON.stringify(results, null, 2) would write the whole array', async () => {
    const { out } = await cli('check', '--json', ...common(), at(okServer), at(warnServer), 'bad target', at(expiredServer));
    expect(out).toBe(`${JSON.stringify(JSON.parse(out), null, 2)}\n`);
    expect(JSON.parse(out)).toHaveLength(4);
  });

  test('streams: a result is printed as soon as those before it are in, while a slow target is still being probed', async () => {
    let silentOpen = 0;
    const silent = await startTcpServer((socket) => {
      silentOpen++;
      socket.on('close', () => silentOpen--);
    });
    const writes: { text: string; silentOpen: number }[] = [];
    const io = { out: (text: string) => writes.push({ text, silentOpen }), err: () => undefined, isTty: false, version: 'x' };
    try {
      const code = await main(['check', '--json', '--timeout-ms', '1500', ...common(), at(okServer), at(silent)], io);
      expect(code).toBe(3);
    } finally {
      await silent.close();
    }
    expect(writes[0].text).toContain(`"target": "${at(okServer)}"`);
    expect(writes[0].silentOpen).toBe(1); // the slow target's probe was still waiting for a handshake
    const results = JSON.parse(writes.map((write) => write.text).join(''));
    expect(results.map((r: { error: { code: string } | null }) => r.error?.code ?? null)).toEqual([null, 'TIMEOUT']);
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

  test('--critical-days above the default warning threshold raises it: --critical-days 95 alone makes 90 days critical', async () => {
    const { code, out } = await cli('check', '--json', ...common(), '--critical-days', '95', at(okServer));
    expect(JSON.parse(out)[0].findings[0].message).toContain('critical below 95 days');
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

  test('a certificate subject cannot write control sequences to the terminal, in the subject or in a finding', async () => {
    const { out } = await cli('check', ...common(), at(escapeServer), at(escapeIntermediateServer));
    const lines = out.trimEnd().split('\n');
    expect(out).not.toMatch(CONTROLS);
    expect(lines[1]).toMatch(new RegExp(`^OK\\s+90\\s+.*${at(escapeServer)}\\s+CN=evil\\]0\\\\;pwned\\[2Jtxt\\.exe31m$`));
    expect(lines[2]).toMatch(/^WARNING\s+20\s.*EXPIRES_SOON - intermediate "CN=evil\]0\\;pwned\[2Jtxt\.exe31m" expires on /);
    // The JSON output keeps the subject as served (JSON escapes it).
    const json = await cli('check', '--json', ...common(), at(escapeServer));
    expect(JSON.parse(json.out)[0].leaf.subject).toContain('\u001b]0');
  });

  test('colours the status on a TTY', async () => {
    let out = '';
    await main(['check', ...common(), at(okServer)], { out: (t) => (out += t), err: () => undefined, isTty: true, version: 'x' });
    expect(out).toContain('\u001b[32mOK\u001b[0m');
  });
});

describe('targets the probe must not guess at', () => {
  test('credentials are refused, and the password appears in no output, table or JSON', async () => {
    const targets = ['admin:s3cret@db.example', 'https://user:pa/ss@host', 'https://user:p@ss@host', 'smtp://mail:pass word@mail.example'];
    const json = await cli('check', '--json', ...targets);
    const table = await cli('check', ...targets);
    for (const output of [json.out, json.err, table.out, table.err]) {
      for (const secret of ['s3cret', 'pa/ss', 'p@ss', 'user:', 'pass word', 'word@']) expect(output).not.toContain(secret);
    }
    expect(JSON.parse(json.out).map((r: { target: string; error: { code: string } }) => [r.target, r.error.code])).toEqual([
      ['***@db.example', 'INVALID_TARGET'],
      ['https://***@host', 'INVALID_TARGET'],
      ['https://***@host', 'INVALID_TARGET'],
      ['smtp://***@mail.example', 'INVALID_TARGET'],
    ]);
    expect(table.code).toBe(3);
  });

  test('numeric hosts that are not dotted-quad addresses are refused, not probed somewhere else', async () => {
    const { code, out } = await cli('check', '--json', '--timeout-ms', '1000', '010.0.0.1:443', '0x7f.1', '2130706433');
    expect(JSON.parse(out).map((r: { error: { code: string; message: string } }) => r.error)).toEqual(
      ['010.0.0.1', '0x7f.1', '2130706433'].map((host) => ({
        code: 'INVALID_TARGET',
        message: expect.stringContaining(`"${host}" is neither a host name nor an IPv4 address in dotted-quad form`),
      })),
    );
    expect(code).toBe(3);
  });
});

describe('usage mistakes: one line on stderr, exit 3, no stack trace', () => {
  test.each([
    [['check'], 'no targets given'],
    [['check', '--warning-days', 'ten', 'x.test'], '"ten" is not a whole number'],
    [['check', '--timeout-ms', '0', 'x.test'], 'outside 1-600000'],
    [['check', '--warning-days', '30', '--critical-days', '40', 'x.test'], 'check: --critical-days (40) must not exceed --warning-days (30)'],
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
    for (const option of ['--json', '--servername', '--ca-file', '--warning-days', '--critical-days', '--timeout-ms', '--concurrency', '--targets-file', '--files', '--password-env']) {
      expect(help.stdout).toContain(option);
    }
    expect(help.stdout).toContain('Exit status: 0 ok, 1 warning, 2 critical or expired, 3 error');
  });

  test('check and --help load no module they do not use: no AWS SDK, dynalite, zod, certificate library or thread', async () => {
    // A preload that writes, at exit, every package the process loaded and every built-in it started.
    const preload = join(dir, 'loaded-modules.js');
    writeFileSync(
      preload,
      `const before = new Set(process.moduleLoadList);
process.on('exit', () => {
  const packages = Object.keys(require.cache).map((file) => /node_modules\\/((@[^/]+\\/)?[^/]+)/.exec(file)?.[1]).filter(Boolean);
  const builtins = process.moduleLoadList.filter((m) => !before.has(m) && m.startsWith('NativeModule ')).map((m) => m.slice(13));
  require('node:fs').writeSync(2, JSON.stringify({ packages: [...new Set(packages)], builtins }));
});`,
    );
    const loaded = async (...args: string[]) => {
      const { stderr } = await run(process.execPath, ['--require', preload, join(repo, 'bin', 'certwatch.js'), ...args], { cwd: repo });
      return JSON.parse(stderr) as { packages: string[]; builtins: string[] };
    };
    // commander and zod are in the CLI's bundle (scripts/build.mjs): no package is loaded from node_modules at all.
    const check = await loaded('check', '--json', ...common(), at(okServer));
    expect(check.packages).toEqual([]);
    expect(check.builtins).not.toContain('worker_threads');
    const help = await loaded('--help');
    expect(help.packages).toEqual([]);
    // child_process: commander's, loaded at its first spawn (scripts/build.mjs), which certwatch never makes.
    expect(help.builtins.filter((name) => ['tls', 'crypto', 'worker_threads', 'child_process'].includes(name))).toEqual([]);
  });

  test('a usage mistake exits 3 from the real process', async () => {
    await expect(run(join(repo, 'bin', 'certwatch.js'), ['check'], { cwd: repo })).rejects.toMatchObject({ code: 3, stderr: expect.stringContaining('no targets given') });
  });
});
