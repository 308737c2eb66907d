import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cli } from '../support/cli';
import { writePkcs12 } from '../support/pkcs12-writer';
import { chainFor, daysFromNow, issue, type Issued } from '../support/pki';

// The release gate: `certwatch check --files GLOB` over certificate files written at test time.

const run = promisify(execFile);
const repo = join(__dirname, '..', '..');
const PASSWORD = 's3cret-p12-password';
let root: Issued;
let intermediate: Issued;
let good: Issued;

beforeAll(async () => {
  ({ root, intermediate, leaf: good } = await chainFor(['app.test'], { notAfter: daysFromNow(200) }));
});

/** A release's dist/ folder: PEM at the top, a CRT two folders down, a PKCS#12 bundle, and a file the glob skips. */
function release(options: { shortLived?: Issued } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'certwatch-release-'));
  mkdirSync(join(dir, 'dist', 'config', 'tls'), { recursive: true });
  writeFileSync(join(dir, 'dist', 'server.pem'), [good, intermediate, root].map((c) => c.certPem).join('\n'));
  writeFileSync(join(dir, 'dist', 'config', 'tls', 'client.crt'), [options.shortLived ?? good, intermediate, root].map((c) => c.certPem).join('\n'));
  writeFileSync(join(dir, 'dist', 'config', 'bundle.p12'), writePkcs12({ certificates: [good.der, intermediate.der, root.der], password: PASSWORD, certificateSafe: 'pkcs12-rc2-40', mac: 'sha1' }));
  writeFileSync(join(dir, 'dist', 'README.txt'), 'not a certificate, not matched');
  return dir;
}

const targetsOf = (out: string) => (JSON.parse(out) as { target: string }[]).map((r) => r.target);

describe('certwatch check --files', () => {
  test('every certificate of every matching file, in sorted path order; ** matches zero or more folders', async () => {
    const dir = release();
    process.env.CERTWATCH_TEST_P12 = PASSWORD;
    const { code, out } = await cli('check', '--json', '--files', `${dir}/dist/**/*.{pem,crt,p12}`, '--password-env', 'CERTWATCH_TEST_P12');
    expect(targetsOf(out)).toEqual([
      ...[1, 2, 3].map((n) => `file://${dir}/dist/config/bundle.p12#${n}`),
      ...[1, 2, 3].map((n) => `file://${dir}/dist/config/tls/client.crt#${n}`),
      ...[1, 2, 3].map((n) => `file://${dir}/dist/server.pem#${n}`),
    ]);
    expect(code).toBe(0);
    expect(out).not.toContain(PASSWORD);
  });

  test('the README recipe: exits 2 when a shipped certificate expires within 90 days, from the release folder', async () => {
    const shortLived = await issue({ subject: 'CN=client.test', sans: ['client.test'], issuer: intermediate, notAfter: daysFromNow(60) });
    const dir = release({ shortLived });
    const gate = run(join(repo, 'bin', 'certwatch.js'), ['check', '--files', 'dist/**/*.{pem,crt,p12}', '--password-env', 'P12_PASSWORD', '--critical-days', '90'], {
      cwd: dir,
      env: { ...process.env, P12_PASSWORD: PASSWORD },
    });
    const failure = await gate.then(() => null, (error: { code: number; stdout: string }) => error);
    expect(failure?.code).toBe(2);
    expect(failure?.stdout).toMatch(/CRITICAL\s+59\s+.*file:\/\/dist\/config\/tls\/client\.crt#1\s+EXPIRES_SOON/);
    expect(failure?.stdout).not.toContain(PASSWORD);
  });

  test('a file matched by two globs is checked once; file:// targets mix with endpoints in input order', async () => {
    const dir = release();
    const { out } = await cli('check', '--json', `file://${dir}/dist/server.pem`, '--files', `${dir}/dist/*.pem`, '--files', `${dir}/dist/**/*.crt`, '--files', `${dir}/dist/server.pem`);
    expect(targetsOf(out)).toEqual([
      ...[1, 2, 3].map((n) => `file://${dir}/dist/server.pem#${n}`),
      ...[1, 2, 3].map((n) => `file://${dir}/dist/server.pem#${n}`),
      ...[1, 2, 3].map((n) => `file://${dir}/dist/config/tls/client.crt#${n}`),
    ]);
  });

  test('a PKCS#12 file without --password-env is one PASSWORD_REQUIRED error (exit 3), the other files judged', async () => {
    const dir = release();
    const { code, out } = await cli('check', '--json', '--files', `${dir}/dist/**/*.{pem,p12}`);
    const results = JSON.parse(out) as { target: string; status: string; error: { code: string } | null }[];
    expect(results.map((r) => [r.target.replace(dir, ''), r.error?.code ?? r.status])).toEqual([
      ['file:///dist/config/bundle.p12', 'PASSWORD_REQUIRED'],
      ['file:///dist/server.pem#1', 'ok'],
      ['file:///dist/server.pem#2', 'ok'],
      ['file:///dist/server.pem#3', 'ok'],
    ]);
    expect(code).toBe(3);
  });

  test.each([
    [(dir: string) => ['check', '--files', `${dir}/dist/**/*.pfx`], (dir: string) => `check: --files '${dir}/dist/**/*.pfx' matches no file`],
    [(dir: string) => ['check', '--files', `${dir}/dist/*.pem`, '--files', `${dir}/typo/*.pem`], (dir: string) => `check: --files '${dir}/typo/*.pem' matches no file`],
    [(dir: string) => ['check', '--files', `${dir}/dist/*.pem`, '--password-env', 'CERTWATCH_TEST_UNSET_VARIABLE'], () => 'check: --password-env CERTWATCH_TEST_UNSET_VARIABLE: that environment variable is not set'],
  ])('a usage mistake exits 3 before anything is read (%#)', async (argv, message) => {
    const dir = release();
    const { code, out, err } = await cli(...argv(dir));
    expect(code).toBe(3);
    expect(out).toBe('');
    expect(err).toBe(`certwatch: ${message(dir)}\n`);
  });
});
