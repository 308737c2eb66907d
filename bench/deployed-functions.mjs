#!/usr/bin/env node
// The deployed functions, measured as `cdk deploy` ships them: the stack synthesized with real bundling, then
//  1. each function's asset: its size as deployed (the directory zipped: code, source map, shipped files) and its
//     module initialisation (require of index.js in a fresh Node process, --enable-source-maps as deployed: wall
//     and CPU time, median of R processes), against a baseline bundled the same way in the same run: a handler
//     that only builds a DynamoDB client, what any Lambda using DynamoDB starts with;
//  2. what a probe run costs, measured on N targets: the scheduled function's bundle sends the batches, the
//     worker's bundle takes them one after another (one warm container), first run (every item created) and
//     steady runs (nothing changed). Targets are N loopback addresses served by bench/tls-server.mjs in its own
//     process; DynamoDB is dynalite in another process, behind a proxy that counts requests by operation; SNS and
//     SQS are the loopback fakes of the tests. Per batch: wall and CPU time (this process: the worker, the fakes),
//     DynamoDB requests, log bytes (JSON logs and metrics, as CloudWatch Logs would ingest them);
//  3. a worker as Lambda starts it, in a fresh process (bench/worker-process.mjs): its initialisation, then one
//     run's batches one after another (the first cold, the others warm), a first run (every item created, on a
//     table of its own) and a steady one: CPU, wall time, log bytes, peak resident memory;
//  4. --plan-targets M: a plan of M targets (host names, never probed): the watch plan's size and the scheduled
//     function's start of a run (reading the plan, sending M/250 batches to the fake SQS), cold and warm.
// --check-concurrency N sets the config's check.concurrency (default: none set, the deployment's own); --batch-size N
// the construct's batchSize (default: the deployment's own).
// Prints one JSON document (bench/out/deployed-functions.json too); docs/benchmarks.md turns it into the cost table.
//
//   node bench/deployed-functions.mjs [--count 1000] [--init-rounds 10] [--steady-runs 3] [--plan-targets 100000] [--check-concurrency N] [--batch-size N]
import { fork, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { deflateRawSync } from 'node:zlib';
import { benchDir, median, parseBenchArgs, repoDir, runThenCleanUp, startServer } from './bench-lib.mjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const require = createRequire(import.meta.url);
require('tsx/cjs');
const { synthesizeDeployment } = require('../test/support/synthesized-deployment.ts');
const { startFakeSns, startFakeSqs } = require('../test/support/aws-fakes.ts');
const { createDynamoDbClient } = require('../functions/store/dynamodb-client.ts');
const { ensureTable } = require('../functions/store/dynamodb-table.ts');
const { itemSizeBytes } = require('../functions/store/dynamodb-attribute-values.ts');
const { ScanCommand } = require('@aws-sdk/client-dynamodb');

const script = { name: 'deployed-functions', url: import.meta.url };
const { values, count } = parseBenchArgs(script, {
  defaultCount: '1000',
  maxCount: 62_500,
  options: {
    'steady-runs': { type: 'string', default: '3' },
    'plan-targets': { type: 'string', default: '0' },
    'init-rounds': { type: 'string', default: '10' },
    'check-concurrency': { type: 'string' },
    'batch-size': { type: 'string' },
  },
});
const steadyRuns = Number(values['steady-runs']);
const planTargets = Number(values['plan-targets']);
const initRounds = Number(values['init-rounds']);

const workDir = mkdtempSync(join(tmpdir(), 'certwatch-bench-deployed-'));
const server = await startServer(['--ca-file', join(workDir, 'root.pem'), '--hosts', String(count)]);
const report = { machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadavgAtStart: loadavg().map((l) => +l.toFixed(2)) } };

await runThenCleanUp(script, { server, workDir }, async () => {
  const configFile = join(workDir, 'certwatch.config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      targets: server.hosts.map((host) => ({ target: `${host}:${server.port}`, servername: server.servername })),
      check: { caFile: server.caFile, ...(values['check-concurrency'] ? { concurrency: Number(values['check-concurrency']) } : {}) },
      audiences: { owners: { emails: ['owners@example.com'] }, oncall: { emails: ['oncall@example.com'] } },
      digest: { notify: ['owners'], every: '1d' },
      // Not listed here (no ACM on loopback in this bench): only so that the inventory function is built and measured.
      acm: { regions: ['eu-west-1'] },
    }),
  );
  const deployment = synthesizeDeployment(configFile, values['batch-size'] ? { batchSize: Number(values['batch-size']) } : {});
  report.assets = {};
  const baseline = baselineBundle();
  report.baselineInit = initTimes(baseline);
  for (const [name, dir] of Object.entries(deployment.assets)) {
    report.assets[name] = { ...assetSize(dir), init: initTimes(join(dir, 'index.js')) };
    report.assets[name].initRatioToBaseline = +(report.assets[name].init.cpuMs / report.baselineInit.cpuMs).toFixed(2);
  }
  report.capacity = deployment.capacity;
  report.runs = await probeRuns(deployment);
  if (planTargets > 0) report.plan = await bigPlan(planTargets);
  report.machine.loadavgAtEnd = loadavg().map((l) => +l.toFixed(2));
  const out = join(benchDir, 'out');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'deployed-functions.json'), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
});

/** Bytes of each file, of the code (index.js and its map), and of the directory zipped (deflate, level 9, + headers). */
function assetSize(dir) {
  const files = listFiles(dir);
  const zipped = files.reduce((sum, file) => sum + deflateRawSync(readFileSync(file), { level: 9 }).length + 30 + 46 + 2 * relative(dir, file).length, 22);
  const code = files.filter((file) => /index\.js(\.map)?$/.test(file)).reduce((sum, file) => sum + statSync(file).size, 0);
  const shipped = files.filter((file) => !/index\.js(\.map)?$/.test(file)).reduce((sum, file) => sum + statSync(file).size, 0);
  return { files: files.map((file) => relative(dir, file)).sort(), codeBytes: code, shippedFileBytes: shipped, zippedBytes: zipped };
}

function listFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)]));
}

/** A handler that builds a DynamoDB client, bundled with the house construct's esbuild options. */
function baselineBundle() {
  const dir = join(workDir, 'baseline');
  mkdirSync(dir);
  require('esbuild').buildSync({
    stdin: {
      contents: "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nconst client = new DynamoDBClient({});\nexport const handler = async () => client.config.region();\n",
      resolveDir: repoDir,
      loader: 'ts',
    },
    outfile: join(dir, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    supported: { 'dynamic-import': false },
    logLevel: 'error',
    absWorkingDir: repoDir,
  });
  return join(dir, 'index.js');
}

/** Median wall and CPU time of require(file) in `initRounds` fresh Node processes, as Lambda starts them. */
function initTimes(file) {
  const probe = `const c=process.cpuUsage();const t=process.hrtime.bigint();require(${JSON.stringify(file)});const u=process.cpuUsage(c);process.stdout.write(JSON.stringify({wallMs:Number(process.hrtime.bigint()-t)/1e6,cpuMs:(u.user+u.system)/1e3}))`;
  const samples = Array.from({ length: initRounds }, () => {
    const run = spawnSync(process.execPath, ['--enable-source-maps', '-e', probe], { encoding: 'utf8', env: { ...process.env, AWS_REGION: 'eu-west-1' } });
    if (run.status !== 0) throw new Error(`init of ${file}: ${run.stderr}`);
    return JSON.parse(run.stdout);
  });
  return { wallMs: +median(samples.map((s) => s.wallMs)).toFixed(1), cpuMs: +median(samples.map((s) => s.cpuMs)).toFixed(1), rounds: initRounds };
}

/** dynalite and a request-counting proxy in front of it, in a process of their own. */
async function startCountingDynamo() {
  const child = fork(join(benchDir, 'counting-dynalite.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { endpoint } = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`bench/counting-dynalite.mjs exited with ${code}`)));
  });
  const counts = () =>
    new Promise((resolve) => {
      child.once('message', resolve);
      child.send('counts');
    });
  return { endpoint, counts, close: () => child.kill('SIGTERM') };
}

async function probeRuns(deployment) {
  const dynamo = await startCountingDynamo();
  const [sns, sqs] = await Promise.all([startFakeSns(), startFakeSqs()]);
  const tableName = 'certwatch-bench';
  const client = createDynamoDbClient({ endpoint: dynamo.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  await ensureTable(client, tableName);
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SNS: sns.endpoint,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    CERTWATCH_TABLE: tableName,
    CERTWATCH_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111111111111:certwatch-alerts',
    CERTWATCH_PROBE_QUEUE_URL: `${sqs.endpoint}/111111111111/certwatch-probe`,
    POWERTOOLS_SERVICE_NAME: 'bench',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  });
  const scheduled = require(join(deployment.assets.scheduled, 'index.js')).handler;
  const worker = require(join(deployment.assets.worker, 'index.js')).handler;
  const runs = [];
  const sqsRecord = (message) => ({ messageId: message.messageId, receiptHandle: 'r', body: message.body, attributes: { ApproximateReceiveCount: '1' }, messageAttributes: {} });
  /** One run's batches, taken by a worker in a fresh process (cold, then warm), on `table`. */
  const freshWorker = async (table) => {
    const before = sqs.sent.length;
    await measured(() => scheduled({ task: 'probe' }));
    const recordsFile = join(workDir, `records-${before}.json`);
    const reportFile = join(workDir, `worker-${before}.json`);
    writeFileSync(recordsFile, JSON.stringify(sqs.sent.slice(before).map(sqsRecord)));
    const profile = process.env.PROFILE_WORKER ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE_WORKER}`] : [];
    const child = await spawnAsync(process.execPath, ['--enable-source-maps', ...profile, join(benchDir, 'worker-process.mjs'), join(deployment.assets.worker, 'index.js'), recordsFile, reportFile], {
      env: { ...process.env, CERTWATCH_TABLE: table },
    });
    if (child.status !== 0) throw new Error(`worker process: ${child.stderr}`);
    const workerReport = JSON.parse(readFileSync(reportFile, 'utf8'));
    const [cold, ...warm] = workerReport.invocations;
    return {
      batches: workerReport.invocations.length,
      initCpuMs: +workerReport.init.cpuMs.toFixed(1),
      coldBatchCpuMs: +cold.cpuMs.toFixed(1),
      warmBatchCpuMs: warm.length > 0 ? +median(warm.map((b) => b.cpuMs)).toFixed(1) : null,
      warmBatchWallMs: warm.length > 0 ? +median(warm.map((b) => b.wallMs)).toFixed(1) : null,
      logBytesPerBatch: Math.round(median(workerReport.invocations.map((b) => b.logBytes))),
      maxRssMb: +workerReport.maxRssMb.toFixed(1),
    };
  };
  try {
    for (let run = 0; run <= steadyRuns; run++) {
      const before = sqs.sent.length;
      const dynamoBefore = await dynamo.counts();
      const dispatch = await measured(() => scheduled({ task: 'probe' }));
      const batches = [];
      for (const message of sqs.sent.slice(before)) {
        const batch = await measured(() => worker({ Records: [sqsRecord(message)] }));
        if (batch.result.batchItemFailures.length > 0) throw new Error(`a batch failed: ${JSON.stringify(batch.result)}`);
        batches.push(batch);
      }
      const dynamoAfter = await dynamo.counts();
      runs.push({
        kind: run === 0 ? 'first' : 'steady',
        batches: batches.length,
        batchSize: JSON.parse(sqs.sent[before].body).config.targets.length,
        dispatch: { wallMs: dispatch.wallMs, cpuMs: dispatch.cpuMs, logBytes: dispatch.logBytes },
        perBatch: {
          wallMs: +median(batches.map((b) => b.wallMs)).toFixed(1),
          cpuMs: +median(batches.map((b) => b.cpuMs)).toFixed(1),
          firstBatchWallMs: +batches[0].wallMs.toFixed(1),
          logBytes: Math.round(median(batches.map((b) => b.logBytes))),
        },
        dynamoRequests: Object.fromEntries(Object.entries(dynamoAfter).map(([operation, n]) => [operation, n - (dynamoBefore[operation] ?? 0)]).filter(([, n]) => n > 0)),
        published: sns.published.length,
      });
    }
    // Lambda starts a worker afresh for most hourly runs (an idle container does not last an hour): measured so.
    const freshTable = 'certwatch-bench-fresh';
    await ensureTable(client, freshTable);
    const fresh = { first: await freshWorker(freshTable), steady: await freshWorker(freshTable) };
    const Items = [];
    let startKey;
    do {
      const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }));
      Items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    const sizes = Items.filter((item) => item.certificateId.S.startsWith('tls:')).map((item) => itemSizeBytes(item));
    const summaries = Items.filter((item) => item.certificateId.S.startsWith('certwatch#batch#')).map((item) => itemSizeBytes(item));
    return {
      targets: count,
      runs,
      fresh,
      summaryItemBytes: { median: median(summaries), max: Math.max(...summaries), items: summaries.length },
      stateItemBytes: { median: median(sizes), max: Math.max(...sizes), items: sizes.length },
      tableBytes: sizes.reduce((a, b) => a + b, 0),
    };
  } finally {
    client.destroy();
    await Promise.all([sns.close(), sqs.close()]);
    dynamo.close();
  }
}

/** Runs `action`, with its wall time, this process's CPU time, and the bytes it wrote to stdout (its logs). */
async function measured(action) {
  let logBytes = 0;
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk, ...rest) => {
    logBytes += Buffer.byteLength(chunk);
    return typeof rest.at(-1) === 'function' ? (rest.at(-1)(), true) : true;
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  try {
    const result = await action();
    const used = process.cpuUsage(cpu);
    return { result, wallMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000, logBytes };
  } finally {
    process.stdout.write = write;
  }
}

/** spawn, collecting stdout and stderr, resolving with the exit status. */
function spawnAsync(command, args, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A plan of `targets` host names: its size, and the scheduled function starting a run of it (cold, then warm). */
async function bigPlan(targets) {
  const dir = join(workDir, 'plan');
  mkdirSync(dir);
  const configFile = join(dir, 'certwatch.config.json');
  writeFileSync(configFile, JSON.stringify({ targets: Array.from({ length: targets }, (_, i) => `host${i}.example.com`), audiences: { owners: {}, oncall: {} } }));
  const synthStarted = performance.now();
  const deployment = synthesizeDeployment(configFile);
  const synthMs = performance.now() - synthStarted;
  const planFile = join(deployment.assets.scheduled, 'watch-plan.json');
  const sqs = await startFakeSqs();
  try {
    // Asynchronous: the fake SQS answering the child lives on this process's event loop.
    const dispatch = async (round) => {
      const child = await spawnAsync(
        process.execPath,
        [
          '--enable-source-maps',
          '-e',
          `const t=process.hrtime.bigint();const c=process.cpuUsage();const {handler}=require(${JSON.stringify(join(deployment.assets.scheduled, 'index.js'))});` +
            `(async()=>{const r=[];for(let i=0;i<${round};i++){const s=process.hrtime.bigint();const u=process.cpuUsage();const out=await handler({task:'probe'});const d=process.cpuUsage(u);r.push({batches:out.batches,wallMs:Number(process.hrtime.bigint()-s)/1e6,cpuMs:(d.user+d.system)/1e3});}` +
            `const all=process.cpuUsage(c);process.stdout.write(JSON.stringify({runs:r,processWallMs:Number(process.hrtime.bigint()-t)/1e6,processCpuMs:(all.user+all.system)/1e3}))})()`,
        ],
        {
          encoding: 'utf8',
          env: {
            ...process.env,
            POWERTOOLS_LOG_LEVEL: 'WARN',
            AWS_ENDPOINT_URL_SQS: sqs.endpoint,
            CERTWATCH_PROBE_QUEUE_URL: `${sqs.endpoint}/111111111111/certwatch-probe`,
            // The run's progress item: a table on a dynalite that is gone by now would fail; point at a live one.
            AWS_ENDPOINT_URL_DYNAMODB: process.env.BENCH_PLAN_DYNAMODB ?? '',
          },
        },
      );
      if (child.status !== 0) throw new Error(`plan dispatch: ${child.stderr}`);
      return JSON.parse(child.stdout);
    };
    const dynamo = await startCountingDynamo();
    const client = createDynamoDbClient({ endpoint: dynamo.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
    await ensureTable(client, process.env.CERTWATCH_TABLE);
    process.env.BENCH_PLAN_DYNAMODB = dynamo.endpoint;
    let runs;
    try {
      runs = await dispatch(2);
    } finally {
      client.destroy();
      dynamo.close();
    }
    const plan = readFileSync(planFile);
    return {
      targets,
      synthMs: Math.round(synthMs),
      planBytes: plan.length,
      planDeflatedBytes: deflateRawSync(plan, { level: 9 }).length,
      scheduledAsset: assetSize(deployment.assets.scheduled),
      messagesSent: sqs.sent.length,
      sendMessageBatchRequests: sqs.requests,
      dispatch: runs,
    };
  } finally {
    await sqs.close();
    rmSync(deployment.outdir, { recursive: true, force: true });
  }
}

