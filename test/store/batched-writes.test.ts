import { type BatchWriteItemCommandInput, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { VersionConflictError } from '../../functions/core/ports';
import { createDynamoDbClient } from '../../functions/store/dynamodb-client';
import { DynamoDbStateStore } from '../../functions/store/dynamodb-state-store';
import { ensureTable } from '../../functions/store/dynamodb-table';
import { type DynaliteHarness, LOOPBACK_CLIENT_SETTINGS, startDynalite, uniqueTableName } from '../support/dynalite';
import { fullState, unreachableState } from './watch-state-fixture';

// The batched writes of an exclusive store, against a real DynamoDB-compatible server (dynalite) on loopback.

let dynamo: DynaliteHarness;

beforeAll(async () => {
  dynamo = await startDynalite();
});

afterAll(() => dynamo.close());

describe('an exclusive store (the embedded one, which holds its directory lock) batches the writes whose version it knows', () => {
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

  test('a create of a key the listing saw, even an unreadable item, is still conditional: a conflict, and the item is untouched', async () => {
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

  describe('updates: a write expecting the version the listing found, or the one the store wrote since', () => {
    /** `count` certificates at version 1, written by another store before this exclusive one lists them. */
    const listedStore = async (count: number) => {
      const store = await dynamo.createStore({ exclusive: true });
      const writer = new DynamoDbStateStore({ client: dynamo.client, tableName: store.tableName });
      await Promise.all(ids(count, 'listed').map((id) => writer.put(fullState(id), 0)));
      await store.list();
      return store;
    };
    const failing = (id: string, failures: number) => ({ ...unreachableState(id), consecutiveFailures: failures });

    test('60 updates of listed certificates take 3 requests, and read back as conditional writes would leave them', async () => {
      const store = await listedStore(60);
      const updated = await Promise.all(ids(60, 'listed').map((id) => store.put(failing(id, 1), 1)));
      expect(updated.every((state) => state.version === 2)).toBe(true);
      expect(store.writeCount).toBe(3);
      const { states } = await store.list();
      expect(states).toHaveLength(60);
      expect(states[12]).toStrictEqual({ ...failing(ids(60, 'listed')[12], 1), version: 2 });
    });

    test('the next write of a certificate expects what this store wrote, and is batched again; a stale one conflicts and changes nothing', async () => {
      const store = await listedStore(3);
      const [id] = ids(3, 'listed');
      await store.put(failing(id, 1), 1);
      await store.put(failing(id, 2), 2);
      expect(store.writeCount).toBe(2); // both batched (one item each, after the linger)
      await expect(store.put(failing(id, 9), 2)).rejects.toBeInstanceOf(VersionConflictError);
      expect(store.writeCount).toBe(3); // the stale one went as a conditional PutItem, and failed
      expect(await store.get(id)).toStrictEqual({ ...failing(id, 2), version: 3 });
      // After a failed write the store no longer claims to know the version: the next write is conditional, and passes.
      await expect(store.put(failing(id, 3), 3)).resolves.toMatchObject({ version: 4 });
      expect(store.writeCount).toBe(4);
      await expect(store.put(failing(id, 4), 4)).resolves.toMatchObject({ version: 5 });
      expect(store.writeCount).toBe(5);
    });

    test('an update expecting another version than the listing found is conditional: a conflict, the item untouched', async () => {
      const store = await listedStore(2);
      const [id] = ids(2, 'listed');
      await expect(store.put(failing(id, 1), 5)).rejects.toBeInstanceOf(VersionConflictError);
      await expect(store.put(failing(id, 1), 0)).rejects.toBeInstanceOf(VersionConflictError);
      expect(store.writeCount).toBe(2);
      expect(await store.get(id)).toStrictEqual({ ...fullState(id), version: 1 });
    });

    test('two writes of one certificate at once: the second conflicts, the first is stored', async () => {
      const store = await listedStore(1);
      const [id] = ids(1, 'listed');
      const first = store.put(failing(id, 1), 1);
      const second = store.put(failing(id, 7), 1);
      await expect(second).rejects.toBeInstanceOf(VersionConflictError);
      await expect(first).resolves.toMatchObject({ version: 2 });
      expect(await store.get(id)).toMatchObject({ consecutiveFailures: 1, version: 2 });
    });

    test.each([
      ['a fraction', '1.5', 1],
      // Number() reads it as 1, which the state read from it says; DynamoDB compares it exactly, and it is not 1.
      ['a number only rounding makes whole', '1.0000000000000000001', 1],
      ['beyond the integers a number holds exactly', '9007199254740993', 9007199254740992],
    ])('an item whose version is %s is written only conditionally: the conflict a condition gives, the item untouched', async (_kind, version, expected) => {
      const store = await dynamo.createStore({ exclusive: true });
      const odd = 'tls:odd-version.example:443';
      await dynamo.client.send(new PutItemCommand({ TableName: store.tableName, Item: { certificateId: { S: odd }, version: { N: version }, note: { S: 'foreign' } } }));
      await store.list();
      await expect(store.put(failing(odd, 1), expected)).rejects.toBeInstanceOf(VersionConflictError);
      expect(store.writeCount).toBe(1); // a conditional PutItem, which the condition refused
      const item = await dynamo.client.send(new GetItemCommand({ TableName: store.tableName, Key: { certificateId: { S: odd } } }));
      expect(item.Item?.note).toEqual({ S: 'foreign' });
    });

    test('a delete while an update of the same certificate waits for its batch conflicts: the update alone is stored', async () => {
      const store = await listedStore(1);
      const [id] = ids(1, 'listed');
      const update = store.put(failing(id, 1), 1);
      await expect(store.delete(id, 1)).rejects.toBeInstanceOf(VersionConflictError);
      await expect(update).resolves.toMatchObject({ version: 2 });
      expect(await store.get(id)).toStrictEqual({ ...failing(id, 1), version: 2 });
    });

    test('a certificate the store deleted is written again only conditionally', async () => {
      const store = await listedStore(1);
      const [id] = ids(1, 'listed');
      await store.delete(id, 1);
      const writesBefore = store.writeCount;
      await expect(store.put(fullState(id), 0)).resolves.toMatchObject({ version: 1 });
      expect(store.writeCount - writesBefore).toBe(1);
      await expect(store.put(fullState(id), 0)).rejects.toBeInstanceOf(VersionConflictError);
    });
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
      await ensureTable(client, store.tableName);
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

    test('a failed batch of updates falls back to conditional PutItems, each expecting the version its update expected', async () => {
      const { store, close } = await faultyStore((call) => (call === 1 ? 'pass' : 'fail'));
      try {
        await Promise.all(ids(4).map((id) => store.put(fullState(id), 0)));
        const updated = await Promise.all(ids(4).map((id) => store.put({ ...unreachableState(id), consecutiveFailures: 1 }, 1)));
        expect(updated.map((state) => state.version)).toEqual([2, 2, 2, 2]);
        expect(store.writeCount).toBe(1 + 1 + 4);
        expect((await store.list()).states.map((s) => [s.status, s.version])).toEqual(ids(4).map(() => ['error', 2]));
        // Each fallback taught the store its new version: an update still expecting 1 is stale, and conflicts.
        await expect(store.put({ ...unreachableState(ids(4)[0]), consecutiveFailures: 2 }, 1)).rejects.toBeInstanceOf(VersionConflictError);
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
