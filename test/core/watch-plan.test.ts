import { DEPLOYED_PROBES_PER_WORKER } from '../../functions/core/check-settings';
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
  PREFERRED_BATCH_SIZE,
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
  const HOUR = 3_600_000;
  const defaults = { concurrency: DEPLOYED_PROBES_PER_WORKER, timeoutMs: 10_000, maxAddresses: 16, periodMs: HOUR };

  test('the default batch: 250 targets, whose worst case leaves a failed batch its two retries within the hour', () => {
    // A lookup (10 s), ceil(250 x 16 addresses / 256) = 16 waves of 10 s, a minute for the table and SNS: 230 s.
    expect(largestBatchSize(defaults, PREFERRED_BATCH_SIZE)).toBe(250);
    expect(probeCapacity({ ...defaults, targets: 250, batchSize: 250, workers: 1 })).toMatchObject({ worstBatchMs: 230_000, visibilityTimeoutMs: 1_380_000, retriesWithinPeriod: 2 });
    // Retries 23 and 46 minutes after the first attempt began. Up to 320 targets the second still comes inside the
    // hour (13 worker timeouts of at most 276 s); 336 would make the timeout 280 s.
    expect(largestBatchSize(defaults, 400)).toBe(320);
    expect(probeCapacity({ ...defaults, targets: 336, batchSize: 336, workers: 1 }).retriesWithinPeriod).toBe(1);
  });

  test('fewer handshakes at once make smaller batches: check.concurrency 16 gives 20', () => {
    expect(largestBatchSize({ ...defaults, concurrency: 16 }, PREFERRED_BATCH_SIZE)).toBe(20);
    expect(probeCapacity({ ...defaults, concurrency: 16, targets: 20, batchSize: 20, workers: 1 })).toMatchObject({ worstBatchMs: 270_000, retriesWithinPeriod: 2 });
  });

  test('a period too short for any retry: the largest batch that fits in Lambda\'s 15 minutes, no retry within the period', () => {
    const fiveMinutes = { ...defaults, periodMs: 5 * 60_000 };
    expect(largestBatchSize(fiveMinutes, PREFERRED_BATCH_SIZE)).toBe(250);
    expect(probeCapacity({ ...fiveMinutes, targets: 250, batchSize: 250, workers: 1 }).retriesWithinPeriod).toBe(0);
    // 16 handshakes at once and 16 addresses a name: one wave a target; 83 of them and the rest fill 15 minutes.
    expect(largestBatchSize({ ...fiveMinutes, concurrency: 16 }, 1000)).toBe(83);
    expect(largestBatchSize({ ...defaults, timeoutMs: 600_000 }, PREFERRED_BATCH_SIZE)).toBe(0);
  });

  test('100,000 targets, the default batch, 50 workers: a run in which every target times out ends in 11 minutes', () => {
    expect(probeCapacity({ ...defaults, targets: 100_000, batchSize: 250, workers: 50 })).toEqual({
      batches: 400,
      probesPerWorker: 256,
      worstBatchMs: 230_000,
      // One address each: 10 s lookup + ceil(250 / 256) = 1 wave of 10 s + 60 s = 80 s a batch; ceil(400 / 50) = 8 waves.
      worstRunMs: 8 * 80_000,
      visibilityTimeoutMs: 6 * 230_000,
      retriesWithinPeriod: 2,
    });
  });

  test('a worker never probes more than 256 at once (a Lambda has 1,024 file descriptors)', () => {
    expect(probeCapacity({ ...defaults, concurrency: 1000, targets: 1000, batchSize: 500, workers: 2 }).probesPerWorker).toBe(256);
  });
});
