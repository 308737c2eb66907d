#!/usr/bin/env node
// `certwatch acm` over a large estate: N ACM certificates (default 10,000) in 3 regions, behind a fake of ACM
// (bench/acm-fake-server.ts, its own process) that adds a per-call latency and throttles as ACM does (about 8
// ListCertificates and 10 DescribeCertificate calls a second per account and region). Against the least any
// inventory must do, measured in the same run: the bare SDK pagination of the same regions (bench/bare-acm-list.mjs).
// Prints wall times, the ratio certwatch/bare, and the API calls certwatch made: ListCertificates per region,
// DescribeCertificate (only the few inside ACM's renewal window), and how many were throttled and retried.
//
//   node bench/acm-listing.mjs [--count N] [--rounds R] [--latency-ms L] [--max-seconds S]
//   env: BENCH_COUNT, BENCH_ROUNDS (flags win)
//
// --max-seconds S: exit 1 if certwatch's median wall time exceeds S (the target: 60).
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchDir, median, parseBenchArgs, repoDir, runThenCleanUp, spawnTimed, usage } from './bench-lib.mjs';

const REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-2'];
const script = { name: 'acm-listing', url: import.meta.url };
const { values, count, rounds } = parseBenchArgs(script, {
  defaultCount: '10000',
  maxCount: 100_000,
  options: { 'latency-ms': { type: 'string', default: '50' }, 'max-seconds': { type: 'string' } },
});
const latencyMs = Number(values['latency-ms']);
if (!(latencyMs >= 0)) usage(script, `--latency-ms must be a number >= 0, not "${values['latency-ms']}"`);
const maxSeconds = values['max-seconds'] === undefined ? null : Number(values['max-seconds']);

// Fake credentials and the fake's endpoint for both processes: nothing here reaches AWS.
Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', AWS_REGION: REGIONS[0], AWS_EC2_METADATA_DISABLED: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });

const fake = fork(join(benchDir, 'acm-fake-server.ts'), ['--count', String(count), '--regions', REGIONS.join(','), '--latency-ms', String(latencyMs)], {
  execArgv: ['--import', 'tsx'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const ready = await new Promise((resolve, reject) => {
  fake.once('message', resolve);
  fake.once('exit', (code) => reject(new Error(`bench/acm-fake-server.ts exited with ${code} before listening`)));
});
process.env.AWS_ENDPOINT_URL_ACM = ready.url;
const ask = (message) => new Promise((resolve) => {
  fake.once('message', resolve);
  fake.send(message);
});

const workDir = mkdtempSync(join(tmpdir(), 'certwatch-bench-acm-'));
const seconds = (ms) => (ms / 1000).toFixed(2);

await runThenCleanUp(script, { server: { process: fake }, workDir }, async () => {
  process.stdout.write(
    `acm-listing: ${count} certificates in ${REGIONS.length} regions (${ready.inWindow} inside ACM's renewal window), ${latencyMs} ms a call, ` +
      `ACM's limits (8 List, 10 Describe a second per region); ${rounds} rounds; ${cpus().length} CPUs, load ${loadavg()[0].toFixed(2)}\n`,
  );
  const runs = { certwatch: [], bare: [] };
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? ['certwatch', 'bare'] : ['bare', 'certwatch'];
    for (const who of order) {
      await ask('reset');
      const args = who === 'certwatch' ? [join(repoDir, 'bin', 'certwatch.js'), 'acm', ...REGIONS.flatMap((r) => ['--region', r]), '--json'] : [join(benchDir, 'bare-acm-list.mjs'), ...REGIONS];
      const run = await spawnTimed(workDir, args);
      const output = readFileSync(run.outputFile, 'utf8');
      const stats = await ask('stats');
      if (who === 'certwatch') {
        const results = JSON.parse(output);
        const errors = results.filter((r) => r.error !== null);
        if (results.length !== count || errors.length > 0) throw new Error(`certwatch listed ${results.length} of ${count}, ${errors.length} errors: ${errors[0]?.error?.message ?? run.stderr}`);
        const listCalls = Object.values(stats.list).reduce((a, b) => a + b, 0);
        const describeCalls = Object.values(stats.describe).reduce((a, b) => a + b, 0);
        process.stdout.write(
          `  round ${round} certwatch: ${seconds(run.wallMs)} s, ListCertificates ${listCalls} (${Object.values(stats.list).join('/')} by region), ` +
            `DescribeCertificate ${describeCalls}, throttled and retried ${stats.received.throttled}, exit ${run.code}\n`,
        );
        runs.certwatch.push({ wallMs: run.wallMs, listCalls, describeCalls, throttled: stats.received.throttled });
      } else {
        if (Number(output.trim()) < count) throw new Error(`the bare loop listed ${output.trim()} of ${count}: ${run.stderr}`);
        process.stdout.write(`  round ${round} bare:      ${seconds(run.wallMs)} s, ListCertificates ${stats.received.list - stats.received.throttled}, throttled ${stats.received.throttled}\n`);
        runs.bare.push({ wallMs: run.wallMs });
      }
    }
  }
  const certwatchMs = median(runs.certwatch.map((r) => r.wallMs));
  const bareMs = median(runs.bare.map((r) => r.wallMs));
  const perRegion = Math.ceil(count / REGIONS.length);
  process.stdout.write(
    `median: certwatch ${seconds(certwatchMs)} s, bare pagination ${seconds(bareMs)} s, ratio ${(certwatchMs / bareMs).toFixed(2)}\n` +
      `calls: ListCertificates ${runs.certwatch[0].listCalls} (at most ${REGIONS.length * Math.ceil(perRegion / 1000)}: one per 1,000 per region), DescribeCertificate ${runs.certwatch[0].describeCalls} of ${count}\n` +
      `describe-each at ACM's limit would need ${perRegion} calls a region at 10 a second: ${(perRegion / 10).toFixed(0)} s with the regions at once, ${(count / 10 / 60).toFixed(1)} min one region after another\n`,
  );
  if (maxSeconds !== null && certwatchMs / 1000 > maxSeconds) {
    process.stdout.write(`certwatch's median ${seconds(certwatchMs)} s exceeds --max-seconds ${maxSeconds}\n`);
    process.exitCode = 1;
  }
});
