import type { BatchSummary } from '../../functions/core/batch-summary';
import type { BatchSummaryStore, StateBatchReader, StateStore } from '../../functions/core/ports';
import { createResolver } from '../../functions/probes/dns/create-resolver';
import { TlsProbe } from '../../functions/probes/tls-probe';
import { DynamoDbBatchSummaries } from '../../functions/store/dynamodb-batch-summaries';
import { watchBatch } from '../../functions/use-cases/watch-batch';
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

const throttled = () => Object.assign(new Error('ThrottlingException: Rate of requests exceeds the allowed throughput'), { name: 'ThrottlingException' });

test.failing('a renewal whose summary write fails, then the old certificate served again: the next run reads it and alerts', async () => {
  const [expiring, renewed, far] = await Promise.all([leafExpiringIn(10), leafExpiringIn(90), leafExpiringIn(300)]);
  const batch = await batchServing([expiring, far]);
  const [soon] = batch.ids;
  const port = batch.servers[0].port;
  await batch.run(at(0));
  expect(batch.notifier.take()).toEqual([`expiry/urgent/127.0.0.1:${port}/owners+oncall`]);

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
  expect(hour1.summaryUse.problem).toMatch(/ThrottlingException/);
  expect((await batch.table.get(soon))?.certificate?.notAfter).toBe(renewed.cert.notAfter.toISOString());

  // Hour 2: the expiring certificate is served again (a rollback). It must be read, folded and alerted at once.
  batch.serve(0, expiring);
  const hour2 = await batch.run(at(2));
  expect(hour2.summaryUse.unread).toBe(1);
  expect(batch.notifier.take()).toEqual([`expiry/urgent/127.0.0.1:${port}/owners+oncall`]);
  expect((await batch.table.get(soon))?.history.map((entry) => entry.event)).toContain('replaced');
  expect((await batch.table.get(soon))?.certificate?.notAfter).toBe(expiring.cert.notAfter.toISOString());
});
