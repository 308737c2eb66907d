#!/usr/bin/env node
// The monthly cost of watching N endpoints hourly with the deployed stack, from the figures bench/deployed-functions.mjs
// measured (bench/out/deployed-functions.json): CPU per batch, DynamoDB requests per run, state item size, log bytes
// per batch, the scheduled function's start of a run. Prints a markdown table per fleet size; docs/benchmarks.md
// explains the model. Prices: AWS list prices, us-east-1, arm64 (check the pricing pages: they change).
//
//   node bench/deployed-cost.mjs [--from bench/out/deployed-functions.json] [--latency-ms 150] [--concurrency 16]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchDir } from './bench-lib.mjs';

const { values } = parseArgs({
  options: {
    from: { type: 'string', default: join(benchDir, 'out', 'deployed-functions.json') },
    'latency-ms': { type: 'string', default: '150' },
    concurrency: { type: 'string', default: '16' },
  },
});
const measured = JSON.parse(readFileSync(values.from, 'utf8'));
const latencyMs = Number(values['latency-ms']);
const concurrency = Number(values.concurrency);

const PRICE = {
  lambdaGbSecond: 0.0000133334, // arm64
  lambdaRequest: 0.2 / 1e6,
  readRequestUnit: 0.125 / 1e6, // DynamoDB on-demand
  writeRequestUnit: 0.625 / 1e6,
  sqsRequest: 0.4 / 1e6,
  schedulerInvocation: 1 / 1e6,
  logsIngestedGb: 0.5,
  customMetric: 0.3,
  alarmMetric: 0.1,
  dashboard: 3,
  kmsKey: 1,
};
const RUNS_PER_MONTH = 720; // hourly
const DIGESTS_PER_MONTH = 30;
const WORKER_GB = 0.5; // 512 MB
const SCHEDULED_GB = 1.5; // 1536 MB
/** A Lambda function gets one vCPU at 1,769 MB, in proportion below: 512 MB is 0.29 of this machine's core (assumed equal). */
const cpuShare = (gb) => Math.min(1, (gb * 1024) / 1769);
/** Bytes Lambda itself logs per invocation (START, END, REPORT as JSON), on top of the function's own. */
const PLATFORM_LOG_BYTES = 700;

const steady = measured.runs.runs.filter((run) => run.kind === 'steady');
/** Targets per batch, as the measured deployment cut them (100, or fewer when names may have many addresses). */
const BATCH = steady[0].batchSize;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpuPerBatchMs = median(steady.map((run) => run.perBatch.cpuMs));
const logBytesPerBatch = median(steady.map((run) => run.perBatch.logBytes));
const itemBytes = measured.runs.stateItemBytes.median;
const readUnitsPerItem = 0.5 * Math.ceil(itemBytes / 4096); // eventually consistent BatchGetItem, per item

function costFor(targets) {
  const batches = Math.ceil(targets / BATCH);
  // A worker: its CPU work at its share of a vCPU, plus the handshakes' network time, waves of `concurrency`.
  const workerSeconds = (cpuPerBatchMs / cpuShare(WORKER_GB) + Math.ceil(BATCH / concurrency) * latencyMs) / 1000;
  const workerGbSeconds = batches * RUNS_PER_MONTH * workerSeconds * WORKER_GB;
  // The scheduled function: its measured warm start of a run, scaled from the plan it was measured on.
  const plan = measured.plan;
  const dispatchMs = plan ? median(plan.dispatch.runs.slice(1).map((r) => r.cpuMs)) * (batches / plan.dispatch.runs[0].batches) : 0;
  const scheduledGbSeconds = RUNS_PER_MONTH * (dispatchMs / cpuShare(SCHEDULED_GB) / 1000) * SCHEDULED_GB;
  const invocations = (batches + 1) * RUNS_PER_MONTH + DIGESTS_PER_MONTH;
  const lambda = workerGbSeconds * PRICE.lambdaGbSecond + scheduledGbSeconds * PRICE.lambdaGbSecond + invocations * PRICE.lambdaRequest;
  // DynamoDB per run: each item read once (BatchGetItem), the run's bookkeeping written (begin, one count per batch,
  // the finish, the ledger: about batches + 3 write units, each item under 1 KB); nothing else when nothing changed.
  const readUnits = RUNS_PER_MONTH * (targets * readUnitsPerItem + 1) + DIGESTS_PER_MONTH * Math.ceil((targets * itemBytes) / 4096);
  const writeUnits = RUNS_PER_MONTH * (batches + 3);
  const dynamo = readUnits * PRICE.readRequestUnit + writeUnits * PRICE.writeRequestUnit;
  // The same reads as one consistent Scan per run, as `certwatch run` does.
  const scanReadUnits = RUNS_PER_MONTH * Math.ceil((targets * itemBytes) / 4096);
  // SQS per run: SendMessageBatch by 10, then the event source's receive and delete of each batch.
  const sqsRequests = RUNS_PER_MONTH * (Math.ceil(batches / 10) + 2 * batches);
  const sqs = sqsRequests * PRICE.sqsRequest;
  const logsGb = (RUNS_PER_MONTH * batches * (logBytesPerBatch + PLATFORM_LOG_BYTES)) / 1e9;
  const logs = logsGb * PRICE.logsIngestedGb;
  const scheduler = (RUNS_PER_MONTH + DIGESTS_PER_MONTH) * PRICE.schedulerInvocation;
  const variable = lambda + dynamo + sqs + logs + scheduler;
  return {
    targets,
    workerSeconds,
    lambda,
    dynamo,
    readUnits,
    scanReadUnits,
    sqs,
    logs,
    scheduler,
    variable,
    perThousand: (variable / targets) * 1000,
  };
}

// Fixed, whatever the fleet: 10 custom metrics, 3 alarms over 7 metrics, the dashboard, the key. The event source's
// idle long polling of the probe queue (a few pollers, a ReceiveMessage every 20 s each) is a few hundred thousand
// requests a month.
const IDLE_POLLS = 5 * 3 * 60 * 24 * 30;
const fixed = {
  metrics: 10 * PRICE.customMetric,
  alarms: 7 * PRICE.alarmMetric,
  dashboard: PRICE.dashboard,
  kmsKey: PRICE.kmsKey,
  idlePolling: IDLE_POLLS * PRICE.sqsRequest,
};
const fixedTotal = Object.values(fixed).reduce((a, b) => a + b, 0);

const usd = (x) => (x < 0.01 ? `$${x.toFixed(4)}` : `$${x.toFixed(2)}`);
const lines = [
  `Measured: ${measured.runs.targets} targets, CPU ${cpuPerBatchMs.toFixed(0)} ms per batch of ${BATCH} (steady run), state items ${itemBytes} bytes,` +
    ` ${logBytesPerBatch} log bytes per batch; assumed: ${latencyMs} ms per handshake over the network, ${concurrency} probes at once per worker.`,
  '',
  '| per month, hourly | Lambda | DynamoDB | SQS | Logs | Scheduler | variable total | per 1,000 endpoints |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
];
for (const targets of [1000, 100_000]) {
  const c = costFor(targets);
  lines.push(
    `| ${targets.toLocaleString('en-US')} endpoints | ${usd(c.lambda)} | ${usd(c.dynamo)} | ${usd(c.sqs)} | ${usd(c.logs)} | ${usd(c.scheduler)} | **${usd(c.variable)}** | ${usd(c.perThousand)} |`,
  );
}
const thousand = costFor(1000);
lines.push(
  '',
  `Worker: ${thousand.workerSeconds.toFixed(2)} s per batch at 512 MB. DynamoDB reads per month for 1,000 endpoints: ${Math.round(thousand.readUnits).toLocaleString('en-US')} read units` +
    ` (BatchGetItem, eventually consistent) against ${thousand.scanReadUnits.toLocaleString('en-US')} for an hourly consistent Scan.`,
  `Fixed: ${Object.entries(fixed)
    .map(([name, cost]) => `${name} ${usd(cost)}`)
    .join(', ')}: **${usd(fixedTotal)}** a month (the dashboard is free for an account's first three; metrics and alarms within the free tier are free).`,
);
process.stdout.write(`${lines.join('\n')}\n`);
