import { type BatchWriteItemCommandInput, CreateTableCommand, DescribeTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { VersionConflictError } from '../../functions/core/ports';
import type { WatchState } from '../../functions/core/watch-state';
import { createDynamoDbClient } from '../../functions/store/dynamodb-client';
import { DynamoDbStateStore, StateStoreError } from '../../functions/store/dynamodb-state-store';
import { type DynaliteHarness, LOOPBACK_CLIENT_SETTINGS, startDynalite, uniqueTableName } from '../support/dynalite';
import { fullState, unreachableState } from './watch-state-fixture';
import { startTcpServer } from '../support/servers';

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
    await expect(store.get('tls:garbled.example:443')).rejects.toMatchObject({ name: 'UnreadableStateError', certificateId: 'tls:garbled.example:443', version: 1 });
    const { states, unreadable } = await store.list();
    expect(states.map((s) => s.certificateId)).toEqual(['tls:fine.example:443']);
    expect(unreadable).toEqual([{ key: 'tls:garbled.example:443', reason: expect.stringContaining('is not a certwatch state') }]);
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
    await store.putLedger({ lastRunAt: '2026-03-19T08:00:00.000Z', digestSentFor: null, digestClaim: null, version: 0 }, 0);

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

  test('an item without a version (unreadable) is deleted with null, which conflicts on an item that has one', async () => {
    const store = await dynamo.createStore();
    await dynamo.client.send(new PutItemCommand({ TableName: store.tableName, Item: { certificateId: { S: 'tls:foreign.example:443' }, note: { S: 'not a state' } } }));
    const versioned = await store.put(fullState('tls:versioned.example:443'), 0);
    await expect(store.get('tls:foreign.example:443')).rejects.toMatchObject({ name: 'UnreadableStateError', version: null });
    await expect(store.delete(versioned.certificateId, null)).rejects.toBeInstanceOf(VersionConflictError);
    await store.delete('tls:foreign.example:443', null);
    await expect(store.delete('tls:foreign.example:443', null)).rejects.toBeInstanceOf(VersionConflictError);
    expect(await store.list()).toStrictEqual({ states: [versioned], unreadable: [] });
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

describe('the run ledger', () => {
  test('reads as empty before the first run, round-trips, and is versioned like a state', async () => {
    const store = await dynamo.createStore();
    expect(await store.getLedger()).toEqual({ lastRunAt: null, digestSentFor: null, digestClaim: null, version: 0 });
    const first = await store.putLedger({ lastRunAt: '2026-11-21T06:00:00.000Z', digestSentFor: null, digestClaim: null, version: 0 }, 0);
    expect(first.version).toBe(1);
    expect(await store.getLedger()).toEqual(first);
    await expect(store.putLedger({ ...first, digestSentFor: 'digest#x' }, 0)).rejects.toBeInstanceOf(VersionConflictError);
    await store.putLedger({ ...first, digestSentFor: 'digest#x' }, 1);
    expect(await store.getLedger()).toEqual({ lastRunAt: '2026-11-21T06:00:00.000Z', digestSentFor: 'digest#x', digestClaim: null, version: 2 });
  });

  test('is not listed among the certificates', async () => {
    const store = await dynamo.createStore();
    await store.put(fullState('tls:listed.example:443'), 0);
    await store.putLedger({ lastRunAt: '2026-11-21T06:00:00.000Z', digestSentFor: null, digestClaim: null, version: 0 }, 0);
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

describe('an exclusive store (the embedded one, which holds its directory lock) batches the creates a listing proves new', () => {
  const ids = (count: number, prefix = 'new') => Array.from({ length: count }, (_, i) => `tls:${prefix}-${String(i).padStart(3, '0')}.example:443`);

  test('60 creates after a listing take 3 BatchWriteItem requests, and every state reads back as a conditional create would leave it', async () => {
    const store = await dynamo.createStore({ exclusive: true });
    await store.list();
    const stored = await Promise.all(ids(60).map((id) => store.put(fullState(id), 0)));
    expect(stored.every((state) => state.version === 1)).toBe(true);
    expect(store.writeCount).toBe(3); // 25 + 25 at once, the last 10 after the linger
    const { states } = await store.list();
    expect(states.map((s) => s.certificateId)).toEqual(ids(60));
    expect(states[7]).toStrictEqual({ ...fullState(ids(60)[7]), version: 1 });
  });

  test('a create that waits alone is written after the linger', async () => {
    const store = await dynamo.createStore({ exclusive: true, batchLingerMs: 1 });
    await store.list();
    await expect(store.put(unreachableState('tls:alone.example:443'), 0)).resolves.toMatchObject({ version: 1 });
    expect(await store.get('tls:alone.example:443')).toMatchObject({ version: 1, status: 'error' });
    expect(store.writeCount).toBe(1);
  });

  test('before any listing, every create is a conditional PutItem', async () => {
    const store = await dynamo.createStore({ exclusive: true });
    await Promise.all(ids(5).map((id) => store.put(fullState(id), 0)));
    expect(store.writeCount).toBe(5);
    await expect(store.put(fullState(ids(5)[0]), 0)).rejects.toBeInstanceOf(VersionConflictError);
  });

  test('a store that is not exclusive never batches', async () => {
    const store = await dynamo.createStore();
    await store.list();
    await Promise.all(ids(30).map((id) => store.put(fullState(id), 0)));
    expect(store.writeCount).toBe(30);
  });

  test('a key the listing saw, even an unreadable item, is still created conditionally: a conflict, and the item is untouched', async () => {
    const store = await dynamo.createStore({ exclusive: true });
    const existing = await store.put(fullState('tls:listed.example:443'), 0);
    const foreign = { certificateId: { S: 'tls:foreign.example:443' }, note: { S: 'not a certwatch state' } };
    await dynamo.client.send(new PutItemCommand({ TableName: store.tableName, Item: foreign }));
    expect((await store.list()).unreadable.map((item) => item.key)).toEqual(['tls:foreign.example:443']);
    const writesBefore = store.writeCount;

    await expect(store.put({ ...fullState('tls:listed.example:443'), owner: 'other' }, 0)).rejects.toBeInstanceOf(VersionConflictError);
    await expect(store.put(fullState('tls:foreign.example:443'), 0)).rejects.toBeInstanceOf(VersionConflictError);
    expect(store.writeCount - writesBefore).toBe(2); // one conditional PutItem each, no batch
    expect(await store.get('tls:listed.example:443')).toStrictEqual(existing);
    const item = await dynamo.client.send(new GetItemCommand({ TableName: store.tableName, Key: { certificateId: { S: 'tls:foreign.example:443' } } }));
    expect(item.Item).toEqual(foreign);
  });

  test('the same certificate created twice in one batch: the second is a version conflict, the first is stored', async () => {
    const store = await dynamo.createStore({ exclusive: true });
    await store.list();
    const first = store.put(fullState('tls:twice.example:443'), 0);
    const second = store.put({ ...fullState('tls:twice.example:443'), owner: 'second' }, 0);
    await expect(second).rejects.toBeInstanceOf(VersionConflictError);
    await expect(first).resolves.toMatchObject({ version: 1 });
    expect(await store.get('tls:twice.example:443')).toMatchObject({ owner: 'team-shop@example.com' });
    // Written once, it is never batch-created again: a create over it conflicts.
    await expect(store.put(fullState('tls:twice.example:443'), 0)).rejects.toBeInstanceOf(VersionConflictError);
  });

  describe('when DynamoDB pushes back (a fault injected into a real client, as dynalite never throttles)', () => {
    const throttled = () => Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ThrottlingException' });
    type Verdict = 'fail' | 'leave-two' | 'pass';
    const faultyStore = async (fault: (call: number) => Verdict, options: { failPutItem?: boolean } = {}) => {
      const client = createDynamoDbClient({ endpoint: dynamo.endpoint, ...LOOPBACK_CLIENT_SETTINGS, maxAttempts: 1 });
      let calls = 0;
      client.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'PutItemCommand' && options.failPutItem) throw throttled();
          if (context.commandName !== 'BatchWriteItemCommand') return next(args);
          const verdict = fault(++calls);
          if (verdict === 'fail') throw throttled();
          if (verdict === 'pass') return next(args);
          // The last two items come back unprocessed, as DynamoDB returns them when throttled; the others are written.
          const [table, requests] = Object.entries((args.input as BatchWriteItemCommandInput).RequestItems ?? {})[0];
          const unprocessed = { UnprocessedItems: { [table]: requests.slice(-2) } };
          if (requests.length <= 2) return { output: { ...unprocessed, $metadata: {} }, response: {} };
          const written = await next({ ...args, input: { RequestItems: { [table]: requests.slice(0, -2) } } });
          Object.assign(written.output as object, unprocessed);
          return written;
        },
        { step: 'initialize', name: 'injectBatchFault' },
      );
      const store = new DynamoDbStateStore({ client, tableName: uniqueTableName(), exclusive: true });
      await store.ensureTable();
      await store.list();
      return { store, close: () => client.destroy() };
    };

    test.each<[string, (call: number) => Verdict, number, number]>([
      ['unprocessed items are sent again in a later request', (call) => (call === 1 ? 'leave-two' : 'pass'), 10, 2],
      ['items still unprocessed after three requests are written one conditional PutItem each', () => 'leave-two', 10, 3 + 2],
      ['a failed batch request falls back to one conditional PutItem per certificate', () => 'fail', 4, 1 + 4],
    ])('%s: every create resolves once written, nothing is lost', async (_, fault, count, writes) => {
      const { store, close } = await faultyStore(fault);
      try {
        await Promise.all(ids(count).map((id) => store.put(fullState(id), 0)));
        expect(store.writeCount).toBe(writes);
        expect((await store.list()).states.map((s) => s.certificateId)).toEqual(ids(count));
      } finally {
        close();
      }
    });

    test('when the single writes fail too, each create fails alone, naming its certificate and the table', async () => {
      const { store, close } = await faultyStore(() => 'fail', { failPutItem: true });
      try {
        const results = await Promise.allSettled(ids(2).map((id) => store.put(fullState(id), 0)));
        expect(results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'stored'))).toEqual(
          ids(2).map((id) => `DynamoDB PutItem on table ${store.tableName} for ${id} failed: ThrottlingException: Rate of requests exceeds the allowed throughput.`),
        );
        expect((await store.list()).states).toEqual([]);
      } finally {
        close();
      }
    });
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

describe('request time limit', () => {
  test('a DynamoDB endpoint that accepts and never answers fails the request instead of hanging the run', async () => {
    const silent = await startTcpServer(() => undefined);
    const client = createDynamoDbClient({ endpoint: `http://127.0.0.1:${silent.port}`, ...LOOPBACK_CLIENT_SETTINGS, maxAttempts: 1, requestTimeoutMs: 200 });
    const store = new DynamoDbStateStore({ client, tableName: 'certwatch-silent' });
    try {
      await expect(store.get('tls:a.example:443')).rejects.toThrow(/GetItem on table certwatch-silent .*(timeout|TimeoutError)/i);
    } finally {
      client.destroy();
      await silent.close();
    }
  });
});

describe('client endpoint from the standard environment variables', () => {
  const names = ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL', 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'] as const;
  let saved: Record<string, string | undefined>;

  beforeEach(() => {
    saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
    for (const name of names) delete process.env[name];
  });

  afterEach(() => {
    for (const name of names) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  test.each(['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL'])('%s alone steers a client built without an endpoint', async (name) => {
    process.env[name] = dynamo.endpoint;
    const client = createDynamoDbClient({ ...LOOPBACK_CLIENT_SETTINGS, maxAttempts: 1 });
    try {
      const store = new DynamoDbStateStore({ client, tableName: dynamo.tableName });
      const certificateId = `tls:${name.toLowerCase()}.example:443`;
      await store.put(unreachableState(certificateId), 0);
      // Written through the harness's server: read back with the harness's own, explicitly pointed store.
      expect(await dynamo.store.get(certificateId)).toMatchObject({ certificateId, version: 1 });
    } finally {
      client.destroy();
    }
  });

  test('an explicit endpoint that is not a URL is refused', () => {
    expect(() => createDynamoDbClient({ endpoint: 'localhost:8000' })).toThrow(/DynamoDB endpoint must be/);
  });
});

describe('ensureTable', () => {
  test('creates an on-demand table keyed by certificateId, and is idempotent', async () => {
    const store = new DynamoDbStateStore({ client: dynamo.client, tableName: uniqueTableName() });
    await store.ensureTable();
    await store.ensureTable();
    const { Table } = await dynamo.client.send(new DescribeTableCommand({ TableName: store.tableName }));
    expect(Table).toMatchObject({
      TableStatus: 'ACTIVE',
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
      KeySchema: [{ AttributeName: 'certificateId', KeyType: 'HASH' }],
    });
    await expect(store.put(unreachableState(), 0)).resolves.toMatchObject({ version: 1 });
  });

  test.each(['ensureTable', 'verifyTable'] as const)('%s refuses an existing table with another key, naming it', async (method) => {
    const tableName = uniqueTableName();
    await dynamo.client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const store = new DynamoDbStateStore({ client: dynamo.client, tableName });
    await expect(store[method]()).rejects.toThrow(`table ${tableName} exists with key id (HASH), but certwatch needs partition key certificateId (S) alone`);
  });
});

describe('verifyTable (a table made elsewhere, for --store dynamodb)', () => {
  test('passes for a table with certwatch key, and creates nothing', async () => {
    await expect(dynamo.store.verifyTable()).resolves.toBeUndefined();
  });

  test('a missing table is one sentence naming it and what to do', async () => {
    const store = new DynamoDbStateStore({ client: dynamo.client, tableName: 'certwatch-missing-table' });
    await expect(store.verifyTable()).rejects.toThrow(
      'DynamoDB table certwatch-missing-table does not exist: deploy the certwatch stack, or name the table with --table or CERTWATCH_TABLE',
    );
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
