import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chainFor, daysFromNow, issue } from '../support/pki';
import { startTlsServer, type RunningServer } from '../support/servers';

// `certwatch status | head -3`: a reader that stops reading is done, not a failure. The real process, since the
// crash being guarded against is an unhandled 'error' event on process.stdout / process.stderr.

const bin = join(__dirname, '..', '..', 'bin', 'certwatch.js');
let dir: string;
let caFile: string;
let warnServer: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'certwatch-closed-output-'));
  const { root, intermediate } = await chainFor(['unused.test']);
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, root.certPem);
  const leaf = await issue({ subject: 'CN=pipe.test', sans: ['pipe.test'], issuer: intermediate, notBefore: daysFromNow(-400), notAfter: daysFromNow(20, Date.now() + 60_000) });
  warnServer = await startTlsServer({ key: leaf, chain: [leaf, intermediate] });
});

afterAll(async () => {
  await warnServer?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `node bin/certwatch.js ...args` with one of its output pipes closed by the reader before anything is written. */
function runWithClosed(closed: 'stdout' | 'stderr', args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child[closed].destroy();
    let out = '';
    let err = '';
    if (closed !== 'stdout') child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
    if (closed !== 'stderr') child.stderr.setEncoding('utf8').on('data', (text: string) => (err += text));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, out, err }));
  });
}

describe('a closed stdout', () => {
  test('ends status quietly with the status it would have had', async () => {
    const result = await runWithClosed('stdout', ['status', '--store', join(dir, 'state')]);
    expect(result.err).toBe('');
    expect(result).toMatchObject({ code: 0, signal: null });
  });

  test('keeps the verdict of check (1: a warning) instead of reporting the reader leaving', async () => {
    const result = await runWithClosed('stdout', ['check', '--ca-file', caFile, '--servername', 'pipe.test', `127.0.0.1:${warnServer.port}`]);
    expect(result.err).toBe('');
    expect(result).toMatchObject({ code: 1, signal: null });
  });

  test('ends --help quietly', async () => {
    const result = await runWithClosed('stdout', ['--help']);
    expect(result.err).not.toMatch(/EPIPE|Unhandled|at /);
    expect(result).toMatchObject({ code: 0, signal: null });
  });
});

describe('a closed stderr', () => {
  test('does not turn a usage mistake (exit 3) into a crash', async () => {
    const result = await runWithClosed('stderr', ['check']);
    expect(result.out).toBe('');
    expect(result).toMatchObject({ code: 3, signal: null });
  });
});
