import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

// The one way certwatch reads a file a person named (the config, CA files, a targets file, certificate files):
// only a regular file (after following links), never more than INPUT_FILE_MAX_BYTES. Without the guard a config of
// /dev/zero grows until the process dies, and a FIFO blocks the open forever. Every adapter that reads such a file
// imports this; callers put the reason into their own one-line message (which field, which flag).

/** Far above any real config, CA bundle or certificate (a CA bundle of every public root is about 250 KB). */
export const INPUT_FILE_MAX_BYTES = 64 * 1024 * 1024;

/** Why an input file could not be read: `reason` is short enough for one line (`ENOENT`, `a FIFO, not a regular file`). */
export class InputFileError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`cannot read ${path} (${reason})`);
    this.name = 'InputFileError';
  }
}

/**
 * The bytes of the regular file at `path`. Opened without blocking (a FIFO would otherwise wait for a writer), then
 * checked on the open descriptor, so a file swapped after a check cannot slip through; read only up to the cap, so a
 * file that grows while it is read costs at most that much. Throws InputFileError.
 */
export function readInputFile(path: string): Buffer {
  let fd: number;
  try {
    // O_NONBLOCK: an open of a FIFO returns at once instead of waiting for a writer; on regular files it changes nothing.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0));
  } catch (error) {
    throw new InputFileError(path, errorCode(error));
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new InputFileError(path, `${kindOf(stats)}, not a regular file`);
    if (stats.size > INPUT_FILE_MAX_BYTES) throw tooLarge(path, ` (${(stats.size / MB).toFixed(1)} MB)`);
    return readAtMost(fd, path, stats.size);
  } catch (error) {
    if (error instanceof InputFileError) throw error;
    throw new InputFileError(path, errorCode(error));
  } finally {
    closeSync(fd);
  }
}

/** The text of the regular file at `path`, as UTF-8. Throws InputFileError. */
export function readInputText(path: string): string {
  return readInputFile(path).toString('utf8');
}

/** Reads to the end, but never past the cap (a file that grows while it is read, or one whose size says 0, as in /proc). */
function readAtMost(fd: number, path: string, expectedSize: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  let chunk = Buffer.allocUnsafe(Math.min(Math.max(expectedSize + 1, 64 * 1024), INPUT_FILE_MAX_BYTES + 1));
  for (;;) {
    const read = readSync(fd, chunk, 0, Math.min(chunk.length, INPUT_FILE_MAX_BYTES + 1 - total), null);
    if (read === 0) break;
    chunks.push(chunk.subarray(0, read));
    total += read;
    if (total > INPUT_FILE_MAX_BYTES) throw tooLarge(path, '');
    if (read === chunk.length) chunk = Buffer.allocUnsafe(Math.min(chunk.length * 2, INPUT_FILE_MAX_BYTES + 1 - total));
    else chunk = chunk.subarray(read);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
}

const MB = 1024 * 1024;

function tooLarge(path: string, size: string): InputFileError {
  return new InputFileError(path, `larger than the ${INPUT_FILE_MAX_BYTES / MB} MB limit for an input file${size}`);
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'a special file';
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException)?.code ?? String(error);
}
