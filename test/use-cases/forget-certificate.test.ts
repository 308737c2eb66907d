import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { VersionConflictError, type StateStore } from '../../functions/core/ports';
import type { WatchState } from '../../functions/core/watch-state';
import { acknowledgeCertificate, UnknownCertificateError } from '../../functions/use-cases/acknowledge-certificate';
import { forgetCertificate } from '../../functions/use-cases/forget-certificate';
import type { DynamoDbStateStore } from '../../functions/store/dynamodb-state-store';
import { startDynalite, type DynaliteHarness } from '../support/dynalite';
import { storeWith } from '../support/store-wrapper';
import { fullState } from '../store/watch-state-fixture';

// Forgetting a certificate (a target removed from the config) against the real store on loopback.

let dynamo: DynaliteHarness;

beforeAll(async () => {
  dynamo = await startDynalite();
});

afterAll(() => dynamo.close());

/** The real store; before each of its first `races` deletes, a run writes the item (a new version). */
function racedByRuns(store: DynamoDbStateStore, races: number): StateStore {
  let raced = 0;
  return storeWith(store, {
    delete: async (id, version) => {
      if (raced++ < races) {
        const current = await store.get(id);
        if (current) await store.put({ ...current, lastCheckedAt: new Date().toISOString() }, current.version);
      }
      return store.delete(id, version);
    },
  });
}

test('a state of the wrong shape is deleted as an unreadable item, saying what is wrong; ack refuses it, naming the remedy', async () => {
  const store = await dynamo.createStore();
  const id = 'tls:edited.example:443';
  await store.put({ ...fullState(id), sent: null } as unknown as WatchState, 0);
  await expect(acknowledgeCertificate(store, id, { at: new Date() })).rejects.toMatchObject({
    name: 'AcknowledgementError',
    reason: 'STATE_DAMAGED',
    message: `the stored state of ${id} is not a certwatch state: sent: Invalid input: expected array, received null: \`certwatch forget ${id}\` deletes it, and the next run watches the certificate afresh`,
  });
  await expect(forgetCertificate(store, id)).resolves.toStrictEqual({ unreadable: `the stored state of ${id} is not a certwatch state: sent: Invalid input: expected array, received null` });
  expect(await store.get(id)).toBeUndefined();
});

test('deletes the state and returns it as it was', async () => {
  const store = await dynamo.createStore();
  const stored = await store.put(fullState('tls:retired.example:443'), 0);
  await expect(forgetCertificate(store, stored.certificateId)).resolves.toStrictEqual({ state: stored });
  expect(await store.get(stored.certificateId)).toBeUndefined();
});

test('an unknown certificate is an UnknownCertificateError naming it', async () => {
  const store = await dynamo.createStore();
  await expect(forgetCertificate(store, 'tls:nope.example:443')).rejects.toBeInstanceOf(UnknownCertificateError);
  await expect(forgetCertificate(store, 'tls:nope.example:443')).rejects.toThrow('no watched certificate tls:nope.example:443');
});

test('a run writing the item meanwhile makes it read again and retry', async () => {
  const store = await dynamo.createStore();
  const stored = await store.put(fullState('tls:busy.example:443'), 0);
  const forgotten = await forgetCertificate(racedByRuns(store, 2), stored.certificateId);
  expect(forgotten).toMatchObject({ state: { version: 3 } });
  expect(await store.get(stored.certificateId)).toBeUndefined();
});

test('an unreadable item (which every run reports) is deleted too, saying why it was unreadable', async () => {
  const store = await dynamo.createStore();
  const garbled = { certificateId: { S: 'tls:garbled.example:443' }, version: { N: '2' }, state: { S: '{"status":' } };
  const foreign = { certificateId: { S: 'tls:foreign.example:443' }, note: { S: 'not a state' } };
  const wordy = { certificateId: { S: 'tls:wordy.example:443' }, version: { S: 'seven' }, state: { S: '{}' } };
  for (const Item of [garbled, foreign, wordy]) await dynamo.client.send(new PutItemCommand({ TableName: store.tableName, Item }));
  expect(await forgetCertificate(store, 'tls:garbled.example:443')).toEqual({ unreadable: expect.stringContaining('is not a certwatch state: SyntaxError') });
  expect(await forgetCertificate(store, 'tls:foreign.example:443')).toEqual({ unreadable: expect.stringContaining('is not a certwatch state (no whole-number version, status or expiry)') });
  // A version that is not a number could never match a version condition: it is deleted as read all the same.
  expect(await forgetCertificate(store, 'tls:wordy.example:443')).toEqual({ unreadable: expect.stringContaining('is not a certwatch state (no whole-number version') });
  expect(await store.list()).toStrictEqual({ states: [], unreadable: [] });
});

test('a run writing it every time wins after three attempts: a version conflict, nothing deleted', async () => {
  const store = await dynamo.createStore();
  const stored = await store.put(fullState('tls:busier.example:443'), 0);
  await expect(forgetCertificate(racedByRuns(store, 3), stored.certificateId)).rejects.toBeInstanceOf(VersionConflictError);
  expect(await store.get(stored.certificateId)).toMatchObject({ version: 4 });
});
