import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { basename, join } from 'node:path';

// Writes a local store loses as it opens, which LevelDB does not report as errors: it replays its log of the last
// writes into a table and goes on without what it could not read, and the next open has rewritten the log.
// - A log that ends in the middle of a write (a crash or a full disk while it was written, a copy cut short): taken
//   for a writer that died mid-record and dropped without a word, not even in LevelDB's LOG file; only a look
//   before the open can tell.
// - A damaged record in the log (a bad block): LevelDB drops it and the rest of its block, often the whole state,
//   and says so only in its LOG file (`dropping N bytes; Corruption: ...`), which each open starts afresh.

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

/**
 * What LevelDB's LOG file says it dropped of its logs while this open replayed them: `dropped 6126 bytes of its log
 * 000003.log as damaged (Corruption: checksum mismatch)`, one a line it wrote. None when it dropped nothing, or the
 * LOG cannot be read.
 */
export function droppedWhenOpened(directory: string): string[] {
  let log: string;
  try {
    log = readFileSync(join(directory, 'LOG'), 'utf8');
  } catch {
    return [];
  }
  return log.split('\n').flatMap((line) => {
    const dropped = /(\S+\.log): dropping (\d+) bytes; (.+)$/.exec(line);
    return dropped ? [`LevelDB dropped ${dropped[2]} bytes of its log ${basename(dropped[1])} as damaged (${dropped[3].trim()})`] : [];
  });
}

/** What a torn log (findTornLog) lost, as lostWritesWarning takes it. */
export function tornLogLoss(logFile: string): string {
  return `its LevelDB log ${logFile} ends in the middle of a write (a crash or a full disk while certwatch wrote it, or a copy cut short), which LevelDB drops without a word`;
}

/** The one line a command prints when the store it opened had lost writes (`losses`: tornLogLoss, droppedWhenOpened). */
export function lostWritesWarning(directory: string, losses: readonly string[]): string {
  return (
    `warning: the local store ${directory} lost writes: ${losses.join('; ')}; what they recorded is gone: a notice ` +
    'recorded as sent may be sent again, an acknowledgement may need giving again, and a certificate whose state is lost is watched afresh'
  );
}
