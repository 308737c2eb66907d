import { mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { droppedWhenOpened, endsMidRecord, findTornLog } from '../../../functions/cli/local-store/lost-writes';

// LevelDB's log, as the store's own LevelDB build writes it, cut where a crash, a full disk or a partial copy would,
// or damaged: LevelDB itself drops a write cut short without a word, so certwatch must look before it opens the
// store; a damaged record it drops saying so only in its LOG file.

interface Database {
  open(): Promise<void>;
  put(key: string, value: string): Promise<void>;
  get(key: string): Promise<string | undefined>;
  close(): Promise<void>;
}
const { Level } = require(require.resolve('level', { paths: [require.resolve('dynalite')] })) as { Level: new (path: string) => Database };

let parent: string;
beforeAll(() => (parent = mkdtempSync(join(tmpdir(), 'certwatch-lost-writes-'))));
afterAll(() => rm(parent, { recursive: true, force: true }));

/** A store with `values` written one by one, closed: its log's size after each write (where each ends). */
async function written(name: string, values: string[]): Promise<{ directory: string; log: string; ends: number[] }> {
  const directory = join(parent, name);
  const database = new Level(directory);
  await database.open();
  const log = join(directory, '000003.log');
  const ends: number[] = [];
  for (const [index, value] of values.entries()) {
    await database.put(`key-${index}`, value);
    ends.push(statSync(log).size);
  }
  await database.close();
  return { directory, log, ends };
}

async function readBack(directory: string, count: number): Promise<(string | undefined)[]> {
  const database = new Level(directory);
  await database.open();
  try {
    return await Promise.all(Array.from({ length: count }, (_, index) => database.get(`key-${index}`)));
  } finally {
    await database.close();
  }
}

test('a log closed after whole writes is not torn', async () => {
  const { directory } = await written('whole', ['a'.repeat(300), 'b'.repeat(40_000), 'c'.repeat(10)]);
  expect(findTornLog(directory)).toBeNull();
});

test("a log cut in the middle of the last write's payload is torn, and LevelDB alone drops that write silently", async () => {
  const { directory, log, ends } = await written('payload', ['a'.repeat(300), 'b'.repeat(300)]);
  truncateSync(log, ends[1] - 100);
  expect(findTornLog(directory)).toBe('000003.log');
  // The premise: LevelDB opens it without an error and the last write is gone.
  expect(await readBack(directory, 2)).toEqual(['a'.repeat(300), undefined]);
  expect(findTornLog(directory)).toBeNull(); // the open rewrote the log: only a look before it can tell
});

test("a log cut inside the last write's header is torn", async () => {
  const { directory, log, ends } = await written('header', ['a'.repeat(300), 'b'.repeat(300)]);
  truncateSync(log, ends[0] + 3);
  expect(findTornLog(directory)).toBe('000003.log');
});

test('a write spanning blocks whose last fragment is missing is torn, though the log ends on a block boundary', async () => {
  const { directory, log, ends } = await written('fragments', ['a'.repeat(300), 'b'.repeat(70_000)]);
  expect(ends[1]).toBeGreaterThan(2 * 32_768);
  truncateSync(log, 2 * 32_768);
  expect(findTornLog(directory)).toBe('000003.log');
  expect(await readBack(directory, 2)).toEqual(['a'.repeat(300), undefined]);
});

test('a log cut exactly between two writes cannot be told from a whole one', async () => {
  const { directory, log, ends } = await written('between', ['a'.repeat(300), 'b'.repeat(300)]);
  truncateSync(log, ends[0]);
  expect(findTornLog(directory)).toBeNull();
});

test('a block ending in the zeros the writer pads it with is not torn', () => {
  const block = new Uint8Array(32_768);
  const length = 32_768 - 7 - 4; // one record leaving 4 bytes: padding
  block[4] = length & 0xff;
  block[5] = length >> 8;
  block[6] = 1; // a full record
  expect(endsMidRecord(block)).toBe(false);
  expect(endsMidRecord(block.subarray(0, 32_760))).toBe(true);
});

test('a directory without a log, or none at all, is not torn', () => {
  expect(findTornLog(join(parent, 'missing'))).toBeNull();
  expect(findTornLog(parent)).toBeNull();
});

test('a damaged record in the log: LevelDB drops it and the rest of its block, and says so only in its LOG, which names how much', async () => {
  const { directory, log, ends } = await written('damaged', ['a'.repeat(300), 'b'.repeat(300), 'c'.repeat(300)]);
  const bytes = readFileSync(log);
  bytes[ends[0] + 100] ^= 0xff; // inside the second write
  writeFileSync(log, bytes);
  expect(findTornLog(directory)).toBeNull(); // whole, as far as its lengths go
  expect(await readBack(directory, 3)).toEqual(['a'.repeat(300), undefined, undefined]);
  expect(droppedWhenOpened(directory)).toEqual([`LevelDB dropped ${ends[2] - ends[0]} bytes of its log 000003.log as damaged (Corruption: checksum mismatch)`]);
});

test('an open that dropped nothing, or a store without a LOG, reports nothing', async () => {
  const { directory } = await written('clean', ['a'.repeat(300)]);
  expect(await readBack(directory, 1)).toEqual(['a'.repeat(300)]);
  expect(droppedWhenOpened(directory)).toEqual([]);
  expect(droppedWhenOpened(join(parent, 'missing'))).toEqual([]);
});
