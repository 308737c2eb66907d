import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acmSummary, DEFAULT_ACCOUNT, FakeAcm, startAcmHttpFake, type AcmHttpFake } from '../support/acm-fake';
import { startFakeSns, startFakeSqs, type FakeSns, type FakeSqs, type QueuedMessage } from '../support/aws-fakes';
import { startDynalite, type DynaliteHarness } from '../support/dynalite';
import { startHttpProxy, type HttpProxy } from '../support/http-proxy';
import { chainFor, daysFromNow, issue } from '../support/pki';
import { startTlsServer, type RunningServer } from '../support/servers';
import { synthesizeDeployment, type SynthesizedDeployment } from '../support/synthesized-deployment';

// The deployed system, run in-process as Lambda would run it: the stack is synthesized with real bundling, and the
// bundles themselves (each asset's index.js, beside the files it ships: the watch plan, the CA files) are loaded
// and invoked, the scheduled function with a schedule's event, the worker with the SQS event the event source
// mapping would build from what the scheduled function sent. DynamoDB is dynalite on loopback; SNS and SQS are
// fakes on loopback speaking the SDK's protocols; the functions find all three through the SDK's standard endpoint
// resolution (AWS_ENDPOINT_URL_*), exactly as they find AWS.

type Handler<Event, Result> = (event: Event) => Promise<Result>;

let deployment: SynthesizedDeployment;
let dynamo: DynaliteHarness;
/** In front of dynalite: what the functions reach as DynamoDB, able to refuse every request. */
let dynamoProxy: HttpProxy;
let sns: FakeSns;
let sqs: FakeSqs;
let acm: AcmHttpFake;
const acmModel = new FakeAcm();
let soon: RunningServer;
let fine: RunningServer;
let scheduled: Handler<unknown, { runId: string; batches: number } | { sent: number }>;
let worker: Handler<SQSEvent, SQSBatchResponse>;
let inventory: Handler<unknown, { task: string; certificates: number; sent: number; listingFailures: number }>;
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:111111111111:certwatch-alerts';
const saved: Record<string, string | undefined> = {};

function setEnv(values: Record<string, string>): void {
  for (const [name, value] of Object.entries(values)) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
}

beforeAll(async () => {
  const { root, intermediate } = await chainFor(['unused.deploy.test']);
  // A year-long certificate (a short one's stages are capped at a fraction of its lifetime).
  const leafFor = (name: string, days: number) =>
    issue({ subject: `CN=${name}`, sans: [name], issuer: intermediate, notBefore: daysFromNow(days - 365), notAfter: daysFromNow(days, Date.now() + 60_000) });
  const [soonLeaf, fineLeaf] = await Promise.all([leafFor('soon.deploy.test', 10), leafFor('fine.deploy.test', 200)]);
  soon = await startTlsServer({ key: soonLeaf, chain: [soonLeaf, intermediate] });
  fine = await startTlsServer({ key: fineLeaf, chain: [fineLeaf, intermediate] });

  // The config as a user writes it, with a private CA by a relative path: read at synth, shipped in the bundle.
  const dir = mkdtempSync(join(tmpdir(), 'certwatch-deployed-'));
  writeFileSync(join(dir, 'private-root.pem'), root.certPem);
  writeFileSync(
    join(dir, 'certwatch.config.json'),
    JSON.stringify({
      targets: [
        { target: `127.0.0.1:${soon.port}`, servername: 'soon.deploy.test', owner: 'payments' },
        { target: `127.0.0.1:${fine.port}`, servername: 'fine.deploy.test' },
      ],
      check: { caFile: 'private-root.pem', timeoutMs: 5000 },
      audiences: { owners: { emails: ['team@example.com'] }, oncall: { sms: ['+15551234567'] } },
      digest: { notify: ['owners'], every: '1d' },
      acm: { regions: ['eu-west-1'] },
    }),
  );
  deployment = synthesizeDeployment(join(dir, 'certwatch.config.json'));

  [dynamo, sns, sqs] = await Promise.all([startDynalite(), startFakeSns(), startFakeSqs()]);
  acm = await startAcmHttpFake(acmModel);
  dynamoProxy = await startHttpProxy(dynamo.endpoint);
  setEnv({
    AWS_ENDPOINT_URL_ACM: acm.url,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoProxy.endpoint,
    AWS_ENDPOINT_URL_SNS: sns.endpoint,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    CERTWATCH_TABLE: dynamo.tableName,
    CERTWATCH_TOPIC_ARN: TOPIC_ARN,
    CERTWATCH_PROBE_QUEUE_URL: `${sqs.endpoint}/111111111111/certwatch-probe`,
    POWERTOOLS_SERVICE_NAME: 'deployed-test',
    // The functions' own log lines are part of what is checked (they are kept, not printed: see `written`).
    POWERTOOLS_LOG_LEVEL: 'INFO',
  });
  scheduled = (require(join(deployment.assets.scheduled, 'index.js')) as { handler: typeof scheduled }).handler;
  worker = (require(join(deployment.assets.worker, 'index.js')) as { handler: typeof worker }).handler;
  inventory = (require(join(deployment.assets.inventory!, 'index.js')) as { handler: typeof inventory }).handler;
}, 120_000);

afterAll(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await Promise.all([soon?.close(), fine?.close(), dynamoProxy?.close(), dynamo?.close(), sns?.close(), sqs?.close(), acm?.close()]);
});

/** The SQS event Lambda's event source mapping builds from queued messages (received `receiveCount` times). */
function sqsEvent(messages: readonly Pick<QueuedMessage, 'messageId' | 'body' | 'sentAt'>[], receiveCount = 1): SQSEvent {
  return {
    Records: messages.map((message) => ({
      messageId: message.messageId,
      receiptHandle: `receipt-${message.messageId}`,
      body: message.body,
      attributes: { ApproximateReceiveCount: String(receiveCount), SentTimestamp: String(message.sentAt), SenderId: 'AROAEXAMPLE', ApproximateFirstReceiveTimestamp: String(Date.now()) },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:111111111111:certwatch-probe',
      awsRegion: 'eu-west-1',
    })),
  };
}

/**
 * What the functions write to stdout and stderr (JSON logs, warnings and errors among them, embedded-format metrics),
 * kept for the assertions, not printed (unless DEBUG_E2E is set).
 */
const written: string[] = [];
beforeAll(() => {
  const printed = process.stderr.write.bind(process.stderr);
  const keep = (chunk: string | Uint8Array) => {
    written.push(String(chunk));
    if (process.env.DEBUG_E2E) printed(String(chunk));
    return true;
  };
  jest.spyOn(process.stdout, 'write').mockImplementation(keep);
  jest.spyOn(process.stderr, 'write').mockImplementation(keep);
});
afterAll(() => jest.restoreAllMocks());

/** Runs `action`, returning what it wrote to stdout too. */
async function capturingStdout<T>(action: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const from = written.length;
  const result = await action();
  return { result, lines: written.slice(from).join('').split('\n').filter(Boolean) };
}

/** The metric values in embedded-metric-format lines, by name. */
function metricsIn(lines: readonly string[]): Record<string, number[]> {
  const values: Record<string, number[]> = {};
  for (const line of lines) {
    let record: { _aws?: { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[] } } & Record<string, unknown>;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    for (const directive of record._aws?.CloudWatchMetrics ?? []) {
      expect(directive.Namespace).toBe('Certwatch');
      for (const { Name } of directive.Metrics) values[Name] = [...(values[Name] ?? []), ...[record[Name]].flat().map(Number)];
    }
    if (record._aws) expect(record.service).toBe('deployed-test');
  }
  return values;
}

/** One schedule tick: the scheduled function sends the run's batches, then a worker takes each of them. */
async function tick(): Promise<{ runId: string; responses: SQSBatchResponse[]; metrics: Record<string, number[]>; watched: Record<string, unknown>[] }> {
  const before = sqs.sent.length;
  const { result: started } = await capturingStdout(() => scheduled({ task: 'probe' }));
  const batches = sqs.sent.slice(before);
  expect(batches).toHaveLength((started as { batches: number }).batches);
  const { result: responses, lines } = await capturingStdout(() => Promise.all(batches.map((message) => worker(sqsEvent([message])))));
  return { runId: (started as { runId: string }).runId, responses, metrics: metricsIn(lines), watched: logRecords(lines, 'probe batch watched') };
}

/** The functions' JSON log records with this message. */
function logRecords(lines: readonly string[], message: string): Record<string, unknown>[] {
  return lines.flatMap((line) => {
    try {
      const record = JSON.parse(line) as Record<string, unknown>;
      return record.message === message ? [record] : [];
    } catch {
      return [];
    }
  });
}

const soonId = () => `tls:127.0.0.1:${soon.port}/soon.deploy.test`;
const fineId = () => `tls:127.0.0.1:${fine.port}/fine.deploy.test`;

async function storedItem(key: string) {
  const { Item } = await dynamo.client.send(new GetItemCommand({ TableName: dynamo.tableName, Key: { certificateId: { S: key } }, ConsistentRead: true }));
  return Item;
}

test('the deployment ships its plan beside the scheduled function and the CA file beside the worker, no addresses', () => {
  const plan = JSON.parse(require('node:fs').readFileSync(join(deployment.assets.scheduled, 'watch-plan.json'), 'utf8')) as { batches: unknown[][]; shared: { check: { caFile: string } } };
  expect(plan.batches).toHaveLength(1);
  expect(plan.shared.check.caFile).toMatch(/^ca\/[0-9a-f]{64}\.pem$/);
  expect(require('node:fs').existsSync(join(deployment.assets.worker, plan.shared.check.caFile))).toBe(true);
  expect(JSON.stringify(plan)).not.toMatch(/team@example\.com|5551234567/);
});

test('one tick probes the loopback servers, stores their states and publishes the expected alert once; a second tick publishes nothing new', async () => {
  const first = await tick();
  expect(first.responses).toEqual([{ batchItemFailures: [] }]);

  // The certificate 10 days from expiry is in the default policy's `urgent` stage: owners and oncall, once.
  expect(sns.published).toHaveLength(1);
  const [alert] = sns.published;
  expect(alert).toMatchObject({
    topicArn: TOPIC_ARN,
    messageStructure: 'json',
    attributes: { kind: 'expiry', stage: 'urgent', certificateId: soonId(), audiences: JSON.stringify(['owners', 'oncall']) },
  });
  expect(Object.keys(JSON.parse(alert.message)).sort()).toEqual(['default', 'email', 'sms']);
  expect(alert.subject).toMatch(/^\[certwatch\] URGENT 127\.0\.0\.1:\d+ expires in (9|10)d/);

  // Both states are stored; the run is complete and recorded where `certwatch status` looks.
  expect(JSON.parse((await storedItem(soonId()))!.state.S!)).toMatchObject({ status: 'warning', expiry: { stage: 'urgent' }, owner: 'payments' });
  expect(JSON.parse((await storedItem(fineId()))!.state.S!)).toMatchObject({ status: 'ok', expiry: { stage: null } });
  expect((await storedItem('certwatch#probe-run'))).toMatchObject({ runId: { S: first.runId }, batches: { N: '1' }, done: { N: '1' }, finishedAt: { S: expect.any(String) } });
  expect((await storedItem('certwatch#ledger'))?.lastRunAt?.S).toEqual(expect.any(String));

  // Metrics, in the embedded metric format: statuses, the soonest expiry, what was sent, one completed run. A count of
  // nothing is not sent (CloudWatch bills a metric for each hour it receives data).
  expect(first.metrics).toMatchObject({ CertificatesOk: [1], CertificatesWarning: [1], NotificationsSent: [1] });
  for (const none of ['CertificatesCritical', 'CertificatesExpired', 'ProbeErrors', 'NotificationsFailed']) expect(first.metrics[none]).toBeUndefined();
  expect(first.metrics.SoonestDaysRemaining[0]).toBeGreaterThanOrEqual(9);
  expect(first.metrics.SoonestDaysRemaining[0]).toBeLessThanOrEqual(10);
  expect(first.metrics.RunDuration).toHaveLength(1);

  const second = await tick();
  expect(second.responses).toEqual([{ batchItemFailures: [] }]);
  expect(sns.published).toHaveLength(1);
  // The first tick wrote the batch's summary; the second read it instead of the states, and wrote nothing.
  expect(first.watched).toEqual([expect.objectContaining({ statesRead: 2, statesUnread: 0, summaryWritten: true })]);
  expect(second.watched).toEqual([expect.objectContaining({ statesRead: 0, statesUnread: 2, summaryWritten: false, storeWrites: 0 })]);
  expect(second.metrics).toMatchObject({ CertificatesWarning: [1] });
  expect(second.metrics.NotificationsSent).toBeUndefined();
  expect(second.metrics.RunDuration).toHaveLength(1);
  expect((await storedItem('certwatch#probe-run'))?.runId?.S).toBe(second.runId);
});

test('a forget through the on-demand function is seen by the next tick: a certificate still configured is watched again from scratch', async () => {
  const onDemand = (require(join(deployment.assets.onDemand, 'index.js')) as { handler: Handler<unknown, unknown> }).handler;
  await tick();
  expect(await onDemand({ action: 'forget', certificateId: fineId() })).toMatchObject({ certificateId: fineId() });
  expect(await storedItem(fineId())).toBeUndefined();
  const next = await tick();
  expect(next.watched).toEqual([expect.objectContaining({ statesRead: 1, statesUnread: 1 })]);
  expect(JSON.parse((await storedItem(fineId()))!.state.S!)).toMatchObject({ status: 'ok', history: [expect.objectContaining({ event: 'first-seen' })] });
});

test('a batch that failed is offered again a visibility timeout later, inside its period: the retry watches it and completes the run', async () => {
  const { visibilityTimeoutMs, retriesWithinPeriod } = deployment.capacity;
  expect(retriesWithinPeriod).toBe(2);
  const before = sqs.sent.length;
  await scheduled({ task: 'probe' });
  const [message] = sqs.sent.slice(before);
  const runId = JSON.parse(message.body).runId as string;

  // The first attempt: DynamoDB refuses everything. The batch fails, for SQS to offer it again.
  dynamoProxy.set('refuse');
  expect(await worker(sqsEvent([message]))).toEqual({ batchItemFailures: [{ itemIdentifier: message.messageId }] });
  dynamoProxy.set('forward');
  expect((await storedItem('certwatch#probe-run'))?.finishedAt).toBeUndefined();

  // SQS offers it again once its visibility timeout is over (six times a worker's timeout): as the worker sees it, a
  // message sent that long ago. Still inside the hour, so it is watched, and it completes the run.
  const aged = (ms: number) => {
    const body = JSON.parse(message.body) as { sentAt: string; expiresAt: string };
    return { ...message, body: JSON.stringify({ ...body, sentAt: new Date(Date.parse(body.sentAt) - ms).toISOString(), expiresAt: new Date(Date.parse(body.expiresAt) - ms).toISOString() }) };
  };
  expect(await worker(sqsEvent([aged(visibilityTimeoutMs)], 2))).toEqual({ batchItemFailures: [] });
  expect(await storedItem('certwatch#probe-run')).toMatchObject({ runId: { S: runId }, done: { N: '1' }, finishedAt: { S: expect.any(String) } });

  // The same retry after the visibility timeout the queue had before (six times a 15-minute worker: 90 minutes) would
  // have come after the period: dropped unwatched, for the next run.
  const { lines } = await capturingStdout(() => worker(sqsEvent([aged(6 * 15 * 60_000)], 2)));
  expect(logRecords(lines, 'dropped a probe batch older than the schedule period')).toHaveLength(1);
});

test('a poison batch fails alone: the valid record beside it is watched, the malformed one reported for retry', async () => {
  const before = sqs.sent.length;
  await scheduled({ task: 'probe' });
  const [valid] = sqs.sent.slice(before);
  const poison = { messageId: 'poison-1', body: '{"version":1,"runId":"x","batch":0}', sentAt: Date.now() };
  const { result: response, lines } = await capturingStdout(() => worker(sqsEvent([poison, valid])));
  expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'poison-1' }] });
  // Logged for the dashboard to count; offered again until it ends on the dead-letter queue, which an alarm watches.
  expect(logRecords(lines, 'probe batch failed; SQS offers it again until its receive limit')).toEqual([expect.objectContaining({ messageId: 'poison-1', receiveCount: '1' })]);
  expect((await storedItem('certwatch#probe-run'))?.finishedAt?.S).toEqual(expect.any(String)); // the valid batch completed its run
});

test('a batch older than the schedule period is dropped: the next run is already on its way', async () => {
  const before = sqs.sent.length;
  await scheduled({ task: 'probe' });
  const [queued] = sqs.sent.slice(before);
  const stale = { ...JSON.parse(queued.body), expiresAt: new Date(Date.now() - 1000).toISOString() };
  const done = Number((await storedItem('certwatch#probe-run'))?.done?.N);
  expect(await worker(sqsEvent([{ ...queued, body: JSON.stringify(stale) }]))).toEqual({ batchItemFailures: [] });
  expect(Number((await storedItem('certwatch#probe-run'))?.done?.N)).toBe(done); // not counted: nothing was watched
});

test('the digest goes out once per period, to the digest\'s audiences; a failed publish fails the invocation for Lambda to retry', async () => {
  sns.failWith = 'AuthorizationError';
  await expect(scheduled({ task: 'digest' })).rejects.toThrow(/digest .*AuthorizationError/);
  sns.failWith = null;
  const before = sns.published.length;
  expect(await scheduled({ task: 'digest' })).toEqual({ task: 'digest', sent: 1 });
  expect(sns.published.slice(before).map((m) => m.attributes)).toEqual([expect.objectContaining({ kind: 'digest', audiences: JSON.stringify(['owners']) })]);
  expect(await scheduled({ task: 'digest' })).toEqual({ task: 'digest', sent: 0 });
});

test('the inventory function lists ACM in the configured region (its bundle\'s ACM client, through AWS_ENDPOINT_URL_ACM), stores and alerts once', async () => {
  acmModel.add('eu-west-1', [{ summary: acmSummary('imported', 20, new Date(), { Type: 'IMPORTED', RenewalEligibility: 'INELIGIBLE' }) }, { summary: acmSummary('renewing', 200, new Date()) }]);
  const before = sns.published.length;
  expect(await inventory({ task: 'inventory' })).toEqual({ task: 'inventory', certificates: 2, sent: 1, listingFailures: 0 });
  const imported = `arn:aws:acm:eu-west-1:${DEFAULT_ACCOUNT}:certificate/imported`;
  expect(sns.published.slice(before).map((m) => m.attributes)).toEqual([expect.objectContaining({ kind: 'expiry', stage: 'warning', certificateId: imported })]);
  expect(JSON.parse((await storedItem(imported))!.state.S!)).toMatchObject({ source: 'acm', scope: 'acm:eu-west-1' });
  expect(await inventory({ task: 'inventory' })).toMatchObject({ sent: 0 });
});

test('an event that is not a schedule\'s is refused by name; each function takes only its own tasks', async () => {
  await expect(scheduled({ task: 'reindex' })).rejects.toThrow('invalid scheduled event: task must be one of probe, digest');
  await expect(scheduled({ task: 'inventory' })).rejects.toThrow('invalid scheduled event: task must be one of probe, digest');
  await expect(inventory({ task: 'probe' })).rejects.toThrow('invalid scheduled event: task must be inventory');
});
