import { CreateTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EMPTY_LEDGER, UnreadableStateError, VersionConflictError } from '../../../functions/core/ports';
import type { WatchState } from '../../../functions/core/watch-state';
import { createDynamoDbClient } from '../../../functions/store/dynamodb-client';
import { type EmbeddedDynamoDb, startEmbeddedDynamoDb } from '../../../functions/cli/local-store/embedded-dynamodb';
import type { ThreadStateStore } from '../../../functions/cli/local-store/store-thread-client';
import { LOOPBACK_CLIENT_SETTINGS, uniqueTableName } from '../../support/dynalite';
import { fullState, unreachableState } from '../../store/watch-state-fixture';

// The local run's state store, served from the embedded server's thread: the same contract as the DynamoDB
// adapter it runs there, seen from the caller's thread through messages.

let server: EmbeddedDynamoDb;
const opened: ThreadStateStore[] = [];

async function openStore(exclusive = false, tableName = uniqueTableName()): Promise<ThreadStateStore> {
  const store = await server.openStateStore({ tableName, exclusive });
  opened.push(store);
  return store;
}

beforeAll(async () => {
  server = await startEmbeddedDynamoDb({ preloadStateStore: true });
});

afterAll(async () => {
  await Promise.all(opened.map((store) => store.close()));
  await server.close();
});

test('states and the ledger come back as written, with their next versions; writes are counted', async () => {
  const store = await openStore();
  expect(store.writeCount).toBe(0);
  const full = fullState('tls:thread.example:443');
  const stored = await store.put(full, 0);
  expect(stored).toStrictEqual({ ...full, version: 1 });
  const unreachable = await store.put(unreachableState('tls:down.thread.example:443'), 0);

  expect(await store.get(full.certificateId)).toStrictEqual(stored);
  expect(await store.get('tls:never-written.example:443')).toBeUndefined();
  expect(await store.list()).toStrictEqual({ states: [unreachable, stored], unreadable: [] });

  expect(await store.getLedger()).toStrictEqual(EMPTY_LEDGER);
  const ledger = await store.putLedger({ ...EMPTY_LEDGER, lastRunAt: '2026-11-21T08:00:00.000Z' }, 0);
  expect(ledger).toStrictEqual({ ...EMPTY_LEDGER, lastRunAt: '2026-11-21T08:00:00.000Z', version: 1 });
  expect(await store.getLedger()).toStrictEqual(ledger);
  expect(store.writeCount).toBe(3);
});

test('the listing kept as stored crosses page by page and holds what list reads, unreadable items skipped and listed', async () => {
  const tableName = uniqueTableName();
  const store = await openStore(false, tableName);
  // More than one 1 MB Scan page of states.
  const ids = Array.from({ length: 600 }, (_, i) => `tls:n${String(i).padStart(3, '0')}.thread.example:443`);
  await Promise.all(ids.map((id, i) => store.put(i % 2 ? fullState(id) : unreachableState(id), 0)));
  const client = createDynamoDbClient({ endpoint: server.endpoint, ...LOOPBACK_CLIENT_SETTINGS });
  await client.send(new PutItemCommand({ TableName: tableName, Item: { certificateId: { S: 'tls:garbled.thread.example:443' }, version: { N: '1' }, state: { S: '[' } } }));
  client.destroy();
  const listing = await store.list();
  expect(listing.states).toHaveLength(600);

  const stored = await store.listStored();
  expect([...stored.keys()].sort()).toEqual(ids);
  expect(ids.map((id) => stored.get(id))).toStrictEqual(listing.states);
  expect(stored.unreadable).toEqual(listing.unreadable);
  expect(stored.unreadable.map((item) => item.key)).toEqual(['tls:garbled.thread.example:443']);
});

test('a version conflict is a VersionConflictError naming the certificate, as on the store itself', async () => {
  const store = await openStore();
  const state = fullState('tls:conflict.thread.example:443');
  await store.put(state, 0);
  const second = store.put(state, 0);
  await expect(second).rejects.toBeInstanceOf(VersionConflictError);
  await expect(second).rejects.toMatchObject({ certificateId: state.certificateId });
  await expect(store.putLedger(EMPTY_LEDGER, 3)).rejects.toMatchObject({ name: 'VersionConflictError', certificateId: 'certwatch#ledger' });
  await expect(store.delete(state.certificateId, 2)).rejects.toBeInstanceOf(VersionConflictError);
});

test('an unreadable item is an UnreadableStateError with its revision, as on the store itself', async () => {
  const tableName = uniqueTableName();
  const store = await openStore(false, tableName);
  const client = createDynamoDbClient({ endpoint: server.endpoint, ...LOOPBACK_CLIENT_SETTINGS, maxAttempts: 1 });
  try {
    await client.send(new PutItemCommand({ TableName: tableName, Item: { certificateId: { S: 'tls:garbled.example:443' }, version: { N: '4' }, state: { S: '[' } } }));
  } finally {
    client.destroy();
  }
  const read = store.get('tls:garbled.example:443');
  await expect(read).rejects.toBeInstanceOf(UnreadableStateError);
  await expect(read).rejects.toMatchObject({ certificateId: 'tls:garbled.example:443', revision: { unreadable: expect.any(String) }, message: expect.stringContaining('is not a certwatch state') });
  await store.delete('tls:garbled.example:443', ((await read.catch((error: unknown) => error)) as UnreadableStateError).revision);
  expect(await store.get('tls:garbled.example:443')).toBeUndefined();
});

test('a delete of the version read removes the state', async () => {
  const store = await openStore();
  const state = await store.put(fullState('tls:delete.thread.example:443'), 0);
  await expect(store.delete(state.certificateId, state.version)).resolves.toBeUndefined();
  expect(await store.get(state.certificateId)).toBeUndefined();
  expect(store.writeCount).toBe(2);
});

test("the adapter's other failures keep their name and message", async () => {
  const store = await openStore();
  const nameless = { ...fullState(), certificateId: '' } as WatchState;
  await expect(store.put(nameless, 0)).rejects.toMatchObject({ name: 'StateStoreError', message: expect.stringMatching(/^cannot store a state without a certificateId in table certwatch-test-/) });
  await expect(store.put(fullState('tls:bad-version.example:443'), -1)).rejects.toThrow('expected version of tls:bad-version.example:443 must be a whole number >= 0, got -1');
});

test('an exclusive store batches the creates a listing proved new, though each comes as its own message', async () => {
  const store = await openStore(true);
  await store.list();
  const states = Array.from({ length: 60 }, (_, index) => fullState(`tls:batch-${String(index).padStart(2, '0')}.example:443`));
  await Promise.all(states.map((state) => store.put(state, 0)));
  // 60 creates in a handful of BatchWriteItem requests (25 items each; 3 unless the messages straggle past the
  // batch's 10 ms wait, as a pause of the loaded machine makes them), not 60 PutItems.
  expect(store.writeCount).toBeGreaterThanOrEqual(3);
  expect(store.writeCount).toBeLessThanOrEqual(12);
  expect((await store.list()).states.map((state) => state.certificateId)).toEqual(states.map((state) => state.certificateId));
});

test('an exclusive store batches the updates of versions it listed too, and a stale one still conflicts', async () => {
  const tableName = uniqueTableName();
  const writer = await openStore(false, tableName);
  const states = Array.from({ length: 60 }, (_, index) => fullState(`tls:update-${String(index).padStart(2, '0')}.example:443`));
  await Promise.all(states.map((state) => writer.put(state, 0)));
  const store = await openStore(true, tableName);
  await store.list();
  const updated = await Promise.all(states.map((state) => store.put({ ...unreachableState(state.certificateId), consecutiveFailures: 1 }, 1)));
  expect(updated.every((state) => state.version === 2)).toBe(true);
  // 60 updates in a handful of BatchWriteItem requests (3 unless the messages straggle), not 60 conditional PutItems.
  expect(store.writeCount).toBeGreaterThanOrEqual(3);
  expect(store.writeCount).toBeLessThanOrEqual(12);
  await expect(store.put(fullState(states[0].certificateId), 1)).rejects.toBeInstanceOf(VersionConflictError);
  expect((await store.list()).states.map((state) => [state.status, state.version])).toEqual(states.map(() => ['error', 2]));
});

test('a table with the wrong key is refused when the store opens, saying why', async () => {
  const tableName = uniqueTableName();
  const client = createDynamoDbClient({ endpoint: server.endpoint, ...LOOPBACK_CLIENT_SETTINGS, maxAttempts: 1 });
  try {
    await client.send(
      new CreateTableCommand({ TableName: tableName, AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }),
    );
  } finally {
    client.destroy();
  }
  await expect(server.openStateStore({ tableName })).rejects.toThrow(`table ${tableName} exists with key id (HASH), but certwatch needs partition key certificateId (S) alone`);
});

test('closing lets the calls in flight finish, then refuses further calls; the thread keeps serving other stores', async () => {
  const tableName = uniqueTableName();
  const store = await openStore(true, tableName);
  const other = await openStore();
  await store.list();
  const states = Array.from({ length: 30 }, (_, index) => fullState(`tls:closing-${String(index).padStart(2, '0')}.example:443`));
  const writes = states.map((state) => store.put(state, 0));
  const closed = store.close();
  await expect(store.get('tls:any.example:443')).rejects.toThrow('the local store is closed');
  await expect(Promise.all(writes)).resolves.toHaveLength(30);
  await Promise.all([closed, store.close()]);
  await expect(store.get('tls:any.example:443')).rejects.toThrow('the local store is closed');

  const reopened = await openStore(false, tableName);
  expect((await reopened.list()).states.map((state) => state.certificateId)).toEqual(states.map((state) => state.certificateId));
  await expect(other.put(fullState('tls:other.thread.example:443'), 0)).resolves.toMatchObject({ version: 1 });
});

test('a value that cannot cross to the thread fails its call alone', async () => {
  const store = await openStore();
  const uncloneable = { ...fullState('tls:uncloneable.example:443'), owner: (() => 'x') as unknown as string };
  await expect(store.put(uncloneable, 0)).rejects.toThrow(/could not be cloned/);
  await expect(store.put(fullState('tls:cloneable.example:443'), 0)).resolves.toMatchObject({ version: 1 });
  await expect(store.close()).resolves.toBeUndefined();
});

test('opening a store on a server that is closing is refused, saying so', async () => {
  const own = await startEmbeddedDynamoDb();
  const closing = own.close();
  await expect(own.openStateStore({ tableName: uniqueTableName() })).rejects.toThrow('the local store is closing');
  await closing;
});

test('a store whose server has stopped refuses calls, saying so', async () => {
  const own = await startEmbeddedDynamoDb();
  const store = await own.openStateStore({ tableName: uniqueTableName() });
  await store.put(fullState('tls:stopping.example:443'), 0);
  await own.close();
  await expect(store.list()).rejects.toThrow("the local store's thread stopped before answering");
  await expect(own.openStateStore({ tableName: uniqueTableName() })).rejects.toThrow("the local store's server thread has stopped");
});
