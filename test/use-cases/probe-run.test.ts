import type { ProbeBatchQueue } from '../../functions/core/ports';
import type { ProbeBatchMessage, WatchPlan } from '../../functions/core/watch-plan';
import { DynamoDbProbeRunTracker } from '../../functions/store/dynamodb-probe-run-tracker';
import { finishBatch, startProbeRun } from '../../functions/use-cases/probe-run';
import { startDynalite, type DynaliteHarness } from '../support/dynalite';

// A deployed probe run's bookkeeping: started by the scheduled function, completed by the worker that finishes its
// last batch, with the progress item and the ledger on dynalite.

let dynamo: DynaliteHarness;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo.close());

const plan: WatchPlan = { version: 1, shared: { audiences: { owners: {}, oncall: {} } }, batches: [['a.test'], ['b.test'], ['c.test']], batchLifetimeMs: 3_600_000 };

/** A queue double for our own port: records, or fails like SQS. */
class RecordingQueue implements ProbeBatchQueue {
  readonly messages: ProbeBatchMessage[] = [];
  failing = false;
  async send(messages: readonly ProbeBatchMessage[]): Promise<void> {
    if (this.failing) throw new Error('3 of 3 probe batches could not be sent to the probe queue');
    this.messages.push(...messages);
  }
}

async function setUp() {
  const store = await dynamo.createStore();
  return { store, tracker: new DynamoDbProbeRunTracker({ client: dynamo.client, tableName: store.tableName }), queue: new RecordingQueue() };
}

test('a run sends every batch of the plan, each naming the run and expiring a schedule period after it was sent', async () => {
  const { store, tracker, queue } = await setUp();
  const now = new Date('2026-12-01T09:00:00Z');
  const run = await startProbeRun(plan, { tracker, queue, store, now, runId: 'run-1' });
  expect(run).toEqual({ runId: 'run-1', batches: 3, startedAt: '2026-12-01T09:00:00.000Z' });
  expect(queue.messages.map((m) => [m.runId, m.batch, m.batches, m.expiresAt, m.config.targets])).toEqual([
    ['run-1', 0, 3, '2026-12-01T10:00:00.000Z', ['a.test']],
    ['run-1', 1, 3, '2026-12-01T10:00:00.000Z', ['b.test']],
    ['run-1', 2, 3, '2026-12-01T10:00:00.000Z', ['c.test']],
  ]);
});

test('the worker that finishes the last batch records the run in the ledger, where status shows when the watcher last ran', async () => {
  const { store, tracker, queue } = await setUp();
  await startProbeRun(plan, { tracker, queue, store, now: new Date('2026-12-01T09:00:00Z'), runId: 'run-1' });
  const at = (minute: number) => new Date(`2026-12-01T09:0${minute}:00Z`);
  expect(await finishBatch('run-1', { tracker, store, now: at(1) })).toBeNull();
  expect(await finishBatch('run-1', { tracker, store, now: at(2) })).toBeNull();
  expect((await store.getLedger()).lastRunAt).toBeNull();
  expect(await finishBatch('run-1', { tracker, store, now: at(3) })).toMatchObject({ runId: 'run-1', startedAt: '2026-12-01T09:00:00.000Z' });
  expect((await store.getLedger()).lastRunAt).toBe('2026-12-01T09:03:00.000Z');
});

test('a start that failed to send is retried as a new run, which supersedes it: the first one\'s batches never complete a run', async () => {
  const { store, tracker, queue } = await setUp();
  queue.failing = true;
  await expect(startProbeRun(plan, { tracker, queue, store, now: new Date('2026-12-01T09:00:00Z'), runId: 'attempt-1' })).rejects.toThrow('could not be sent');
  queue.failing = false;
  await startProbeRun(plan, { tracker, queue, store, now: new Date('2026-12-01T09:00:30Z'), runId: 'attempt-2' });
  for (let i = 0; i < 3; i++) expect(await finishBatch('attempt-1', { tracker, store, now: new Date() })).toBeNull();
  const finished = await Promise.all([0, 1, 2].map(() => finishBatch('attempt-2', { tracker, store, now: new Date() })));
  expect(finished.filter(Boolean).map((run) => run!.runId)).toEqual(['attempt-2']);
});

test('a plan of no batch (ACM and IAM only) is a run complete as it starts, in the ledger like any other', async () => {
  const { store, tracker, queue } = await setUp();
  const empty: WatchPlan = { ...plan, batches: [] };
  expect(await startProbeRun(empty, { tracker, queue, store, now: new Date('2026-12-01T09:00:00Z'), runId: 'run-0' })).toMatchObject({ batches: 0 });
  expect(queue.messages).toEqual([]);
  expect((await store.getLedger()).lastRunAt).toBe('2026-12-01T09:00:00.000Z');
});
