import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { batchSummaryKey, withoutEntries, type BatchSummary } from '../../functions/core/batch-summary';
import type { BatchSummaryStore, StateBatchReader, StateStore } from '../../functions/core/ports';
import { createResolver } from '../../functions/probes/dns/create-resolver';
import { TlsProbe } from '../../functions/probes/tls-probe';
import { DynamoDbBatchSummaries } from '../../functions/store/dynamodb-batch-summaries';
import { JOURNAL_KEY } from '../../functions/store/summary-item-encoding';
import { SummaryInvalidation } from '../../functions/use-cases/summary-invalidation';
import { watchBatch, type BatchReport } from '../../functions/use-cases/watch-batch';
import { issue, type Issued } from '../support/pki';
import { startTlsServer, type RunningTlsServer } from '../support/servers';
import { storeWith } from '../support/store-wrapper';
import { day, RecordingNotifier, watchRunSuite } from '../support/watch-run';

// Tier 2: invalidate before fold. A certificate whose observation differs from its summary entry has the entry
// removed from the stored summary before its new state is written, so that a summary write that fails afterwards
// (throttled, or lost to another worker) cannot leave an entry vouching for a state that is no longer stored: the
// old certificate served again (a rollback, a stale node) would otherwise be left unread and silent for up to a
// day. Through the real probe (TLS servers on loopback) and the real DynamoDB adapters (dynalite).

const suite = watchRunSuite();
const HOUR = 3_600_000;
const at = (hours: number) => new Date(day(0).getTime() + hours * HOUR);

/** A leaf for run.test under the suite's CA, expiring at `day(daysLeft)`. */
const leafExpiringIn = (daysLeft: number) => issue({ subject: 'CN=run.test', sans: ['run.test'], issuer: suite.servers.intermediate, notBefore: day(daysLeft - 398), notAfter: day(daysLeft) });

interface Batch {
  readonly summaries: DynamoDbBatchSummaries;
  readonly notifier: RecordingNotifier;
  readonly servers: readonly RunningTlsServer[];
  readonly ids: readonly string[];
  serve(index: number, leaf: Issued): void;
  /** One worker's run of the batch; `summaries` as it reaches the table (a wrapper that fails or races). */
  run(now: Date, summaries?: BatchSummaryStore, store?: StateStore & StateBatchReader): ReturnType<typeof watchBatch>;
  readonly table: Awaited<ReturnType<typeof suite.dynamo.createStore>>;
}

async function batchServing(leaves: readonly Issued[]): Promise<Batch> {
  const table = await suite.dynamo.createStore();
  const summaries = new DynamoDbBatchSummaries({ client: suite.dynamo.client, tableName: table.tableName });
  const servers = await Promise.all(leaves.map(async (leaf) => suite.servers.keep(await startTlsServer({ key: leaf, chain: [leaf, suite.servers.intermediate] }))));
  const config = suite.configFor(servers.map((server) => `127.0.0.1:${server.port}`));
  const notifier = new RecordingNotifier();
  const batchStore = (): StateStore & StateBatchReader => Object.assign(storeWith(table, {}), { getMany: (ids: readonly string[]) => table.getMany(ids) });
  return {
    table,
    summaries,
    notifier,
    servers,
    ids: servers.map((server) => `tls:127.0.0.1:${server.port}/run.test`),
    serve: (index, leaf) => servers[index].serve({ key: leaf, chain: [leaf, suite.servers.intermediate] }),
    run: (now, through = summaries, store = batchStore()) => watchBatch(config, { probe: new TlsProbe(), resolver: createResolver(), store, summaries: through, notifier, now }),
  };
}

/** The summaries as a worker reaches them, each write also noted in `writes`; `failWrite` says which writes fail. */
function summariesThrough(real: DynamoDbBatchSummaries, failWrite: (next: BatchSummary) => Error | null = () => null) {
  const writes: BatchSummary[] = [];
  const store: BatchSummaryStore = {
    readBatchSummary: (key) => real.readBatchSummary(key),
    writeBatchSummary: (next, expectedVersion) => {
      writes.push(next);
      const failure = failWrite(next);
      return failure ? Promise.reject(failure) : real.writeBatchSummary(next, expectedVersion);
    },
  };
  return { store, writes };
}

/**
 * A batch watching a certificate 10 days from expiry (`soon`, on `port`) and one 300 days from it, run once at hour 0
 * (its urgent alert sent), with a renewal ready to serve.
 */
async function renewableBatch() {
  const [expiring, renewed, far] = await Promise.all([leafExpiringIn(10), leafExpiringIn(90), leafExpiringIn(300)]);
  const batch = await batchServing([expiring, far]);
  const port = batch.servers[0].port;
  await batch.run(at(0));
  expect(batch.notifier.take()).toEqual([`expiry/urgent/127.0.0.1:${port}/owners+oncall`]);
  return { expiring, renewed, batch, soon: batch.ids[0], port };
}

/**
 * A run of a renewable batch that folded nothing (nothing written or sent, `soon`'s state as `before`), then SQS
 * offering the batch again: the entry is removed, then the renewal folded and its recovery sent.
 */
async function retryFoldsRenewal(batch: Batch, failed: BatchReport, renewal: { soon: string; before: Awaited<ReturnType<Batch['table']['get']>>; port: number }) {
  expect(failed.storeWrites).toBe(0);
  expect(batch.notifier.take()).toEqual([]);
  expect(await batch.table.get(renewal.soon)).toEqual(renewal.before);

  const retried = await batch.run(at(1.1));
  expect(retried).toMatchObject({ storeFailures: [], summaryUse: { invalidations: 1, written: true } });
  expect(batch.notifier.take()).toEqual([`recovery/urgent/127.0.0.1:${renewal.port}/owners+oncall`]);
}

const throttled = () => Object.assign(new Error('ThrottlingException: Rate of requests exceeds the allowed throughput'), { name: 'ThrottlingException' });

test('a renewal whose summary write fails, then the old certificate served again: the next run reads it and alerts', async () => {
  const { expiring, renewed, batch, soon, port } = await renewableBatch();

  // Hour 1: renewed. The state is folded (recovery sent); the summary's write once the state is written fails.
  batch.serve(0, renewed);
  let stateWritten = false;
  const renewing = summariesThrough(batch.summaries, () => (stateWritten ? throttled() : null));
  const store = Object.assign(
    storeWith(batch.table, {
      put: async (state, expected) => {
        const stored = await batch.table.put(state, expected);
        stateWritten = true;
        return stored;
      },
    }),
    { getMany: (ids: readonly string[]) => batch.table.getMany(ids) },
  );
  const hour1 = await batch.run(at(1), renewing.store, store);
  expect(batch.notifier.take()).toEqual([`recovery/urgent/127.0.0.1:${port}/owners+oncall`]);
  expect(hour1.summaryUse).toMatchObject({ invalidations: 1, written: false, problem: expect.stringMatching(/ThrottlingException/) });
  expect((await batch.table.get(soon))?.certificate?.notAfter).toBe(renewed.cert.notAfter.toISOString());

  // Hour 2: the expiring certificate is served again (a rollback). It must be read, folded and alerted at once.
  batch.serve(0, expiring);
  const hour2 = await batch.run(at(2));
  expect(hour2.summaryUse.unread).toBe(1);
  expect(batch.notifier.take()).toEqual([`expiry/urgent/127.0.0.1:${port}/owners+oncall`]);
  expect((await batch.table.get(soon))?.history.map((entry) => entry.event)).toContain('replaced');
  expect((await batch.table.get(soon))?.certificate?.notAfter).toBe(expiring.cert.notAfter.toISOString());
});

test('an entry that cannot be removed first: the certificate is not folded (the batch fails) and the retry folds it', async () => {
  const { renewed, batch, soon, port } = await renewableBatch();
  const before = await batch.table.get(soon);

  batch.serve(0, renewed);
  const throttling = summariesThrough(batch.summaries, throttled);
  const failed = await batch.run(at(1), throttling.store);
  expect(failed.storeFailures).toEqual([{ certificateId: soon, message: expect.stringMatching(/^its summary entry could not be removed before its new state was written, so it was not folded: ThrottlingException/) }]);
  await retryFoldsRenewal(batch, failed, { soon, before, port });
});

test('a steady run removes nothing: no write beyond what it did before', async () => {
  const [expiring, far] = await Promise.all([leafExpiringIn(10), leafExpiringIn(300)]);
  const batch = await batchServing([expiring, far]);
  await batch.run(at(0));
  const watching = summariesThrough(batch.summaries);
  const steady = await batch.run(at(1), watching.store);
  expect(steady).toMatchObject({ storeWrites: 0, summaryUse: { unread: 2, invalidations: 0, written: false } });
  expect(watching.writes).toEqual([]);
});

test('an entry merely due by time is not removed first: it stays due, so a summary write that fails still leaves the certificate read', async () => {
  const { expiring, renewed, batch, soon, port } = await renewableBatch();

  // Nearly a day on, the urgent stage's repeat is due: the entry is, whatever is served. A renewal is folded without
  // a removal first, and the summary's write fails.
  batch.serve(0, renewed);
  const failing = summariesThrough(batch.summaries, throttled);
  const due = await batch.run(day(0.999), failing.store);
  expect(due.summaryUse).toMatchObject({ read: 1, invalidations: 0, written: false });
  expect(failing.writes).toHaveLength(1);
  expect(Object.keys(failing.writes[0].entries)).toContain(soon);
  expect(batch.notifier.take()).toEqual([`recovery/urgent/127.0.0.1:${port}/owners+oncall`]);

  // The old certificate again: the stale entry is still due, so it is read and alerted.
  batch.serve(0, expiring);
  const after = await batch.run(day(0.9995));
  expect(after.summaryUse).toMatchObject({ read: 1, unread: 1 });
  expect(batch.notifier.take()).toEqual([`expiry/urgent/127.0.0.1:${port}/owners+oncall`]);
});

test('another worker removes an entry while this one removes its own: neither entry comes back, and the retry of the removal wins', async () => {
  const [expiring, renewed, otherExpiring] = await Promise.all([leafExpiringIn(10), leafExpiringIn(90), leafExpiringIn(20)]);
  const batch = await batchServing([expiring, otherExpiring]);
  const [, other] = batch.ids;
  await batch.run(at(0));
  batch.notifier.take();

  // This worker sees `soon` renewed and `other` as before (a stale node); another worker on the same batch has just
  // removed `other`'s entry (it saw `other` change) when this one's first removal is written.
  batch.serve(0, renewed);
  let raced = false;
  const racing = summariesThrough(batch.summaries, () => null);
  const store: BatchSummaryStore = {
    readBatchSummary: (key, options) => batch.summaries.readBatchSummary(key, options),
    writeBatchSummary: async (next, expectedVersion) => {
      if (!raced) {
        raced = true;
        const theirs = await batch.summaries.readBatchSummary(next.key, { consistent: true });
        await batch.summaries.writeBatchSummary(withoutEntries(theirs.summary!, [other]), theirs.storedVersion);
      }
      return racing.store.writeBatchSummary(next, expectedVersion);
    },
  };
  const raced1 = await batch.run(at(1), store);
  expect(raced1.summaryUse).toMatchObject({ invalidations: 1, written: true, problem: null });
  const stored = (await batch.summaries.readBatchSummary(racing.writes[0].key)).summary!;
  // Neither `other` (this worker trusted its old entry, the other worker removed it) nor `soon` (folded here).
  expect(Object.keys(stored.entries)).toEqual([]);
  expect(racing.writes.map((write) => Object.keys(write.entries).sort())).toEqual([[other], [], []]);
});

test('removals asked for while a write is in flight go together in the next write', async () => {
  const table = await suite.dynamo.createStore();
  const real = new DynamoDbBatchSummaries({ client: suite.dynamo.client, tableName: table.tableName });
  const key = batchSummaryKey({ targets: ['a', 'b', 'c', 'd', 'e'] });
  const entry = { observed: 'x', dueAt: day(1).toISOString(), stage: null };
  const written = await real.writeBatchSummary({ key, entries: { a: entry, b: entry, c: entry, d: entry, e: entry }, journalSequence: 0, writtenAt: day(0).toISOString(), version: 0 }, 0);
  const counted = summariesThrough(real);
  const invalidation = new SummaryInvalidation(counted.store, key, { summary: written, storedVersion: written.version });

  const first = invalidation.remove('a');
  await new Promise((resolve) => setImmediate(resolve)); // the first write is in flight
  await Promise.all([first, invalidation.remove('b'), invalidation.remove('c'), invalidation.remove('z')]);
  expect(counted.writes.map((write) => Object.keys(write.entries))).toEqual([
    ['b', 'c', 'd', 'e'],
    ['d', 'e'],
  ]);
  expect(invalidation.writes).toBe(2);
  expect(Object.keys((await real.readBatchSummary(key)).summary!.entries)).toEqual(['d', 'e']);
});

// The batch's own read of its summary failing, or its change journal unreadable: no entry is trusted, and still every
// entry is removed before its certificate's new state is written (else the renewal below, then a rollback, would leave
// the old certificate unread and silent until its entry's due time).

/** The summaries through a wrapper whose reads fail as `failRead` says (by whether the read is consistent). */
function summariesReading(real: DynamoDbBatchSummaries, failRead: (consistent: boolean) => Error | null) {
  const reads: boolean[] = [];
  const keys = new Set<string>();
  const store: BatchSummaryStore = {
    readBatchSummary: (key, options) => {
      const consistent = options?.consistent ?? false;
      reads.push(consistent);
      keys.add(key);
      const failure = failRead(consistent);
      return failure ? Promise.reject(failure) : real.readBatchSummary(key, options);
    },
    writeBatchSummary: (next, expectedVersion) => real.writeBatchSummary(next, expectedVersion),
  };
  /** The entries of the batch's summary as stored now. */
  const storedEntries = async () => {
    expect(keys.size).toBe(1);
    return Object.keys((await real.readBatchSummary([...keys][0], { consistent: true })).summary?.entries ?? {});
  };
  return { store, reads, storedEntries };
}

/** Hour 2 of a renewal folded at hour 1: the expiring certificate served again must be read and alerted at once. */
async function rollbackIsAlerted(batch: Batch, expiring: Issued, soon: string, port: number) {
  batch.serve(0, expiring);
  const hour2 = await batch.run(at(2));
  expect(hour2.summaryUse).toMatchObject({ unread: 1, distrust: null });
  expect(batch.notifier.take()).toEqual([`expiry/urgent/127.0.0.1:${port}/owners+oncall`]);
  expect((await batch.table.get(soon))?.certificate?.notAfter).toBe(expiring.cert.notAfter.toISOString());
}

test('a renewal in a run whose summary read failed: the summary is read again first, the entry removed, and a rollback next run is alerted', async () => {
  const { expiring, renewed, batch, soon, port } = await renewableBatch();
  const [, far] = batch.ids;

  batch.serve(0, renewed);
  const flaky = summariesReading(batch.summaries, (consistent) => (consistent ? null : throttled()));
  const hour1 = await batch.run(at(1), flaky.store);
  expect(flaky.reads).toEqual([false, true]); // the batch's read, then once again (consistently) before the first fold
  expect(hour1.summaryUse).toMatchObject({ read: 2, unread: 0, distrust: 'its summary could not be read', invalidations: 1, written: false, problem: expect.stringMatching(/ThrottlingException/) });
  expect(batch.notifier.take()).toEqual([`recovery/urgent/127.0.0.1:${port}/owners+oncall`]);
  expect(await flaky.storedEntries()).toEqual([far]);

  await rollbackIsAlerted(batch, expiring, soon, port);
});

test('a summary that cannot be read at all: no certificate is folded (the batch fails, nothing sent) and the retry folds the renewal', async () => {
  const { renewed, batch, soon, port } = await renewableBatch();
  const before = await batch.table.get(soon);

  batch.serve(0, renewed);
  const down = summariesReading(batch.summaries, () => throttled());
  const failed = await batch.run(at(1), down.store);
  expect(down.reads).toEqual([false, true]); // read again once for the run, not once per certificate
  expect(failed.storeFailures).toEqual(
    batch.ids.map((certificateId) => ({ certificateId, message: expect.stringMatching(/^its summary could not be read to remove its entry before its new state was written, so it was not folded: .*ThrottlingException/) })),
  );
  await retryFoldsRenewal(batch, failed, { soon, before, port });
});

test('a renewal while the change journal is unreadable: nothing is trusted, the entry is still removed first, and once the journal is deleted a rollback is alerted', async () => {
  const { expiring, renewed, batch, soon, port } = await renewableBatch();
  const [, far] = batch.ids;
  await suite.dynamo.client.send(new PutItemCommand({ TableName: batch.table.tableName, Item: { certificateId: { S: JOURNAL_KEY }, version: { N: '1' }, sequence: { N: '1' }, recent: { S: '[' } } }));

  batch.serve(0, renewed);
  const watching = summariesReading(batch.summaries, () => null);
  const hour1 = await batch.run(at(1), watching.store);
  expect(hour1.summaryUse).toMatchObject({
    read: 2,
    unread: 0,
    distrust: 'its change journal could not be read',
    invalidations: 1,
    written: false,
    problem: expect.stringContaining(`its change journal could not be read, so every state was: the change journal ${JOURNAL_KEY}`),
  });
  expect(batch.notifier.take()).toEqual([`recovery/urgent/127.0.0.1:${port}/owners+oncall`]);
  expect(await watching.storedEntries()).toEqual([far]);

  // As the error says: the item is deleted. The summary is trusted again, less the entry removed.
  await suite.dynamo.client.send(new DeleteItemCommand({ TableName: batch.table.tableName, Key: { certificateId: { S: JOURNAL_KEY } } }));
  await rollbackIsAlerted(batch, expiring, soon, port);
});
