import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LevelConstructor, readingSynchronously } from '../../../functions/cli/local-store/sync-read-level';

// The database the embedded store's thread hands dynalite reads with LevelDB's synchronous lookup, not through
// libuv's thread pool: the same values, absences and errors, from the LevelDB build dynalite itself loads.

interface Database {
  open(): Promise<void>;
  put(key: string, value: unknown): Promise<void>;
  get(key: string): Promise<unknown>;
  close(): Promise<void>;
  readonly supports: { readonly getSync?: boolean };
}
type Prototype = { _get: (...args: unknown[]) => Promise<unknown>; _getSync: (...args: unknown[]) => unknown };
const { Level } = require(require.resolve('level', { paths: [require.resolve('dynalite')] })) as { Level: LevelConstructor & { prototype: Prototype } };
const JSON_VALUES = { valueEncoding: 'json' } as const;

let parent: string;
beforeAll(() => (parent = mkdtempSync(join(tmpdir(), 'certwatch-sync-read-'))));
afterAll(() => rm(parent, { recursive: true, force: true }));
afterEach(() => jest.restoreAllMocks());

test("dynalite's LevelDB build can read synchronously (abstract-level 3's getSync): the store's reads take that path", async () => {
  const poolRead = jest.spyOn(Level.prototype, '_get');
  const syncRead = jest.spyOn(Level.prototype, '_getSync');
  const database = new (readingSynchronously(Level))(join(parent, 'reads'), JSON_VALUES) as unknown as Database;
  await database.open();
  try {
    expect(database.supports.getSync).toBe(true);
    await database.put('table~states', { TableName: 'states', TableStatus: 'ACTIVE' });
    await database.put('item-states~tls:a', { certificateId: { S: 'tls:a' }, version: { N: '3' } });

    expect(await database.get('table~states')).toEqual({ TableName: 'states', TableStatus: 'ACTIVE' });
    expect(await database.get('item-states~tls:a')).toEqual({ certificateId: { S: 'tls:a' }, version: { N: '3' } });
    expect(await database.get('item-states~tls:missing')).toBeUndefined();
    expect(syncRead).toHaveBeenCalledTimes(3);
    expect(poolRead).not.toHaveBeenCalled();
  } finally {
    await database.close();
  }
  // What it wrote is LevelDB's, as any reader sees it: reopened by the unchanged build.
  const plain = new Level(join(parent, 'reads'), JSON_VALUES) as unknown as Database;
  await plain.open();
  try {
    expect(await plain.get('item-states~tls:a')).toEqual({ certificateId: { S: 'tls:a' }, version: { N: '3' } });
  } finally {
    await plain.close();
  }
});

test('a read that fails rejects the get, as an asynchronous read did; a closed database refuses reads as before', async () => {
  const database = new (readingSynchronously(Level))(join(parent, 'failing'), JSON_VALUES) as unknown as Database;
  await database.open();
  await database.put('item-states~tls:a', { version: { N: '1' } });
  jest.spyOn(Level.prototype, '_getSync').mockImplementationOnce(() => {
    throw new Error('Corruption: block checksum mismatch');
  });
  const read = database.get('item-states~tls:a');
  await expect(read).rejects.toThrow('block checksum mismatch');
  expect(await database.get('item-states~tls:a')).toEqual({ version: { N: '1' } });
  await database.close();
  await expect(database.get('item-states~tls:a')).rejects.toMatchObject({ code: 'LEVEL_DATABASE_NOT_OPEN' });
});

test('a LevelDB module without synchronous reads is read as it reads itself', async () => {
  class AsyncOnly {
    readonly supports = { getSync: false };
    readonly values = new Map([['k', 'stored']]);
    async open(): Promise<void> {}
    async close(): Promise<void> {}
    async _get(key: string): Promise<unknown> {
      return this.values.get(key);
    }
    _getSync(): unknown {
      throw new Error('Database does not support getSync()');
    }
  }
  const database = new (readingSynchronously(AsyncOnly as unknown as LevelConstructor))('unused', JSON_VALUES) as unknown as AsyncOnly;
  await expect(database._get('k')).resolves.toBe('stored');
  await expect(database._get('absent')).resolves.toBeUndefined();
});
