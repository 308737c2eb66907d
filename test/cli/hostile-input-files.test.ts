import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certwatchProcess } from '../support/certwatch-process';

// Every file a person names (the config, CA files, a targets file) is read only if it is a regular file (after
// following links) within 64 MB: the real process, since what is guarded against is a process that hangs on a FIFO
// or grows until it dies on /dev/zero. Each is refused in one line with exit status 3.

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'certwatch-hostile-files-'));
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  symlinkSync('/dev/zero', join(dir, 'zero.json'));
  writeFileSync(join(dir, 'huge.json'), '');
  truncateSync(join(dir, 'huge.json'), 65 * 1024 * 1024);
  writeFileSync(join(dir, 'empty.pem'), '');
  writeFileSync(join(dir, 'empty-ca.json'), JSON.stringify({ targets: [{ target: 'a.test', caFile: 'empty.pem' }], audiences: { owners: {}, oncall: {} } }));
});

/** The real command, run in the test's folder. */
const certwatch = (...args: string[]) => certwatchProcess(args, { cwd: dir, timeoutMs: 20_000 });

test.each([
  [['run', '--config', 'zero.json'], 'certwatch: zero.json: cannot read the file (a character device, not a regular file)'],
  [['run', '--config', 'fifo'], 'certwatch: fifo: cannot read the file (a FIFO, not a regular file)'],
  [['run', '--config', 'huge.json'], 'certwatch: huge.json: cannot read the file (larger than the 64 MB limit for an input file (65.0 MB))'],
  [['run', '--config', 'empty-ca.json'], 'certwatch: empty-ca.json: targets.0.caFile: empty.pem holds no PEM certificate'],
  [['check', '--targets-file', 'fifo'], 'certwatch: check: cannot read --targets-file fifo: a FIFO, not a regular file'],
  [['check', '--targets-file', '/dev/zero'], 'certwatch: check: cannot read --targets-file /dev/zero: a character device, not a regular file'],
  [['check', '--ca-file', 'fifo', 'x.test'], 'certwatch: check: --ca-file: cannot read CA file fifo: a FIFO, not a regular file'],
  [['check', '--ca-file', 'empty.pem', 'x.test'], 'certwatch: check: --ca-file: CA file empty.pem holds no PEM certificate'],
  [['run', '--config', 'certwatch.config.json'], 'certwatch: certwatch.config.json: cannot read the file (ENOENT)'],
])('%j is refused in one line, exit 3', async (args, line) => {
  const { code, out, err } = await certwatch(...args);
  expect({ code, out, err }).toEqual({ code: 3, out: '', err: `${line}\n` });
});

test('a run refused for its config leaves no store behind in the folder it ran in', () => {
  // Every run above used the default store, .certwatch/ in the folder: none of them may have created it.
  expect(readdirSync(dir).sort()).toEqual(['empty-ca.json', 'empty.pem', 'fifo', 'huge.json', 'zero.json']);
});
