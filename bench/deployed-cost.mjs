#!/usr/bin/env node
// The monthly cost of watching N endpoints hourly with the deployed stack, from the figures bench/deployed-functions.mjs
// measured (bench/out/deployed-functions.json): a worker's start-up and its CPU per batch in a fresh process (cold)
// and a warm one, log bytes per batch, state and summary item sizes, the scheduled function's start of a run. Prints
// markdown tables (variable cost per fleet and setting, then the fixed cost); docs/benchmarks.md explains the model.
// Prices: AWS list prices, us-east-1, arm64, no free tier (check the pricing pages: they change).
//
//   node bench/deployed-cost.mjs [--from bench/out/deployed-functions.json] [--latency-ms 150] [--round-trip-ms 10]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchDir } from './bench-lib.mjs';

const require = createRequire(import.meta.url);
require('tsx/cjs');
const { largestBatchSize, PREFERRED_BATCH_SIZE, MAX_RECEIVES } = require('../functions/core/watch-plan.ts');
const { DEPLOYED_PROBES_PER_WORKER, MAX_PROBES_PER_WORKER } = require('../functions/core/check-settings.ts');
const { DEFAULT_WORKER_MEMORY_MB } = require('../infra/constructs/probe-workers.ts');

const { values } = parseArgs({
  options: {
    from: { type: 'string', default: join(benchDir, 'out', 'deployed-functions.json') },
    'latency-ms': { type: 'string', default: '150' },
    'round-trip-ms': { type: 'string', default: '10' },
  },
});
const measured = JSON.parse(readFileSync(values.from, 'utf8'));
const latencyMs = Number(values['latency-ms']);
const roundTripMs = Number(values['round-trip-ms']);

const PRICE = {
  lambdaGbSecond: 0.0000133334, // arm64
  lambdaRequest: 0.2 / 1e6,
  readRequestUnit: 0.125 / 1e6, // DynamoDB on-demand
  writeRequestUnit: 0.625 / 1e6,
  sqsRequest: 0.4 / 1e6,
  schedulerInvocation: 1 / 1e6,
  logsIngestedGb: 0.5,
  customMetric: 0.3, // per metric-month, prorated by the hours it receives data
  alarmMetric: 0.1, // per metric an alarm reads, standard resolution
  dashboard: 3,
  kmsKey: 1, // and $1 for each of the first two rotations (yearly)
};
const RUNS_PER_MONTH = 720; // hourly
const DIGESTS_PER_MONTH = 30;
/** How often a certificate is renewed (90-day certificates renewed at 60 days: the busiest common case). */
const RENEWAL_EVERY_DAYS = 60;
const SCHEDULED_MB = 1536;
const MAX_WORKERS = 50;
/** A Lambda function gets one vCPU at 1,769 MB, in proportion below; this machine's core is taken as one Lambda vCPU. */
const cpuShare = (mb) => Math.min(1, mb / 1769);
/** Bytes Lambda itself logs per invocation (START, END, REPORT as JSON), on top of the function's own. */
const PLATFORM_LOG_BYTES = 700;
/** Round trips a batch waits for beyond its handshakes: the summary and journal (together), the run's progress, the ledger (the last batch). */
const ROUND_TRIPS_PER_BATCH = 3;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_ADDRESSES = 16;

const fresh = measured.runs.fresh.steady;
const measuredBatch = measured.runs.runs[0].batchSize;
/** CPU a warm worker spends per target of a steady batch, and what a cold one adds (module loads after the INIT phase). */
const warmCpuPerTarget = fresh.warmBatchCpuMs / measuredBatch;
const coldExtraCpuMs = fresh.coldBatchCpuMs - fresh.warmBatchCpuMs;
const itemBytes = measured.runs.stateItemBytes.median;
const summaryBytesPerEntry = measured.runs.summaryItemBytes.median / measuredBatch;
const plan = measured.plan;
const dispatchCpuPerBatch = plan ? plan.dispatch.runs[0].cpuMs / plan.dispatch.runs[0].batches : median(measured.runs.runs.map((run) => run.dispatch.cpuMs)) / measured.runs.runs[0].batches;
const readUnits = (bytes, consistent) => Math.ceil(bytes / 4096) * (consistent ? 1 : 0.5);

function median(xs) {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

/**
 * The month of `targets` endpoints, probed hourly, `concurrency` handshakes at once in workers of `memoryMb`. Each
 * run starts its workers cold (an idle Lambda container does not last the hour between runs), at most MAX_WORKERS of
 * them; the others' batches are taken warm.
 */
function costFor({ targets, concurrency = DEPLOYED_PROBES_PER_WORKER, memoryMb = DEFAULT_WORKER_MEMORY_MB }) {
  const batchSize = largestBatchSize({ timeoutMs: DEFAULT_TIMEOUT_MS, concurrency, maxAddresses: DEFAULT_MAX_ADDRESSES, periodMs: 3_600_000 }, PREFERRED_BATCH_SIZE);
  const batches = Math.ceil(targets / batchSize);
  const cold = Math.min(batches, MAX_WORKERS);
  // Lambda: CPU at the worker's share of a vCPU, plus waiting on the network (waves of handshakes, round trips).
  const cpuMs = targets * warmCpuPerTarget + cold * (fresh.initCpuMs + coldExtraCpuMs);
  const waves = Math.ceil(batchSize / Math.min(concurrency, MAX_PROBES_PER_WORKER));
  const workerSeconds = cpuMs / cpuShare(memoryMb) / 1000 + (batches * (waves * latencyMs + ROUND_TRIPS_PER_BATCH * roundTripMs)) / 1000;
  const scheduledSeconds = (measured.assets.scheduled.init.cpuMs + batches * dispatchCpuPerBatch) / cpuShare(SCHEDULED_MB) / 1000;
  const lambdaGbSeconds = RUNS_PER_MONTH * (workerSeconds * (memoryMb / 1024) + scheduledSeconds * (SCHEDULED_MB / 1024));
  const invocations = RUNS_PER_MONTH * (batches + 1) + DIGESTS_PER_MONTH;
  const lambda = lambdaGbSeconds * PRICE.lambdaGbSecond + invocations * PRICE.lambdaRequest;
  // DynamoDB, per run: each batch's summary and the journal (eventually consistent), the run's progress (begin, one
  // count per batch, the finish) and the ledger. Per day: every state read once (the summary's day of trust) and each
  // summary rewritten, and each renewal's summary written twice (its entry removed before the renewed state is
  // written, then the new entry); the digest's consistent Scan. What notices cost (a write per decision) is extra.
  const summaryBytes = batchSize * summaryBytesPerEntry;
  const readsPerRun = batches * (readUnits(summaryBytes, false) + readUnits(100, false)) + 1;
  const writesPerRun = batches + 3;
  const readsPerDay = targets * readUnits(itemBytes, false) + Math.ceil((targets * itemBytes + batches * summaryBytes) / 4096);
  const renewalsPerDay = targets / RENEWAL_EVERY_DAYS;
  const writesPerDay = (batches + 2 * renewalsPerDay) * Math.ceil(summaryBytes / 1024);
  const dynamoReads = RUNS_PER_MONTH * readsPerRun + DIGESTS_PER_MONTH * readsPerDay;
  const dynamoWrites = RUNS_PER_MONTH * writesPerRun + DIGESTS_PER_MONTH * writesPerDay;
  const dynamo = dynamoReads * PRICE.readRequestUnit + dynamoWrites * PRICE.writeRequestUnit;
  // What an hourly Scan of the states would read instead (eventually consistent: half a unit per 4 KB of the table).
  const scanReads = RUNS_PER_MONTH * readUnits(targets * itemBytes, false);
  // SQS per run: SendMessageBatch by 10, then the event source's receive and delete of each batch.
  const sqs = RUNS_PER_MONTH * (Math.ceil(batches / 10) + 2 * batches) * PRICE.sqsRequest;
  const logs = ((RUNS_PER_MONTH * batches * (fresh.logBytesPerBatch + PLATFORM_LOG_BYTES)) / 1e9) * PRICE.logsIngestedGb;
  const scheduler = (RUNS_PER_MONTH + DIGESTS_PER_MONTH) * PRICE.schedulerInvocation;
  const variable = lambda + dynamo + sqs + logs + scheduler;
  return { targets, batchSize, batches, workerSeconds, lambda, dynamo, dynamoReads, scanReads, sqs, logs, scheduler, variable, perThousand: (variable / targets) * 1000 };
}

const usd = (x) => (x === 0 ? '$0' : x < 0.01 ? `$${x.toFixed(4)}` : `$${x.toFixed(2)}`);
const count = (n) => n.toLocaleString('en-US');
const rows = [
  { label: '1,000 endpoints', targets: 1000 },
  { label: '100,000 endpoints', targets: 100_000 },
  { label: '1,000 endpoints, workers of 256 MB', targets: 1000, memoryMb: 256 },
  { label: '100,000 endpoints, workers of 256 MB', targets: 100_000, memoryMb: 256 },
  { label: '1,000 endpoints, `check.concurrency` 16', targets: 1000, concurrency: 16 },
];
const lines = [
  `Measured: a fresh worker's start-up ${fresh.initCpuMs} ms of CPU, a steady batch of ${measuredBatch} ${fresh.coldBatchCpuMs} ms cold and ${fresh.warmBatchCpuMs} ms warm` +
    ` (${warmCpuPerTarget.toFixed(2)} ms a target), ${fresh.logBytesPerBatch} log bytes a batch, state items ${itemBytes} bytes, summaries ${summaryBytesPerEntry.toFixed(0)} bytes a` +
    ` certificate; assumed: ${latencyMs} ms a wave of handshakes, ${roundTripMs} ms a round trip to DynamoDB, every run's workers cold.`,
  '',
  '| per month, hourly | batch | Lambda | DynamoDB | SQS | Logs | Scheduler | variable total | per 1,000 endpoints |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
];
for (const row of rows) {
  const c = costFor(row);
  lines.push(`| ${row.label} | ${c.batchSize} | ${usd(c.lambda)} | ${usd(c.dynamo)} | ${usd(c.sqs)} | ${usd(c.logs)} | ${usd(c.scheduler)} | **${usd(c.variable)}** | ${usd(c.perThousand)} |`);
}
const thousand = costFor({ targets: 1000 });
lines.push(
  '',
  `Worker time for 1,000 endpoints: ${thousand.workerSeconds.toFixed(1)} s a run at ${DEFAULT_WORKER_MEMORY_MB} MB. DynamoDB reads a month for 1,000: ${count(Math.round(thousand.dynamoReads))} read units,` +
    ` against ${count(thousand.scanReads)} for an hourly eventually consistent Scan of the states.`,
);

// Fixed, whatever the fleet. Custom metrics are billed for the hours they receive data: CertificatesOk,
// SoonestDaysRemaining and RunDuration every hour; the other counts (warning, critical, expired, probe errors,
// notifications sent and failed) only in hours they are not zero.
const IDLE_POLLS = 5 * 3 * 60 * 24 * 30; // the event source's pollers, a 20-second long poll each
const fixedOf = ({ dashboard, busy, inventory = false, keyYear = 1 }) => ({
  metrics: (busy ? 9 : 3) * PRICE.customMetric,
  alarms: (inventory ? 7 : 6) * PRICE.alarmMetric,
  dashboard: dashboard ? PRICE.dashboard : 0,
  kmsKey: PRICE.kmsKey * Math.min(keyYear, 3),
  idlePolling: IDLE_POLLS * PRICE.sqsRequest,
});
const total = (fixed) => Object.values(fixed).reduce((a, b) => a + b, 0);
lines.push('', '| fixed, per month | metrics | alarms | dashboard | KMS key | idle polling | total |', '| --- | --- | --- | --- | --- | --- | --- |');
for (const [label, setting] of [
  ['default, every certificate ok', { dashboard: true, busy: false }],
  ['default, some certificate in every status every hour', { dashboard: true, busy: true }],
  ['`"dashboard": false`, every certificate ok', { dashboard: false, busy: false }],
  ['`"dashboard": false`, some certificate in every status every hour', { dashboard: false, busy: true }],
  ['`"dashboard": false`, busy, key in its third year', { dashboard: false, busy: true, keyYear: 3 }],
]) {
  const fixed = fixedOf(setting);
  lines.push(`| ${label} | ${usd(fixed.metrics)} | ${usd(fixed.alarms)} | ${usd(fixed.dashboard)} | ${usd(fixed.kmsKey)} | ${usd(fixed.idlePolling)} | **${usd(total(fixed))}** |`);
}
lines.push('', `(With the ACM or IAM inventory, one more metric in the errors alarm: $0.10. A failed batch is received at most ${MAX_RECEIVES} times.)`);
process.stdout.write(`${lines.join('\n')}\n`);
