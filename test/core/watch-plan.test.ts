import { parseConfig } from '../../functions/core/config';
import {
  InvalidBatchError,
  parseProbeBatch,
  parseWatchPlan,
  planBatches,
  planConfig,
  probeBatchMessage,
  probeCapacity,
  largestBatchSize,
  type WatchPlan,
} from '../../functions/core/watch-plan';

const shared = { audiences: { owners: {}, oncall: {} }, check: { timeoutMs: 5000 } };
const plan: WatchPlan = { version: 1, shared, batches: [['a.test', 'b.test'], [{ target: 'c.test', owner: 'payments' }]], batchLifetimeMs: 3_600_000 };

describe('planBatches', () => {
  test('cuts the targets in config order, at most maxTargets a batch', () => {
    expect(planBatches(['a', 'b', 'c', 'd', 'e'], { maxTargets: 2 })).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  test('also at most maxBytes of JSON a batch, so that a message stays within SQS\'s limit', () => {
    const big = { target: 'big.test', tags: { note: 'x'.repeat(60) } };
    const batches = planBatches([big, big, big], { maxTargets: 100, maxBytes: 2 * (JSON.stringify(big).length + 1) });
    expect(batches.map((batch) => batch.length)).toEqual([2, 1]);
  });

  test('a target that alone exceeds a batch is refused, naming it', () => {
    expect(() => planBatches([{ target: 'huge.test', tags: { note: 'x'.repeat(500) } }], { maxTargets: 10, maxBytes: 100 })).toThrow(/target huge\.test alone is \d+ bytes as JSON, over a batch's 100/);
  });
});

describe('probe batch messages', () => {
  const sentAt = new Date('2026-12-01T09:00:00Z');

  test('a message is the batch\'s own config: the shared part and its targets, parsed by the config validator', () => {
    const message = probeBatchMessage(plan, 1, { runId: 'run-1', sentAt });
    expect(message).toEqual({
      version: 1,
      runId: 'run-1',
      batch: 1,
      batches: 2,
      sentAt: '2026-12-01T09:00:00.000Z',
      expiresAt: '2026-12-01T10:00:00.000Z',
      config: { ...shared, targets: [{ target: 'c.test', owner: 'payments' }] },
    });
    const { config } = parseProbeBatch(JSON.stringify(message));
    expect(config).toEqual(parseConfig({ ...shared, targets: [{ target: 'c.test', owner: 'payments' }] }));
  });

  test.each([
    ['not JSON', 'the message is not JSON'],
    [JSON.stringify({ version: 1, runId: 'r', batch: 0 }), 'not a probe batch: batches: Invalid input'],
    [JSON.stringify({ ...probeBatchMessage(plan, 0, { runId: 'r', sentAt }), batch: 5 }), 'batch 5 of a run of 2 batches'],
    [JSON.stringify({ ...probeBatchMessage(plan, 0, { runId: 'r', sentAt }), config: { ...shared, targets: [] } }), 'batch 1/2 of run r: targets: watch at least one target'],
  ])('a malformed message is an InvalidBatchError saying why: %s', (body, reason) => {
    expect(() => parseProbeBatch(body)).toThrow(InvalidBatchError);
    expect(() => parseProbeBatch(body)).toThrow(reason);
  });

  test('the whole plan parses as one config (the digest lists every batch\'s targets)', () => {
    expect(planConfig(plan, 'watch-plan.json').targets.map((t) => t.target)).toEqual(['a.test', 'b.test', 'c.test']);
    expect(() => parseWatchPlan({ ...plan, version: 2 }, 'watch-plan.json')).toThrow('watch-plan.json: version: Invalid input: expected 1');
  });
});

describe('probeCapacity: the arithmetic of a deployed run', () => {
  const defaults = { concurrency: 16, timeoutMs: 10_000, maxAddresses: 16 };

  test('the default batch is the largest whose worst case fits in Lambda\'s 15 minutes: 83 targets', () => {
    // A lookup (10 s), ceil(83 x 16 addresses / 16) = 83 waves of 10 s, a minute for the table and SNS: 900 s.
    expect(largestBatchSize(defaults, 100)).toBe(83);
    expect(probeCapacity({ ...defaults, targets: 83, batchSize: 83, workers: 1 }).worstBatchMs).toBe(900_000);
    expect(probeCapacity({ ...defaults, targets: 84, batchSize: 84, workers: 1 }).worstBatchMs).toBeGreaterThan(900_000);
    // One address per name: a batch of 100 fits easily.
    expect(largestBatchSize({ ...defaults, maxAddresses: 1 }, 100)).toBe(100);
    expect(largestBatchSize({ ...defaults, timeoutMs: 600_000 }, 100)).toBe(0);
  });

  test('100,000 targets, the default batch, 50 workers: a run in which every target times out ends in 54 minutes', () => {
    expect(probeCapacity({ ...defaults, targets: 100_000, batchSize: 83, workers: 50 })).toEqual({
      batches: 1205,
      probesPerWorker: 16,
      worstBatchMs: 900_000,
      // One address each: 10 s lookup + ceil(83 / 16) = 6 waves of 10 s + 60 s = 130 s a batch; ceil(1205 / 50) = 25 waves.
      worstRunMs: 25 * 130_000,
    });
  });

  test('a worker never probes more than 256 at once (a Lambda has 1,024 file descriptors)', () => {
    expect(probeCapacity({ ...defaults, concurrency: 1000, targets: 1000, batchSize: 500, workers: 2 }).probesPerWorker).toBe(256);
  });
});
