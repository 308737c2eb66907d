import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';

// A local store whose LevelDB log ends in the middle of a write (a crash or a full disk while it was written, a copy
// cut short). LevelDB takes such a tail for a writer that died mid-record and drops it without a word, not even in
// its LOG file: what the last command wrote last (a notice recorded as sent, the run ledger, an acknowledgement) is
// gone, and the next open rewrites the log, so only a look before that open can tell.

/** LevelDB's log format (doc/log_format.md): 32 KiB blocks of records, each behind a 7-byte header. */
const BLOCK_BYTES = 32_768;
const HEADER_BYTES = 7;
const RecordType = { zero: 0, full: 1, first: 2, middle: 3, last: 4 } as const;

/**
 * Whether the log whose last block is `lastBlock` (the bytes from the last 32 KiB boundary to the end) ends in the
 * middle of a record: a header or payload cut short, or a record split over blocks whose last fragment is missing.
 * A record never crosses a block boundary, so the last block alone tells. A log cut exactly between two writes
 * cannot be told from a whole one.
 */
export function endsMidRecord(lastBlock: Uint8Array): boolean {
  let position = 0;
  let inFragments = false;
  while (position < lastBlock.length) {
    // Fewer bytes than a header left in the block: the writer filled them with zeros.
    if (BLOCK_BYTES - position < HEADER_BYTES) break;
    if (lastBlock.length - position < HEADER_BYTES) return true;
    const length = lastBlock[position + 4] | (lastBlock[position + 5] << 8);
    const type = lastBlock[position + 6];
    // A zero record is a preallocated region's end (LevelDB skips the rest): nothing was being written.
    if (type === RecordType.zero && length === 0) break;
    if (position + HEADER_BYTES + length > lastBlock.length) return true;
    inFragments = type === RecordType.first || type === RecordType.middle;
    position += HEADER_BYTES + length;
  }
  return inFragments;
}

/** The first of a store's LevelDB logs (`000003.log`) that ends in the middle of a write; null when none does, or none can be read. */
export function findTornLog(directory: string): string | null {
  let names: string[];
  try {
    names = readdirSync(directory).filter((name) => /^\d+\.log$/.test(name));
  } catch {
    return null;
  }
  return names.sort().find((name) => lastBlockEndsMidRecord(join(directory, name))) ?? null;
}

function lastBlockEndsMidRecord(file: string): boolean {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(file, 'r');
    const { size } = fstatSync(descriptor);
    if (size === 0) return false;
    const blockStart = Math.floor((size - 1) / BLOCK_BYTES) * BLOCK_BYTES;
    const lastBlock = Buffer.alloc(size - blockStart);
    const read = readSync(descriptor, lastBlock, 0, lastBlock.length, blockStart);
    return endsMidRecord(lastBlock.subarray(0, read));
  } catch {
    return false; // unreadable: LevelDB's open says why, if it matters
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}

/** The one line a command prints when the store it opened had lost its last writes. */
export function tornLogWarning(directory: string, logFile: string): string {
  return (
    `warning: the local store ${directory} lost its last writes: its LevelDB log ${logFile} ends in the middle of a write ` +
    '(a crash or a full disk while certwatch wrote it, or a copy cut short), which LevelDB drops without a word; what the ' +
    'last command recorded last is gone: a notice it recorded as sent may be sent again, an acknowledgement may need giving again'
  );
}
