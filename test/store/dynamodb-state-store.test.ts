import { BatchGetItemCommand, type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { UnreadableStateError, VersionConflictError } from '../../functions/core/ports';
import type { WatchState } from '../../functions/core/watch-state';
import { DynamoDbStateStore } from '../../functions/store/dynamodb-state-store';
import { StateStoreError } from '../../functions/store/state-store-error';
import { unreadableRevision } from '../../functions/store/unreadable-revision';
import { type DynaliteHarness, startDynalite } from '../support/dynalite';
import { fullState, unreachableState } from './watch-state-fixture';

// The DynamoDB adapter against a real DynamoDB-compatible server (dynalite) on loopback.

let dynamo: DynaliteHarness;

beforeAll(async () => {
  dynamo = await startDynalite();
});

afterAll(() => dynamo.close());

describe('round trip', () => {
  test('a full state comes back as written, with the next version', async () => {
    const state = fullState('tls:roundtrip.example:443');
    const stored = await dynamo.store.put(state, 0);
    expect(stored).toStrictEqual({ ...state, version: 1 });
    expect(await dynamo.store.get(state.certificateId)).toStrictEqual(stored);
  });

  test('nulls, empty lists and an empty tags map survive', async () => {
    const state = unreachableState('tls:nulls.example:443');
    await dynamo.store.put(state, 0);
    expect(await dynamo.store.get(state.certificateId)).toStrictEqual({ ...state, version: 1 });
  });

  test('an unknown certificate reads as undefined', async () => {
    expect(await dynamo.store.get('tls:never-written.example:443')).toBeUndefined();
  });

  test('the item: the key, the version, projections for operators (stage and notAfter only when set) and the state as one JSON document', async () => {
    const store = await dynamo.createStore({ now: () => new Date('2026-03-19T08:00:02.000Z') });
    await store.put(fullState('tls:a.example:443'), 0);
    await store.put(unreachableState('tls:b.example:443'), 0);
    const item = async (certificateId: string) =>
      (await dynamo.client.send(new GetItemCommand({ TableName: store.tableName, Key: { certificateId: { S: certificateId } } }))).Item;

    const full = await item('tls:a.example:443');
    expect(full).toEqual({
      certificateId: { S: 'tls:a.example:443' },
      version: { N: '1' },
      status: { S: 'warning' },
      stage: { S: 'urgent' },
      notAfter: { S: '2026-03-31T23:59:59.000Z' },
      target: { S: 'shop.example:443' },
      source: { S: 'tls' },
      updatedAt: { S: '2026-03-19T08:00:02.000Z' },
      state: { S: expect.any(String) },
    });
    const { certificateId, version, ...rest } = fullState('tls:a.example:443');
    expect(JSON.parse(full?.state.S as string)).toEqual(rest);
    expect([certificateId, version]).toEqual(['tls:a.example:443', 0]);
    const unreachable = await item('tls:b.example:443');
    expect(unreachable).toMatchObject({ status: { S: 'error' } });
    expect(unreachable).not.toHaveProperty('stage');
    expect(unreachable).not.toHaveProperty('notAfter');
  });

  test('an item in the earlier layout (every field an attribute, records as maps) is read, and takes the new layout on its next write', async () => {
    const store = await dynamo.createStore();
    const state = { ...fullState('tls:legacy.example:443'), version: 4 };
    const legacyItem = marshall({ ...state, stage: 'urgent', notAfter: state.certificate?.notAfter, updatedAt: '2026-03-19T08:00:02.000Z' }, { removeUndefinedValues: true });
    await dynamo.client.send(new PutItemCommand({ TableName: store.tableName, Item: legacyItem }));

    expect(await store.get(state.certificateId)).toStrictEqual(state);
    expect((await store.list()).states).toStrictEqual([state]);
    const next = await store.put({ ...state, owner: 'new-owner@example.com' }, 4);
    expect(next.version).toBe(5);
    const item = (await dynamo.client.send(new GetItemCommand({ TableName: store.tableName, Key: { certificateId: { S: state.certificateId } } }))).Item;
    expect(item).not.toHaveProperty('expiry');
    expect(await store.get(state.certificateId)).toStrictEqual({ ...state, owner: 'new-owner@example.com', version: 5 });
  });

  test('an item whose state document is not JSON is unreadable, named, and skipped by list', async () => {
    const store = await dynamo.createStore();
    await store.put(fullState('tls:fine.example:443'), 0);
    const Item = { certificateId: { S: 'tls:garbled.example:443' }, version: { N: '1' }, state: { S: '{"status":' } };
    await dynamo.client.send(new PutItemCommand({ TableName: store.tableName, Item }));
    await expect(store.get('tls:garbled.example:443')).rejects.toThrow(`item tls:garbled.example:443 in table ${store.tableName} is not a certwatch state: SyntaxError`);
    await expect(store.get('tls:garbled.example:443')).rejects.toMatchObject({ name: 'UnreadableStateError', certificateId: 'tls:garbled.example:443', revision: unreadableRevision(Item) });
    const { states, unreadable } = await store.list();
    expect(states.map((s) => s.certificateId)).toEqual(['tls:fine.example:443']);
    expect(unreadable).toEqual([{ key: 'tls:garbled.example:443', reason: expect.stringContaining('is not a certwatch state'), revision: unreadableRevision(Item) }]);
  });
});

describe('optimistic concurrency', () => {
  test('creating the same certificate twice: the second create is a version conflict', async () => {
    const state = fullState('tls:twice.example:443');
    await dynamo.store.put(state, 0);
    const again = dynamo.store.put({ ...state, owner: 'someone-else' }, 0);
    await expect(again).rejects.toBeInstanceOf(VersionConflictError);
    await expect(again).rejects.toMatchObject({ certificateId: state.certificateId });
    expect(await dynamo.store.get(state.certificateId)).toMatchObject({ owner: 'team-shop@example.com', version: 1 });
  });

  test('an update from a stale read is a version conflict and leaves the newer write in place', async () => {
    const created = await dynamo.store.put(fullState('tls:stale.example:443'), 0);
    const readByA = (await dynamo.store.get(created.certificateId)) as WatchState;
    const readByB = (await dynamo.store.get(created.certificateId)) as WatchState;

    const writtenByB = await dynamo.store.put({ ...readByB, consecutiveFailures: 1 }, readByB.version);
    await expect(dynamo.store.put({ ...readByA, consecutiveFailures: 7 }, readByA.version)).rejects.toBeInstanceOf(VersionConflictError);

    expect(writtenByB.version).toBe(2);
    expect(await dynamo.store.get(created.certificateId)).toStrictEqual(writtenByB);
  });

  test('expecting a version ahead of the stored one, or any version of a missing item, is a conflict', async () => {
    const created = await dynamo.store.put(fullState('tls:ahead.example:443'), 0);
    await expect(dynamo.store.put(created, 5)).rejects.toBeInstanceOf(VersionConflictError);
    await expect(dynamo.store.put(fullState('tls:missing.example:443'), 1)).rejects.toBeInstanceOf(VersionConflictError);
  });

  test('successive writes each take the next version', async () => {
    let state = await dynamo.store.put(unreachableState('tls:chain.example:443'), 0);
    for (let run = 2; run <= 4; run++) {
      state = await dynamo.store.put({ ...state, consecutiveFailures: run }, state.version);
      expect(state.version).toBe(run);
    }
    expect(await dynamo.store.get(state.certificateId)).toMatchObject({ version: 4, consecutiveFailures: 4 });
  });

  test('an expected version that is not a whole number >= 0 is refused before any write', async () => {
    const store = await dynamo.createStore();
    await expect(store.put(fullState(), -1)).rejects.toThrow(/whole number/);
    await expect(store.put(fullState(), 1.5)).rejects.toThrow(/whole number/);
    expect(store.writeCount).toBe(0);
  });
});

describe('delete', () => {
  test('deletes the state read, and only that version of it; the ledger and other states stay', async () => {
    const store = await dynamo.createStore();
    const kept = await store.put(fullState('tls:kept.example:443'), 0);
    const stored = await store.put(fullState('tls:removed.example:443'), 0);
    const updated = await store.put({ ...stored, owner: 'new@example.com' }, 1);
    await store.putLedger({ lastRunAt: '2026-03-19T08:00:00.000Z', digestSentFor: null, digestClaim: null, lastDigestAt: null, lastClockRunAt: null, version: 0 }, 0);

    // A stale read (a run wrote since) conflicts and deletes nothing.
    await expect(store.delete(stored.certificateId, stored.version)).rejects.toBeInstanceOf(VersionConflictError);
    expect(await store.get(stored.certificateId)).toStrictEqual(updated);

    await store.delete(updated.certificateId, updated.version);
    expect(await store.get(updated.certificateId)).toBeUndefined();
    expect((await store.list()).states).toStrictEqual([kept]);
    expect((await store.getLedger()).lastRunAt).toBe('2026-03-19T08:00:00.000Z');
    expect(store.writeCount).toBe(6);
  });

  test('deleting what is gone already is a conflict naming the certificate', async () => {
    await expect(dynamo.store.delete('tls:never-written.example:443', 1)).rejects.toMatchObject({ name: 'VersionConflictError', certificateId: 'tls:never-written.example:443' });
  });

  test('an expected version that is not a whole number >= 1 is refused before any request', async () => {
    const store = await dynamo.createStore();
    await expect(store.delete('tls:a.example:443', 0)).rejects.toThrow('expected version of tls:a.example:443 must be a whole number >= 1 to delete it, got 0');
    await expect(store.delete('tls:a.example:443', 1.5)).rejects.toThrow(/whole number >= 1/);
    expect(store.writeCount).toBe(0);
  });

  test('after deleting a certificate it listed, an exclusive store creates it again conditionally, never by a blind batch write', async () => {
    const store = await dynamo.createStore({ exclusive: true });
    const other = new DynamoDbStateStore({ client: dynamo.client, tableName: store.tableName });
    const first = await other.put(fullState('tls:again.example:443'), 0);
    await store.list();
    await store.delete(first.certificateId, first.version);
    // Created again by someone else meanwhile: this store's create must conflict, not overwrite it.
    const theirs = await other.put({ ...fullState('tls:again.example:443'), owner: 'theirs@example.com' }, 0);
    await expect(store.put(fullState('tls:again.example:443'), 0)).rejects.toBeInstanceOf(VersionConflictError);
    expect(await store.get(first.certificateId)).toStrictEqual(theirs);
  });

  /** The unreadable item under `id`, as the store reports it (its revision is the condition for deleting it). */
  async function unreadableRevisionOf(store: DynamoDbStateStore, id: string) {
    try {
      await store.get(id);
    } catch (error) {
      if (error instanceof UnreadableStateError) return error.revision;
      throw error;
    }
    throw new Error(`${id} is readable`);
  }

  test.each([
    ['without a version', { note: { S: 'not a state' } }],
    ['whose version is not a number', { version: { S: 'seven' }, state: { S: '{}' } }],
    ['whose version is a fraction', { version: { N: '1.5' }, state: { S: '{}' } }],
    ['whose version is a map', { version: { M: { n: { N: '1' } } }, state: { S: 'x'.repeat(5000) } }],
  ])('an unreadable item %s can be deleted, conditionally on being exactly as read', async (_kind, attributes) => {
    const store = await dynamo.createStore();
    const id = 'tls:foreign.example:443';
    await dynamo.client.send(new PutItemCommand({ TableName: store.tableName, Item: { certificateId: { S: id }, ...attributes } }));
    const versioned = await store.put(fullState('tls:versioned.example:443'), 0);
    const revision = await unreadableRevisionOf(store, id);
    expect((await store.list()).unreadable).toEqual([{ key: id, reason: expect.stringContaining(`item ${id} in table ${store.tableName} is not a certwatch state`), revision }]);
    // The revision of one item does not delete another.
    await expect(store.delete(versioned.certificateId, revision)).rejects.toBeInstanceOf(VersionConflictError);
    await store.delete(id, revision);
    await expect(store.delete(id, revision)).rejects.toBeInstanceOf(VersionConflictError);
    expect(await store.list()).toStrictEqual({ states: [versioned], unreadable: [] });
  });

  test('an unreadable item changed since it was read is not deleted or replaced', async () => {
    const store = await dynamo.createStore();
    const id = 'tls:foreign.example:443';
    const write = (version: string) => dynamo.client.send(new PutItemCommand({ TableName: store.tableName, Item: { certificateId: { S: id }, version: { S: version }, state: { S: '{' } } }));
    await write('a');
    const revision = await unreadableRevisionOf(store, id);
    await write('b');
    await expect(store.delete(id, revision)).rejects.toBeInstanceOf(VersionConflictError);
    await expect(store.put(fullState(id), revision)).rejects.toBeInstanceOf(VersionConflictError);
    expect((await store.list()).unreadable).toHaveLength(1);
  });

  test('a state replaces an unreadable item as read, starting again at version 1', async () => {
    const store = await dynamo.createStore();
    const id = 'tls:foreign.example:443';
    await dynamo.client.send(new PutItemCommand({ TableName: store.tableName, Item: { certificateId: { S: id }, version: { S: 'seven' } } }));
    const stored = await store.put(fullState(id), await unreadableRevisionOf(store, id));
    expect(stored.version).toBe(1);
    expect(await store.get(id)).toStrictEqual(stored);
    await store.put(stored, 1);
  });
});

describe('list', () => {
  test('reads every state across several Scan pages, sorted by certificateId', async () => {
    const store = await dynamo.createStore({ scanPageLimit: 2 });
    const ids = ['tls:g.example:443', 'tls:c.example:443', 'tls:e.example:443', 'tls:a.example:443', 'tls:f.example:443', 'tls:b.example:443', 'tls:d.example:443'];
    for (const id of ids) await store.put(id < 'tls:d' ? fullState(id) : unreachableState(id), 0);

    const { states } = await store.list();
    expect(states.map((s) => s.certificateId)).toEqual([...ids].sort());
    expect(states.every((s) => s.version === 1)).toBe(true);
    expect(states.find((s) => s.certificateId === 'tls:a.example:443')).toStrictEqual({ ...fullState('tls:a.example:443'), version: 1 });
  });

  test('an exact multiple of the page size ends cleanly', async () => {
    const store = await dynamo.createStore({ scanPageLimit: 2 });
    for (const id of ['tls:1.example:443', 'tls:2.example:443', 'tls:3.example:443', 'tls:4.example:443']) await store.put(unreachableState(id), 0);
    expect((await store.list()).states).toHaveLength(4);
  });

  test('an empty table lists nothing', async () => {
    const store = await dynamo.createStore();
    expect(await store.list()).toEqual({ states: [], unreadable: [] });
  });
});

describe('listStored: the listing kept as stored', () => {
  test('holds what list reads (states in either layout, unreadable items skipped and listed), handed over a Scan page at a time', async () => {
    const store = await dynamo.createStore({ scanPageLimit: 2 });
    for (const id of ['tls:a.example:443', 'tls:b.example:443', 'tls:c.example:443']) await store.put(fullState(id), 0);
    await store.put(unreachableState('tls:d.example:443'), 0);
    const legacy = { ...fullState('tls:legacy.example:443'), version: 4 };
    await dynamo.client.send(new PutItemCommand({ TableName: store.tableName, Item: marshall(legacy, { removeUndefinedValues: true }) }));
    const garbled = { certificateId: { S: 'tls:garbled.example:443' }, version: { N: '1' }, state: { S: '{"status":' } };
    await dynamo.client.send(new PutItemCommand({ TableName: store.tableName, Item: garbled }));
    const listing = await store.list();

    const stored = await store.listStored();
    expect([...stored.keys()].sort()).toEqual(listing.states.map((state) => state.certificateId));
    expect([...stored.values()].sort((a, b) => a.certificateId.localeCompare(b.certificateId))).toStrictEqual(listing.states);
    expect(stored.unreadable).toEqual(listing.unreadable);

    const pages: number[] = [];
    expect(await store.scanStored((page) => pages.push(page.length))).toEqual(listing.unreadable);
    expect(pages.reduce((total, size) => total + size, 0)).toBe(5);
    expect(Math.max(...pages)).toBeLessThanOrEqual(2);
  });

  test('a state taken is read once and leaves the listing; the others stay', async () => {
    const store = await dynamo.createStore();
    await store.put(fullState('tls:a.example:443'), 0);
    await store.put(fullState('tls:b.example:443'), 0);
    const stored = await store.listStored();
    expect(stored.take('tls:a.example:443')).toStrictEqual({ ...fullState('tls:a.example:443'), version: 1 });
    expect(stored.take('tls:a.example:443')).toBeUndefined();
    expect(stored.has('tls:a.example:443')).toBe(false);
    expect([...stored.keys()]).toEqual(['tls:b.example:443']);
    expect(stored.get('tls:b.example:443')).toStrictEqual({ ...fullState('tls:b.example:443'), version: 1 });
    expect(stored.has('tls:b.example:443')).toBe(true);
  });

  test('a missing table is named', async () => {
    const store = new DynamoDbStateStore({ client: dynamo.client, tableName: 'no-such-table-listed' });
    await expect(store.listStored()).rejects.toThrow(/no-such-table-listed/);
  });
});

describe('getMany: a batch\'s states at once', () => {
  test('reads the named states in requests of 100 keys, sorted; absent ones are not listed, unreadable ones are', async () => {
    const store = await dynamo.createStore();
    const ids = Array.from({ length: 150 }, (_, i) => `tls:${String(i).padStart(3, '0')}.example:443`);
    for (const id of ids.slice(0, 120)) await store.put(unreachableState(id), 0);
    await dynamo.client.send(new PutItemCommand({ TableName: store.tableName, Item: { certificateId: { S: ids[5] }, state: { S: 'not JSON' }, version: { N: '2' } } }));
    const { states, unreadable } = await store.getMany([...ids].reverse());
    expect(states.map((s) => s.certificateId)).toEqual(ids.slice(0, 120).filter((id) => id !== ids[5]));
    expect(unreadable.map((item) => item.key)).toEqual([ids[5]]);
    expect(store.writeCount).toBe(120);
  });

  test('keys DynamoDB leaves unprocessed (throttling) are asked again', async () => {
    const store = await dynamo.createStore();
    for (const id of ['tls:a.example:443', 'tls:b.example:443', 'tls:c.example:443']) await store.put(unreachableState(id), 0);
    const requests: number[] = [];
    // The first request answers one key and leaves the others unprocessed, as DynamoDB does when throttled.
    const throttling = {
      send: async (command: BatchGetItemCommand) => {
        const keys = command.input.RequestItems![store.tableName].Keys!;
        requests.push(keys.length);
        if (requests.length > 1) return dynamo.client.send(command);
        const answered = await dynamo.client.send(new BatchGetItemCommand({ RequestItems: { [store.tableName]: { Keys: keys.slice(0, 1) } } }));
        return { ...answered, UnprocessedKeys: { [store.tableName]: { Keys: keys.slice(1) } } };
      },
    } as unknown as DynamoDBClient;
    const reader = new DynamoDbStateStore({ client: throttling, tableName: store.tableName });
    expect((await reader.getMany(['tls:a.example:443', 'tls:b.example:443', 'tls:c.example:443'])).states).toHaveLength(3);
    expect(requests).toEqual([3, 2]);
  });

  test('keys still unprocessed after five requests fail the read, naming the table', async () => {
    const store = await dynamo.createStore();
    const neverAnswers = {
      send: async (command: BatchGetItemCommand) => ({ Responses: {}, UnprocessedKeys: command.input.RequestItems }),
    } as unknown as DynamoDBClient;
    const reader = new DynamoDbStateStore({ client: neverAnswers, tableName: store.tableName });
    await expect(reader.getMany(['tls:a.example:443'])).rejects.toThrow(`DynamoDB BatchGetItem on table ${store.tableName} left 1 keys unprocessed after 5 attempts (throttled)`);
  });

  test('a missing table is named', async () => {
    const missing = new DynamoDbStateStore({ client: dynamo.client, tableName: 'certwatch-no-such-table' });
    await expect(missing.getMany(['tls:a.example:443'])).rejects.toThrow(/^DynamoDB BatchGetItem on table certwatch-no-such-table failed: ResourceNotFoundException/);
  });
});

describe('the run ledger', () => {
  test('reads as empty before the first run, round-trips, and is versioned like a state', async () => {
    const store = await dynamo.createStore();
    expect(await store.getLedger()).toEqual({ lastRunAt: null, digestSentFor: null, digestClaim: null, lastDigestAt: null, lastClockRunAt: null, version: 0 });
    const first = await store.putLedger({ lastRunAt: '2026-11-21T06:00:00.000Z', digestSentFor: null, digestClaim: null, lastDigestAt: null, lastClockRunAt: null, version: 0 }, 0);
    expect(first.version).toBe(1);
    expect(await store.getLedger()).toEqual(first);
    await expect(store.putLedger({ ...first, digestSentFor: 'digest#x' }, 0)).rejects.toBeInstanceOf(VersionConflictError);
    await store.putLedger({ ...first, digestSentFor: 'digest#x' }, 1);
    expect(await store.getLedger()).toEqual({ lastRunAt: '2026-11-21T06:00:00.000Z', digestSentFor: 'digest#x', digestClaim: null, lastDigestAt: null, lastClockRunAt: null, version: 2 });
  });

  test('is not listed among the certificates', async () => {
    const store = await dynamo.createStore();
    await store.put(fullState('tls:listed.example:443'), 0);
    await store.putLedger({ lastRunAt: '2026-11-21T06:00:00.000Z', digestSentFor: null, digestClaim: null, lastDigestAt: null, lastClockRunAt: null, version: 0 }, 0);
    expect((await store.list()).states.map((s) => s.certificateId)).toEqual(['tls:listed.example:443']);
  });
});

describe('writeCount', () => {
  test('counts every write request issued, conflicts included, and no reads', async () => {
    const store = await dynamo.createStore();
    const first = await store.put(fullState('tls:count.example:443'), 0);
    await store.put(first, first.version);
    await expect(store.put(first, first.version)).rejects.toBeInstanceOf(VersionConflictError);
    await store.get(first.certificateId);
    await store.list();
    expect(store.writeCount).toBe(3);
  });
});

describe('item size', () => {
  test('a state over 400 KB is refused with a clear error, before any request', async () => {
    const store = await dynamo.createStore();
    const state = fullState('tls:huge.example:443');
    const huge: WatchState = { ...state, history: [...state.history, { at: state.lastCheckedAt, event: 'notified', detail: 'x'.repeat(410 * 1024) }] };
    await expect(store.put(huge, 0)).rejects.toThrow(
      new RegExp(`state of tls:huge\\.example:443 would be a \\d+-byte item, over DynamoDB's 409600-byte limit \\(table ${store.tableName}\\)`),
    );
    expect(store.writeCount).toBe(0);
    expect(await store.get(state.certificateId)).toBeUndefined();
  });

  test('a state just under the limit is stored', async () => {
    const state = fullState('tls:large.example:443');
    const large: WatchState = { ...state, history: [...state.history, { at: state.lastCheckedAt, event: 'notified', detail: 'x'.repeat(395 * 1024) }] };
    await expect(dynamo.store.put(large, 0)).resolves.toMatchObject({ version: 1 });
    expect(await dynamo.store.get(state.certificateId)).toStrictEqual({ ...large, version: 1 });
  });
});

describe('a table that does not exist', () => {
  const store = () => new DynamoDbStateStore({ client: dynamo.client, tableName: 'certwatch-no-such-table' });

  test('get names the table and the certificate', async () => {
    const get = store().get('tls:x.example:443');
    await expect(get).rejects.toBeInstanceOf(StateStoreError);
    await expect(get).rejects.toThrow(/^DynamoDB GetItem on table certwatch-no-such-table for tls:x\.example:443 failed: ResourceNotFoundException/);
  });

  test('put names the table and the certificate, and counts the request', async () => {
    const missing = store();
    await expect(missing.put(unreachableState('tls:y.example:443'), 0)).rejects.toThrow(
      /^DynamoDB PutItem on table certwatch-no-such-table for tls:y\.example:443 failed: ResourceNotFoundException/,
    );
    expect(missing.writeCount).toBe(1);
  });

  test('list names the table', async () => {
    await expect(store().list()).rejects.toThrow(/^DynamoDB Scan on table certwatch-no-such-table failed: ResourceNotFoundException/);
  });
});

test('a state holding a value DynamoDB cannot store is refused naming the certificate and the table', async () => {
  const store = await dynamo.createStore();
  const state = unreachableState('tls:nan.example:443');
  await expect(store.put({ ...state, consecutiveFailures: Number.NaN }, 0)).rejects.toThrow(
    `cannot store the state of tls:nan.example:443 in table ${store.tableName}: Error: Special numeric value NaN is not allowed`,
  );
  expect(store.writeCount).toBe(0);
});
