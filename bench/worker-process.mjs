#!/usr/bin/env node
// One probe worker as Lambda starts it: a fresh Node process loads the worker's bundle (the INIT phase), then takes
// the given SQS records one invocation after another (the first cold, the rest warm, as a container kept by the event
// source takes them). Writes, as JSON: the CPU and wall time of the bundle's initialisation and of each invocation,
// the log bytes of each, and the process's peak resident memory (what the function's memory setting must hold). The
// endpoints come from the environment, as the functions find them in AWS; bench/deployed-functions.mjs runs it.
//
//   node bench/worker-process.mjs <worker index.js> <records.json> <report.json>
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const [bundle, recordsFile, reportFile] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const records = JSON.parse(readFileSync(recordsFile, 'utf8'));
const cpuMs = (since) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

// Its logs are what CloudWatch Logs ingests: counted, not printed.
let logBytes = 0;
for (const stream of [process.stdout, process.stderr]) {
  stream.write = (chunk, ...rest) => {
    logBytes += Buffer.byteLength(chunk);
    return typeof rest.at(-1) === 'function' ? (rest.at(-1)(), true) : true;
  };
}
const report = (value) => writeFileSync(reportFile, JSON.stringify(value));

const initCpu = process.cpuUsage();
const initStarted = performance.now();
const { handler } = require(bundle);
const init = { cpuMs: cpuMs(initCpu), wallMs: performance.now() - initStarted };
const invocations = [];
for (const record of records) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const logsBefore = logBytes;
  const response = await handler({ Records: [record] });
  if (response.batchItemFailures.length > 0) throw new Error(`a batch failed: ${JSON.stringify(response)}`);
  invocations.push({ cpuMs: cpuMs(cpu), wallMs: performance.now() - started, logBytes: logBytes - logsBefore });
}
report({ init, invocations, maxRssMb: process.resourceUsage().maxRSS / 1024 });
