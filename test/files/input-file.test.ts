import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputFileError, INPUT_FILE_MAX_BYTES, readInputFile, readInputText } from '../../functions/files/input-file';
import { CaFileContentError, readCaFile } from '../../functions/files/ca-file';
import { chainFor } from '../support/pki';

// The guard every file a person names goes through: regular files only (after links), never more than the cap.

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'certwatch-input-file-'));
});

function refusal(read: () => unknown): InputFileError {
  try {
    read();
  } catch (error) {
    if (error instanceof InputFileError) return error;
    throw error;
  }
  throw new Error('expected an InputFileError');
}

test('a regular file is read whole, also through a symbolic link', () => {
  const file = join(dir, 'targets.txt');
  const text = 'example.com\n'.repeat(20_000); // 240 KB: more than one read
  writeFileSync(file, text);
  symlinkSync(file, join(dir, 'link.txt'));
  expect(readInputText(file)).toBe(text);
  expect(readInputText(join(dir, 'link.txt'))).toBe(text);
});

test('an empty file is read as empty', () => {
  writeFileSync(join(dir, 'empty'), '');
  expect(readInputFile(join(dir, 'empty')).length).toBe(0);
});

test('a FIFO is refused at once instead of waiting for a writer', () => {
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  expect(refusal(() => readInputText(fifo))).toMatchObject({ path: fifo, reason: 'a FIFO, not a regular file' });
});

test.each([
  ['/dev/zero', 'a character device, not a regular file'],
  ['/dev/null', 'a character device, not a regular file'],
])('%s is refused without reading it', (path, reason) => {
  expect(refusal(() => readInputText(path))).toMatchObject({ reason, message: `cannot read ${path} (${reason})` });
});

test('a link to a device is judged by what it points to', () => {
  symlinkSync('/dev/zero', join(dir, 'config.json'));
  expect(refusal(() => readInputText(join(dir, 'config.json'))).reason).toBe('a character device, not a regular file');
});

test('a directory is refused', () => {
  mkdirSync(join(dir, 'certs'));
  expect(refusal(() => readInputText(join(dir, 'certs'))).reason).toBe('a directory, not a regular file');
});

test('a file over the cap is refused by its size, without reading it', () => {
  const huge = join(dir, 'huge.json');
  writeFileSync(huge, '');
  truncateSync(huge, INPUT_FILE_MAX_BYTES + 1); // sparse: nothing written to disk
  expect(refusal(() => readInputText(huge)).reason).toBe('larger than the 64 MB limit for an input file (64.0 MB)');
});

test('a file at the cap is still read', () => {
  const big = join(dir, 'big.json');
  writeFileSync(big, '');
  truncateSync(big, INPUT_FILE_MAX_BYTES);
  expect(readInputFile(big).length).toBe(INPUT_FILE_MAX_BYTES);
});

test('a missing file is named with its error code', () => {
  expect(refusal(() => readInputText(join(dir, 'nope.json')))).toMatchObject({ reason: 'ENOENT' });
});

describe('CA files', () => {
  test('the certificates of a PEM bundle, in order', async () => {
    const { root, intermediate } = await chainFor(['ca.test']);
    const file = join(dir, 'bundle.pem');
    writeFileSync(file, `# private roots\n${root.certPem}\n${intermediate.certPem}`);
    expect(readCaFile(file)).toEqual([root.certPem.trim(), intermediate.certPem.trim()]);
  });

  test.each([
    ['no.pem', 'not a certificate at all\n', 'holds no PEM certificate'],
    ['bad.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', 'holds a PEM block that is not a certificate (block 1 of 1)'],
  ])('%s is refused', (name, content, problem) => {
    writeFileSync(join(dir, name), content);
    expect(() => readCaFile(join(dir, name))).toThrow(new CaFileContentError(join(dir, name), problem));
  });

  test('a CA file that is a FIFO is refused by the same guard', () => {
    const fifo = join(dir, 'ca-fifo.pem');
    execFileSync('mkfifo', [fifo]);
    expect(refusal(() => readCaFile(fifo)).reason).toBe('a FIFO, not a regular file');
  });
});
