import { DynamoDbProbeRunTracker, PROBE_RUN_KEY } from '../../functions/store/dynamodb-probe-run-tracker';
import { startDynalite, type DynaliteHarness } from '../support/dynalite';

// Tier 2: a deployed run's progress item on dynalite: counted per batch, finished exactly once, superseded by the next run.

let dynamo: DynaliteHarness;
beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(() => dynamo.close());

async function tracker() {
  const store = await dynamo.createStore();
  return { store, tracker: new DynamoDbProbeRunTracker({ client: dynamo.client, tableName: store.tableName }) };
}

const at = new Date('2026-12-01T09:05:00Z');

test('the batch that completes a run learns it, once; the others learn nothing', async () => {
  const { tracker: runs } = await tracker();
  await runs.begin({ runId: 'run-1', batches: 3, startedAt: '2026-12-01T09:00:00.000Z' });
  const done = await Promise.all([runs.batchDone('run-1', at), runs.batchDone('run-1', at), runs.batchDone('run-1', at)]);
  expect(done.filter(Boolean)).toEqual([{ runId: 'run-1', batches: 3, startedAt: '2026-12-01T09:00:00.000Z' }]);
  // A batch counted twice (offered again after its count was written) does not finish the run a second time.
  expect(await runs.batchDone('run-1', at)).toBeNull();
});

test('a new run supersedes the last: batches of the old one no longer count', async () => {
  const { tracker: runs } = await tracker();
  await runs.begin({ runId: 'old', batches: 1, startedAt: '2026-12-01T08:00:00.000Z' });
  await runs.begin({ runId: 'new', batches: 1, startedAt: '2026-12-01T09:00:00.000Z' });
  expect(await runs.batchDone('old', at)).toBeNull();
  expect(await runs.batchDone('new', at)).toMatchObject({ runId: 'new' });
});

test('the progress item is not a certificate: listings skip it', async () => {
  const { store, tracker: runs } = await tracker();
  await runs.begin({ runId: 'run-1', batches: 1, startedAt: '2026-12-01T09:00:00.000Z' });
  expect(PROBE_RUN_KEY.startsWith('certwatch#')).toBe(true);
  expect(await store.list()).toEqual({ states: [], unreadable: [] });
});

test('a failure names the table and the run item', async () => {
  const runs = new DynamoDbProbeRunTracker({ client: dynamo.client, tableName: 'certwatch-no-such-table' });
  await expect(runs.begin({ runId: 'r', batches: 1, startedAt: '2026-12-01T09:00:00.000Z' })).rejects.toThrow(
    /^DynamoDB PutItem on table certwatch-no-such-table for the probe run failed: ResourceNotFoundException/,
  );
});
