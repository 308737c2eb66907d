import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EVERY_CERTIFICATE } from '../../functions/core/batch-summary';
import { DynamoDbBatchSummaries } from '../../functions/store/dynamodb-batch-summaries';
import { JOURNAL_KEY } from '../../functions/store/summary-item-encoding';
import { journalledStore } from '../../functions/use-cases/journalled-store';
import { startDynalite, type DynaliteHarness } from '../support/dynalite';
import { fullState } from '../store/watch-state-fixture';

// Tier 2: a run from outside the deployment tells the table's change journal before its first state write and after
// its last (`certwatch run --store dynamodb`), through the real DynamoDB adapters on dynalite.

let dynamo: DynaliteHarness;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo.close());

async function journalled() {
  const table = await dynamo.createStore();
  const journal = new DynamoDbBatchSummaries({ client: dynamo.client, tableName: table.tableName });
  return { table, journal, store: journalledStore(table, journal) };
}

test('the journal is told once before the first write (not per write) and once more when the run finishes', async () => {
  const { journal, store } = await journalled();
  await store.put(fullState('tls:a.example:443'), 0);
  await store.put(fullState('tls:b.example:443'), 0);
  await store.delete('tls:b.example:443', 1);
  expect((await journal.getJournal()).recent).toEqual([{ certificateId: EVERY_CERTIFICATE, sequence: 1 }]);
  await store.finish();
  expect((await journal.getJournal()).recent.map((change) => change.sequence)).toEqual([1, 2]);
  expect(await store.get('tls:a.example:443')).toMatchObject({ certificateId: 'tls:a.example:443' });
});

test('a run that writes no state leaves the journal alone (reads and the run ledger are no change to a certificate)', async () => {
  const { journal, store } = await journalled();
  await store.list();
  await store.putLedger({ ...(await store.getLedger()), lastRunAt: '2026-11-30T00:00:00.000Z' }, 0);
  await store.finish();
  expect(await journal.getJournal()).toEqual({ sequence: 0, recent: [], version: 0 });
});

test('a journal that cannot be told: every state write fails with its error and writes nothing; finishing tells nothing', async () => {
  const { table, store } = await journalled();
  await dynamo.client.send(new PutItemCommand({ TableName: table.tableName, Item: { certificateId: { S: JOURNAL_KEY }, version: { N: '1' }, sequence: { N: '1' }, recent: { S: '[' } } }));
  await expect(store.put(fullState('tls:a.example:443'), 0)).rejects.toThrow(`the change journal ${JOURNAL_KEY} in table ${table.tableName} is not readable`);
  await expect(store.delete('tls:a.example:443', 1)).rejects.toThrow('is not readable');
  expect(await table.get('tls:a.example:443')).toBeUndefined();
  await expect(store.finish()).resolves.toBeUndefined();
});
