import { PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { BatchSummary } from '../../functions/core/batch-summary';
import type { BatchSummaryStore, StateBatchReader, StateStore } from '../../functions/core/ports';
import { createResolver } from '../../functions/probes/dns/create-resolver';
import { TlsProbe } from '../../functions/probes/tls-probe';
import { DynamoDbBatchSummaries } from '../../functions/store/dynamodb-batch-summaries';
import type { DynamoDbStateStore } from '../../functions/store/dynamodb-state-store';
import { acknowledgeCertificate } from '../../functions/use-cases/acknowledge-certificate';
import { forgetCertificate } from '../../functions/use-cases/forget-certificate';
import { watchBatch } from '../../functions/use-cases/watch-batch';
import { issue } from '../support/pki';
import type { RunningTlsServer } from '../support/servers';
import { storeWith } from '../support/store-wrapper';
import { day, RecordingNotifier, watchRunSuite } from '../support/watch-run';

// Tier 2: a deployed worker's batch with its summary (batch-summary.ts), through the real probe (TLS servers on
// loopback) and the real DynamoDB adapters (dynalite): a steady run reads and writes no state; a certificate is read
// when its time comes, when what it serves changes, and when a person changed it; a summary that is missing,
// unreadable, or another worker's, never makes the batch miss what a full read would have decided.

const idOf = (port: number) => `tls:127.0.0.1:${port}/run.test`;
const suite = watchRunSuite();
const { serverExpiringIn, configFor } = suite;
const HOUR = 3_600_000;
const later = (base: Date, hours: number) => new Date(base.getTime() + hours * HOUR);

/** The batch's table, recording which states it reads: the ids of each BatchGetItem, and each consistent read alone. */
function recordingStore(table: DynamoDbStateStore, overrides: Partial<StateStore> = {}) {
  const listed: string[][] = [];
  const readAlone: string[] = [];
  const store: StateStore & StateBatchReader = Object.assign(
    storeWith(table, {
      get: (id) => {
        readAlone.push(id);
        return table.get(id);
      },
      ...overrides,
    }),
    {
      getMany: (ids: readonly string[]) => {
        listed.push([...ids]);
        return table.getMany(ids);
      },
    },
  );
  return { store, listed, readAlone };
}

async function setUp(daysLeft: [number, number] = [10, 300]) {
  const table = await suite.dynamo.createStore();
  const summaries = new DynamoDbBatchSummaries({ client: suite.dynamo.client, tableName: table.tableName });
  const servers = (await Promise.all(daysLeft.map((days) => serverExpiringIn(days, 'run.test')))) as RunningTlsServer[];
  const config = configFor(servers.map((server) => `127.0.0.1:${server.port}`));
  return { table, summaries, servers, config, ids: servers.map((server) => idOf(server.port)), notifier: new RecordingNotifier() };
}

type Batch = Awaited<ReturnType<typeof setUp>>;

function watch(batch: Pick<Batch, 'config' | 'notifier'>, store: StateStore & StateBatchReader, summaries: BatchSummaryStore | undefined, now: Date, config = batch.config) {
  return watchBatch(config, { probe: new TlsProbe(), resolver: createResolver(), store, summaries, notifier: batch.notifier, now });
}

/** The summaries stored in the table, by key. */
async function storedSummaries(table: DynamoDbStateStore): Promise<Record<string, Record<string, unknown>>> {
  const { Items } = await suite.dynamo.client.send(new ScanCommand({ TableName: table.tableName, ConsistentRead: true }));
  return Object.fromEntries((Items ?? []).map((item) => unmarshall(item)).filter((item) => String(item.certificateId).startsWith('certwatch#batch#')).map((item) => [item.certificateId, item]));
}

test('a steady batch reads no state and writes nothing: its summary vouches for every certificate', async () => {
  const batch = await setUp();
  const [soon, far] = batch.ids;
  const reads = recordingStore(batch.table);
  const first = await watch(batch, reads.store, batch.summaries, day(0));
  expect(first.summaryUse).toMatchObject({ read: 2, unread: 0, distrust: 'no summary of this batch yet', written: true, problem: null });
  expect(batch.notifier.take()).toEqual([`expiry/urgent/127.0.0.1:${batch.servers[0].port}/owners+oncall`]);
  // Listings skip the summary: status and the digest see certificates only.
  expect((await batch.table.list()).states.map((state) => state.certificateId).sort()).toEqual([soon, far].sort());

  const steady = await watch(batch, reads.store, batch.summaries, later(day(0), 1));
  expect(reads.listed).toEqual([[soon, far], []]);
  expect(reads.readAlone).toEqual([]);
  expect(steady).toMatchObject({ storeWrites: 0, notificationsSent: 0, byStatus: { warning: 1, ok: 1 }, summaryUse: { read: 0, unread: 2, written: false } });
  expect(steady.states).toEqual([]);
  expect(steady.unread).toEqual([
    { certificateId: soon, stage: 'urgent', notAfter: expect.any(String) },
    { certificateId: far, stage: null, notAfter: expect.any(String) },
  ]);
});

test('a certificate whose time comes is read and folded (the urgent stage repeats daily); the others stay unread', async () => {
  const batch = await setUp();
  const [soon] = batch.ids;
  const reads = recordingStore(batch.table);
  await watch(batch, reads.store, batch.summaries, day(0));
  batch.notifier.take();
  await watch(batch, reads.store, batch.summaries, day(0.5));
  expect(batch.notifier.take()).toEqual([]);

  // Just before a day has passed: the repeat is due (5 minutes early), the day the summary trusts an entry is not over.
  const due = await watch(batch, reads.store, batch.summaries, day(0.999));
  expect(reads.listed.at(-1)).toEqual([soon]);
  expect(batch.notifier.take()).toEqual([`expiry/urgent/127.0.0.1:${batch.servers[0].port}/owners+oncall`]);
  expect(due.summaryUse).toMatchObject({ read: 1, unread: 1, written: true });
});

test('a renewal (another certificate served) is read on its own and folded, though the summary vouched for it', async () => {
  const batch = await setUp();
  const [soon] = batch.ids;
  const reads = recordingStore(batch.table);
  await watch(batch, reads.store, batch.summaries, day(0));
  batch.notifier.take();
  const before = await batch.table.get(soon);

  const renewed = await issue({ subject: 'CN=run.test', sans: ['run.test'], issuer: suite.servers.intermediate, notBefore: day(-1), notAfter: day(90) });
  batch.servers[0].serve({ key: renewed, chain: [renewed, suite.servers.intermediate] });
  const after = await watch(batch, reads.store, batch.summaries, later(day(0), 1));
  expect(reads.listed.at(-1)).toEqual([]);
  expect(reads.readAlone).toEqual([soon]);
  expect(batch.notifier.take()).toEqual([`recovery/urgent/127.0.0.1:${batch.servers[0].port}/owners+oncall`]);
  expect(after.summaryUse).toMatchObject({ read: 1, unread: 1, written: true });
  const renewedState = await batch.table.get(soon);
  expect(renewedState?.certificate?.fingerprintSha256).not.toBe(before?.certificate?.fingerprintSha256);
  expect(renewedState?.history.map((entry) => entry.event)).toContain('replaced');

  // The summary now vouches for the renewed certificate.
  expect((await watch(batch, reads.store, batch.summaries, later(day(0), 2))).summaryUse).toMatchObject({ read: 0, unread: 2 });
});

test('an acknowledgement or a forget made between runs is read at the next run (the change journal)', async () => {
  const batch = await setUp();
  const [soon, far] = batch.ids;
  const reads = recordingStore(batch.table);
  await watch(batch, reads.store, batch.summaries, day(0));
  batch.notifier.take();

  await acknowledgeCertificate(batch.table, soon, { at: day(0.2), note: 'OPS-1' }, batch.summaries);
  const afterAck = await watch(batch, reads.store, batch.summaries, day(0.3));
  expect(reads.listed.at(-1)).toEqual([soon]);
  expect(afterAck.summaryUse).toMatchObject({ read: 1, unread: 1, changedByHand: 1, written: true });
  // Acknowledged: the daily repeat of the urgent stage stays silent, now that the summary knows it.
  await watch(batch, reads.store, batch.summaries, day(1.2));
  expect(batch.notifier.take()).toEqual([]);

  // Forgotten while still configured: the next run watches it again from scratch, not a day later.
  await forgetCertificate(batch.table, far, batch.summaries);
  expect(await batch.table.get(far)).toBeUndefined();
  const afterForget = await watch(batch, reads.store, batch.summaries, day(1.3));
  expect(afterForget.summaryUse).toMatchObject({ changedByHand: 1 });
  expect((await batch.table.get(far))?.history.map((entry) => entry.event)).toEqual(['first-seen']);
});

test('a change no journal was told of (a client of its own) is seen once the summary\'s day of trust runs out', async () => {
  const batch = await setUp();
  const [, far] = batch.ids;
  const reads = recordingStore(batch.table);
  await watch(batch, reads.store, batch.summaries, day(0));
  await forgetCertificate(batch.table, far);

  await watch(batch, reads.store, batch.summaries, later(day(0), 1));
  expect(await batch.table.get(far)).toBeUndefined();
  await watch(batch, reads.store, batch.summaries, later(day(0), 24.1));
  expect(await batch.table.get(far)).toMatchObject({ status: 'ok' });
});

test('an unreadable summary is reported and replaced: the batch reads every state meanwhile', async () => {
  const batch = await setUp();
  const reads = recordingStore(batch.table);
  await watch(batch, reads.store, batch.summaries, day(0));
  const [key] = Object.keys(await storedSummaries(batch.table));
  await suite.dynamo.client.send(
    new PutItemCommand({ TableName: batch.table.tableName, Item: { certificateId: { S: key }, version: { N: '4' }, writtenAt: { S: day(0).toISOString() }, journalSequence: { N: '0' }, entries: { S: '{not json' } } }),
  );

  const fallback = await watch(batch, reads.store, batch.summaries, later(day(0), 1));
  expect(fallback.summaryUse).toMatchObject({ read: 2, unread: 0, written: true, problem: expect.stringMatching(/^batch summary certwatch#batch#\S+ is not readable: SyntaxError/) });
  expect(reads.listed.at(-1)).toEqual(batch.ids);
  expect((await storedSummaries(batch.table))[key]).toMatchObject({ version: 5 });
  expect((await watch(batch, reads.store, batch.summaries, later(day(0), 2))).summaryUse).toMatchObject({ read: 0, unread: 2 });
});

test('a batch whose targets changed (a deploy) starts a summary of its own: every state is read once', async () => {
  const batch = await setUp();
  const reads = recordingStore(batch.table);
  await watch(batch, reads.store, batch.summaries, day(0));
  const added = await serverExpiringIn(200, 'run.test');
  const grown = configFor([...batch.servers.map((server) => `127.0.0.1:${server.port}`), `127.0.0.1:${added.port}`]);

  const first = await watch(batch, reads.store, batch.summaries, later(day(0), 1), grown);
  expect(first.summaryUse).toMatchObject({ read: 3, distrust: 'no summary of this batch yet', written: true });
  expect(Object.keys(await storedSummaries(batch.table))).toHaveLength(2);
  expect((await watch(batch, reads.store, batch.summaries, later(day(0), 2), grown)).summaryUse).toMatchObject({ read: 0, unread: 3 });
});

test('a state that could not be written gets no entry: the next run reads it again', async () => {
  const batch = await setUp();
  const [soon, far] = batch.ids;
  const throttled = recordingStore(batch.table, {
    put: (state, expected) => (state.certificateId === soon ? Promise.reject(new Error('ProvisionedThroughputExceededException')) : batch.table.put(state, expected)),
  });
  const failed = await watch(batch, throttled.store, batch.summaries, day(0));
  expect(failed.storeFailures.map((failure) => failure.certificateId)).toEqual([soon]);
  expect(Object.keys(JSON.parse(String(Object.values(await storedSummaries(batch.table))[0].entries)))).toEqual([far]);

  const reads = recordingStore(batch.table);
  const retried = await watch(batch, reads.store, batch.summaries, later(day(0), 1));
  expect(reads.listed).toEqual([[soon]]);
  expect(retried.summaryUse).toMatchObject({ read: 1, unread: 1 });
  expect(batch.notifier.take()).toEqual([`expiry/urgent/127.0.0.1:${batch.servers[0].port}/owners+oncall`]);
});

test('two workers on one batch: the one whose summary write conflicts keeps the other\'s, less what it folded itself', async () => {
  const batch = await setUp();
  const [soon, far] = batch.ids;
  const reads = recordingStore(batch.table);
  await watch(batch, reads.store, batch.summaries, day(0));
  const [key, stored] = Object.entries(await storedSummaries(batch.table))[0];

  // The other worker writes its summary (both entries, as it saw them) between this one's read and its write.
  let raced = false;
  const racing: BatchSummaryStore = {
    readBatchSummary: (summaryKey) => batch.summaries.readBatchSummary(summaryKey),
    writeBatchSummary: async (next: BatchSummary, expectedVersion: number) => {
      if (!raced) {
        raced = true;
        const theirs = await batch.summaries.readBatchSummary(next.key);
        await batch.summaries.writeBatchSummary({ ...theirs.summary!, writtenAt: day(0.999).toISOString() }, theirs.storedVersion);
      }
      return batch.summaries.writeBatchSummary(next, expectedVersion);
    },
  };
  const due = await watch(batch, reads.store, racing, day(0.999)); // the urgent stage repeats: `soon` is folded
  expect(due.summaryUse).toMatchObject({ read: 1, written: true });
  const after = (await storedSummaries(batch.table))[key];
  expect(after.version).toBe(Number(stored.version) + 2);
  expect(Object.keys(JSON.parse(String(after.entries)))).toEqual([far]);
  expect((await watch(batch, reads.store, batch.summaries, day(0.9995))).summaryUse).toMatchObject({ read: 1, unread: 1 });
  expect(reads.listed.at(-1)).toEqual([soon]);
});

test('a journal that cannot be read: the batch reads every state, says why, and leaves the summary as it was', async () => {
  const batch = await setUp();
  const reads = recordingStore(batch.table);
  await watch(batch, reads.store, batch.summaries, day(0));
  const before = await storedSummaries(batch.table);
  await suite.dynamo.client.send(new PutItemCommand({ TableName: batch.table.tableName, Item: { certificateId: { S: 'certwatch#changes' }, version: { N: '1' }, sequence: { N: '1' }, recent: { S: '[' } } }));

  const blind = await watch(batch, reads.store, batch.summaries, later(day(0), 1));
  expect(reads.listed.at(-1)).toEqual(batch.ids);
  expect(blind.summaryUse).toMatchObject({ read: 2, unread: 0, written: false, invalidations: 0, distrust: 'its change journal could not be read', problem: expect.stringContaining('its change journal could not be read, so every state was: the change journal certwatch#changes') });
  expect(await storedSummaries(batch.table)).toEqual(before);
});

test('a certificate read on its own (another certificate served) whose item is unreadable is replaced by a fresh state', async () => {
  const batch = await setUp();
  const [soon] = batch.ids;
  const reads = recordingStore(batch.table);
  await watch(batch, reads.store, batch.summaries, day(0));
  await suite.dynamo.client.send(new PutItemCommand({ TableName: batch.table.tableName, Item: { certificateId: { S: soon }, version: { N: '9' }, state: { S: '{broken' } } }));
  const renewed = await issue({ subject: 'CN=run.test', sans: ['run.test'], issuer: suite.servers.intermediate, notBefore: day(-1), notAfter: day(90) });
  batch.servers[0].serve({ key: renewed, chain: [renewed, suite.servers.intermediate] });

  const after = await watch(batch, reads.store, batch.summaries, later(day(0), 1));
  expect(reads.readAlone).toEqual([soon]);
  expect(after.replacedItems).toEqual([{ certificateId: soon, message: expect.stringContaining('is not a certwatch state') }]);
  expect(await batch.table.get(soon)).toMatchObject({ status: 'ok', version: 1 });
});

test('a forget the batch sees in the journal but whose deletion lands after it read the state: the next run watches the certificate again from scratch', async () => {
  const batch = await setUp();
  const [soon] = batch.ids;
  await watch(batch, recordingStore(batch.table).store, batch.summaries, day(0));
  expect(batch.notifier.take()).toEqual([`expiry/urgent/127.0.0.1:${batch.servers[0].port}/owners+oncall`]);

  // A person forgets `soon` while a worker starts: the journal is told first, then the forget waits (a slow client, an
  // eventually consistent read) until the worker has read the states; only then is the item deleted.
  let statesRead!: () => void;
  const afterStatesRead = new Promise<void>((resolve) => (statesRead = resolve));
  let noted!: () => void;
  const afterNote = new Promise<void>((resolve) => (noted = resolve));
  const forgetting = forgetCertificate(batch.table, soon, {
    getJournal: () => batch.summaries.getJournal(),
    putJournal: async (next, expectedVersion) => {
      const stored = await batch.summaries.putJournal(next, expectedVersion);
      noted();
      await afterStatesRead;
      return stored;
    },
  });
  await afterNote;
  const racing: StateStore & StateBatchReader = Object.assign(storeWith(batch.table, {}), {
    getMany: async (ids: readonly string[]) => {
      const listing = await batch.table.getMany(ids);
      statesRead();
      await forgetting;
      return listing;
    },
  });
  const raced = await watch(batch, racing, batch.summaries, later(day(0), 1));
  expect(raced.summaryUse).toMatchObject({ changedByHand: 1 });
  expect(await batch.table.get(soon)).toBeUndefined();

  // Forgotten while still configured and inside the urgent stage: the next run starts a new series and says so at once.
  await watch(batch, recordingStore(batch.table).store, batch.summaries, later(day(0), 2));
  expect((await batch.table.get(soon))?.history.map((entry) => entry.event)).toEqual(['first-seen', 'stage-changed', 'notified']);
  expect(batch.notifier.take()).toEqual([`expiry/urgent/127.0.0.1:${batch.servers[0].port}/owners+oncall`]);
});
