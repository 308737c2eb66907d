import { probeBatchMessage, type WatchPlan } from '../../functions/core/watch-plan';
import { createSqsClient, ProbeQueueError, SqsProbeBatchQueue } from '../../functions/queue/sqs-probe-queue';
import { startFakeSqs, type FakeSqs } from '../support/aws-fakes';
import { LOOPBACK_CLIENT_SETTINGS } from '../support/dynalite';

// The probe queue adapter against a fake SQS on loopback speaking the SDK's JSON protocol (the SDK checks the MD5
// of every body it sent, so the fake computes them as SQS does).

let sqs: FakeSqs;
beforeAll(async () => {
  sqs = await startFakeSqs();
});
afterAll(() => sqs.close());
beforeEach(() => {
  sqs.sent.length = 0;
  sqs.requests = 0;
  sqs.refuseOnce.clear();
});

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/111111111111/certwatch-probe';

function queue() {
  return new SqsProbeBatchQueue(QUEUE_URL, { client: createSqsClient({ endpoint: sqs.endpoint, ...LOOPBACK_CLIENT_SETTINGS, maxAttempts: 1 }) });
}

function messages(count: number, targetsEach = 1, padding = 0) {
  const plan: WatchPlan = {
    version: 1,
    shared: { audiences: { owners: {}, oncall: {} } },
    batches: Array.from({ length: count }, (_, b) => Array.from({ length: targetsEach }, (_, t) => ({ target: `h${b}-${t}.test`, ...(padding ? { tags: { note: 'x'.repeat(padding) } } : {}) }))),
    batchLifetimeMs: 3_600_000,
  };
  return plan.batches.map((_, batch) => probeBatchMessage(plan, batch, { runId: 'run-1', sentAt: new Date('2026-12-01T09:00:00Z') }));
}

test('sends every batch, ten to a request, each as its JSON', async () => {
  const batches = messages(25);
  await queue().send(batches);
  expect(sqs.requests).toBe(3);
  expect(sqs.sent.map((m) => JSON.parse(m.body).batch).sort((a, b) => a - b)).toEqual(batches.map((m) => m.batch));
  expect(sqs.sent.every((m) => m.queueUrl === QUEUE_URL)).toBe(true);
});

test('a request also stays within SQS\'s 256 KiB: large batches go fewer to a request', async () => {
  // Six batches of about 60 KB: four fit in 256 KiB, not five.
  await queue().send(messages(6, 60, 900));
  expect(sqs.sent).toHaveLength(6);
  expect(sqs.requests).toBe(2);
});

test('an entry SQS refuses for a passing reason is sent again', async () => {
  sqs.refuseOnce.add('batch-3');
  await queue().send(messages(5));
  expect(sqs.sent).toHaveLength(5);
  expect(sqs.requests).toBe(2);
});

test('what cannot be sent at all is an error saying how many batches, and why', async () => {
  const client = createSqsClient({ endpoint: 'http://127.0.0.1:9', ...LOOPBACK_CLIENT_SETTINGS, maxAttempts: 1 });
  const unreachable = new SqsProbeBatchQueue(QUEUE_URL, { client });
  const sending = unreachable.send(messages(2));
  await expect(sending).rejects.toBeInstanceOf(ProbeQueueError);
  await expect(sending).rejects.toThrow(/^2 of 2 probe batches could not be sent to the probe queue: batch-0: /);
});
