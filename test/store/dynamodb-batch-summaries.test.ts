import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { JOURNAL_KEPT, type BatchSummary } from '../../functions/core/batch-summary';
import { VersionConflictError } from '../../functions/core/ports';
import { DynamoDbBatchSummaries } from '../../functions/store/dynamodb-batch-summaries';
import { StateStoreError } from '../../functions/store/state-store-error';
import { JOURNAL_KEY, SUMMARY_LIFETIME_SECONDS, summaryItemKey } from '../../functions/store/summary-item-encoding';
import { noteHandChange } from '../../functions/use-cases/note-hand-change';
import { startDynalite, type DynaliteHarness } from '../support/dynalite';

// Tier 2: a batch's summary and the change journal as items of the state table, on dynalite.

let dynamo: DynaliteHarness;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo.close());

async function summaries() {
  const store = await dynamo.createStore();
  return { store, summaries: new DynamoDbBatchSummaries({ client: dynamo.client, tableName: store.tableName }) };
}

const summary: BatchSummary = {
  key: 'abc',
  entries: {
    'tls:a.example:443': { observed: 'd1', dueAt: '2026-06-02T12:00:00.000Z', stage: null },
    'tls:b.example:443': { observed: 'd2', dueAt: '2026-06-01T18:30:00.000Z', stage: 'urgent' },
  },
  journalSequence: 4,
  writtenAt: '2026-06-01T12:00:00.000Z',
  version: 0,
};

const putRaw = (tableName: string, item: Record<string, { S: string } | { N: string }>) => dynamo.client.send(new PutItemCommand({ TableName: tableName, Item: item as never }));

test('a summary written is read back with its version, expires two weeks after it was written, and is no certificate to listings', async () => {
  const { store, summaries: kept } = await summaries();
  expect(await kept.readBatchSummary('abc')).toEqual({ summary: null, storedVersion: 0, unreadable: null, journal: { sequence: 0, recent: [], version: 0 }, journalUnreadable: null });
  const written = await kept.writeBatchSummary(summary, 0);
  expect(written.version).toBe(1);
  expect(await kept.readBatchSummary('abc')).toMatchObject({ summary: { ...summary, version: 1 }, storedVersion: 1, unreadable: null });
  const { Item } = await dynamo.client.send(new GetItemCommand({ TableName: store.tableName, Key: { certificateId: { S: summaryItemKey('abc') } } }));
  expect(Number(Item?.expiresAt?.N)).toBe(Date.parse(summary.writtenAt) / 1000 + SUMMARY_LIFETIME_SECONDS);
  expect(await store.list()).toEqual({ states: [], unreadable: [] });
});

test('a write is conditional on the version read: a second writer from the same read conflicts', async () => {
  const { summaries: kept } = await summaries();
  await kept.writeBatchSummary(summary, 0);
  await kept.writeBatchSummary({ ...summary, journalSequence: 5 }, 1);
  await expect(kept.writeBatchSummary({ ...summary, journalSequence: 6 }, 1)).rejects.toThrow(VersionConflictError);
  await expect(kept.writeBatchSummary(summary, 0)).rejects.toThrow(VersionConflictError);
  expect((await kept.readBatchSummary('abc')).summary?.journalSequence).toBe(5);
});

test('an unreadable summary is reported with its version, and the next write replaces it; one whose version is no number too', async () => {
  const { store, summaries: kept } = await summaries();
  await putRaw(store.tableName, { certificateId: { S: summaryItemKey('abc') }, version: { N: '7' }, writtenAt: { S: summary.writtenAt }, journalSequence: { N: '0' }, entries: { S: '{"x":[1]}' } });
  expect(await kept.readBatchSummary('abc')).toMatchObject({ summary: null, storedVersion: 7, unreadable: `batch summary ${summaryItemKey('abc')} is not readable: the entry of x is not [observed, dueAt, stage]` });
  await kept.writeBatchSummary(summary, 7);
  expect((await kept.readBatchSummary('abc')).summary).toMatchObject({ version: 8 });

  await putRaw(store.tableName, { certificateId: { S: summaryItemKey('def') }, version: { S: 'seven' } });
  expect(await kept.readBatchSummary('def')).toMatchObject({ summary: null, storedVersion: 0, unreadable: expect.stringContaining('no version') });
  await kept.writeBatchSummary({ ...summary, key: 'def' }, 0);
  expect((await kept.readBatchSummary('def')).summary).toMatchObject({ key: 'def', version: 1 });
});

test('each hand change is numbered in the journal; it keeps the latest JOURNAL_KEPT', async () => {
  const { summaries: journal } = await summaries();
  await noteHandChange(journal, 'tls:a.example:443');
  await noteHandChange(journal, 'tls:b.example:443');
  expect(await journal.getJournal()).toEqual({
    sequence: 2,
    recent: [
      { certificateId: 'tls:a.example:443', sequence: 1 },
      { certificateId: 'tls:b.example:443', sequence: 2 },
    ],
    version: 2,
  });
  for (let index = 0; index < JOURNAL_KEPT; index++) await journal.putJournal({ ...(await journal.getJournal()), sequence: 3 + index, recent: [] }, 2 + index);
  await noteHandChange(journal, 'tls:c.example:443');
  expect((await journal.readBatchSummary('any')).journal).toMatchObject({ sequence: JOURNAL_KEPT + 3, recent: [{ certificateId: 'tls:c.example:443', sequence: JOURNAL_KEPT + 3 }] });
});

test('an unreadable journal is an error naming it; read with a summary, the summary still comes back and the journal is null, saying why', async () => {
  const { store, summaries: journal } = await summaries();
  await journal.writeBatchSummary(summary, 0);
  await putRaw(store.tableName, { certificateId: { S: JOURNAL_KEY }, version: { N: '2' }, sequence: { N: '2' }, recent: { S: 'nope' } });
  const why = `the change journal ${JOURNAL_KEY} in table ${store.tableName} is not readable: delete the item (the deployed workers then read every state once)`;
  await expect(journal.getJournal()).rejects.toThrow(new StateStoreError(why));
  expect(await journal.readBatchSummary('abc')).toMatchObject({ summary: { ...summary, version: 1 }, storedVersion: 1, unreadable: null, journal: null, journalUnreadable: why });
});
