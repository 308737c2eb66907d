import { ProbeError, type CertificateProbe, type StateBatchReader, type StateStore } from '../../functions/core/ports';
import { TlsProbe } from '../../functions/probes/tls-probe';
import { createResolver } from '../../functions/probes/dns/create-resolver';
import { acknowledgeCertificate } from '../../functions/use-cases/acknowledge-certificate';
import { watchBatch } from '../../functions/use-cases/watch-batch';
import type { DynamoDbStateStore } from '../../functions/store/dynamodb-state-store';
import { storeWith } from '../support/store-wrapper';
import { day, RecordingNotifier, watchRunSuite } from '../support/watch-run';

// Tier 2: a deployed worker's batch, through the real probe (TLS servers on loopback) and the real DynamoDB adapter
// (dynalite): the same watch as a local run, reading only the batch's items, eventually consistent.

const idOf = (port: number) => `tls:127.0.0.1:${port}/run.test`;
const suite = watchRunSuite();
const { serverExpiringIn, configFor } = suite;

/** A batch store: `store`, with getMany (and the rest) as given. */
function batchStore(store: DynamoDbStateStore, overrides: Partial<StateStore & StateBatchReader> = {}): StateStore & StateBatchReader {
  return Object.assign(storeWith(store, overrides), { getMany: overrides.getMany ?? ((ids: readonly string[]) => store.getMany(ids)) });
}

function watch(config: ReturnType<typeof configFor>, store: StateStore & StateBatchReader, notifier: RecordingNotifier, now: Date, probe: CertificateProbe = new TlsProbe()) {
  return watchBatch(config, { probe, resolver: createResolver(), store, notifier, now });
}

test('a batch reads its own certificates only (no Scan), stores them and alerts like a run', async () => {
  const table = await suite.dynamo.createStore();
  const soon = await serverExpiringIn(10, 'run.test');
  const later = await serverExpiringIn(300, 'run.test');
  const asked: string[][] = [];
  const store = batchStore(table, {
    list: () => Promise.reject(new Error('a batch must not list the table')),
    getMany: (ids) => (asked.push([...ids]), table.getMany(ids)),
  });
  const notifier = new RecordingNotifier();
  const config = configFor([`127.0.0.1:${soon.port}`, `127.0.0.1:${later.port}`, 'not a target']);

  const summary = await watch(config, store, notifier, day(0));
  expect(asked).toEqual([[idOf(soon.port), idOf(later.port)]]);
  expect(summary).toMatchObject({ targets: 3, byStatus: { warning: 1, ok: 1, error: 1 }, notificationsSent: 1, storeFailures: [], conflicts: [] });
  expect(summary.invalidTargets.map((t) => t.certificateId)).toEqual(['not a target']);
  expect(summary.states.map((s) => s.certificateId)).toEqual([idOf(soon.port), idOf(later.port)]);
  expect(notifier.take()).toEqual([`expiry/urgent/127.0.0.1:${soon.port}/owners+oncall`]);

  const quiet = await watch(config, store, notifier, day(0.1));
  expect(quiet).toMatchObject({ notificationsSent: 0, storeWrites: 0 });
});

test('a stale read fails its write; the fold is made again from a consistent read, so an acknowledgement made meanwhile holds', async () => {
  const table = await suite.dynamo.createStore();
  const server = await serverExpiringIn(10, 'run.test');
  const config = configFor([`127.0.0.1:${server.port}`]);
  const notifier = new RecordingNotifier();
  await watch(config, batchStore(table), notifier, day(0));
  expect(notifier.take()).toHaveLength(1);

  // What an eventually consistent read may still return: the state before the acknowledgement.
  const beforeAck = await table.getMany([idOf(server.port)]);
  await acknowledgeCertificate(table, idOf(server.port), { at: day(0.5) });
  const stale = batchStore(table, { getMany: () => Promise.resolve(beforeAck) });

  // A day later the urgent stage would repeat; folded from the stale state it would, from the fresh one it must not.
  const summary = await watch(config, stale, notifier, day(1.5));
  expect(summary).toMatchObject({ notificationsSent: 0, conflicts: [], storeFailures: [] });
  expect(notifier.take()).toEqual([]);
  expect((await table.get(idOf(server.port)))?.acknowledgement).toMatchObject({ stage: 'urgent' });
});

test('a worker probes at most 256 targets at once, whatever check.concurrency says', async () => {
  const table = await suite.dynamo.createStore();
  let inFlight = 0;
  let most = 0;
  const slowFailingProbe: CertificateProbe = {
    probe: async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight--;
      throw new ProbeError('CONNECTION_REFUSED', 'refused');
    },
  };
  const targets = Array.from({ length: 300 }, (_, i) => `10.9.${Math.floor(i / 250)}.${(i % 250) + 1}:443`);
  const config = configFor(targets, { check: { concurrency: 1000, timeoutMs: 2000 } });
  const summary = await watch(config, batchStore(table), new RecordingNotifier(), day(0), slowFailingProbe);
  expect(summary.byStatus.error).toBe(300);
  expect(most).toBe(256);
});
