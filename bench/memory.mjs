#!/usr/bin/env node
// Memory of a long target list: the peak resident memory (RSS, every thread of the process) of
// `certwatch check --json` and of `certwatch run` (a first run into an empty local store, then a steady-state run)
// over N targets, and the same at a small N, to show what grows with the list. Also the wall times, and the ratio
// run/check on the same targets.
//
//   npm run bench:memory -- [--count N] [--small-count n] [--leaves K] [--concurrency C] [--only check|run]
//   env: BENCH_COUNT (default 100000), BENCH_CONCURRENCY (default 50) (flags win)
//
// Targets: bench/tls-server.mjs (its own process) serves K distinct leaves (default 2000, each its own key, serial
// and 10 SANs) on one port. `check` gets N lines `127.0.0.1:PORT` with --servername bench.certwatch.test (a
// different leaf at each handshake); `run` gets N targets `127.0.0.1:PORT` each with its own servername
// (n<i>.bench.certwatch.test, which the leaves' wildcard covers: N certificate ids), and the server gives target
// i leaf i mod K on every run, so the steady-state run finds every certificate unchanged. 89 days left: every
// target is ok, nothing is notified (the bench fails if anything is).
// Peak RSS comes from the process itself (process.resourceUsage().maxRSS, recorded at exit by
// bench/process-timing.mjs). One run each: at these sizes a run takes minutes.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { printHeaderAndExit, readTiming, repoDir, runThenCleanUp, spawnTimed, startServer, usage } from './bench-lib.mjs';

const script = { name: 'memory', url: import.meta.url };
const { values } = parseArgs({
  options: {
    count: { type: 'string', default: process.env.BENCH_COUNT ?? '100000' },
    'small-count': { type: 'string', default: '1000' },
    leaves: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: process.env.BENCH_CONCURRENCY ?? '50' },
    only: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) printHeaderAndExit(script);
const whole = (flag, min, max) => {
  const number = Number(values[flag]);
  if (!/^\d+$/.test(values[flag]) || number < min || number > max) usage(script, `--${flag} must be a whole number in ${min}-${max}, not "${values[flag]}"`);
  return number;
};
const count = whole('count', 1, 1_000_000);
const smallCount = whole('small-count', 1, 1_000_000);
const leafCount = whole('leaves', 2, 100_000);
const concurrency = whole('concurrency', 1, 1000);
if (values.only !== undefined && !['check', 'run'].includes(values.only)) usage(script, `--only must be check or run, not "${values.only}"`);

const workDir = mkdtempSync(join(tmpdir(), 'certwatch-bench-memory-'));
process.stdout.write(`issuing ${leafCount} leaves for the server (about 10 ms each)...\n`);
const server = await startServer(['--ca-file', join(workDir, 'root.pem'), '--leaves', String(leafCount), '--leaf-by', 'servername']);
await runThenCleanUp(script, { server, workDir }, run);

async function run() {
  process.stdout.write(
    `certwatch memory: N=${count} (and ${smallCount}), ${leafCount} distinct leaves, concurrency=${concurrency}, node ${process.version}, ${cpus().length} cores, ` +
      `load average ${loadavg()[0].toFixed(2)}\n`,
  );
  const rows = [];
  for (const n of [smallCount, count]) {
    if (values.only !== 'run') rows.push(await measureCheck(n));
    if (values.only !== 'check') rows.push(...(await measureRuns(n)));
  }
  process.stdout.write('\n');
  for (const n of [smallCount, count]) {
    const check = rows.find((row) => row.n === n && row.kind === 'check');
    for (const row of rows.filter((r) => r.n === n)) {
      const ratio = check && row !== check ? `  wall ratio to check ${(row.wallMs / check.wallMs).toFixed(2)}` : '';
      process.stdout.write(
        `  N=${String(n).padEnd(7)} ${row.kind.padEnd(12)} peak RSS ${row.maxRssMb.toFixed(0).padStart(5)} MB  wall ${(row.wallMs / 1000).toFixed(1).padStart(6)} s  cpu ${(row.cpuMs / 1000).toFixed(1).padStart(6)} s${ratio}\n`,
      );
    }
  }
}

async function measureCheck(n) {
  const targetsFile = join(workDir, 'targets.txt');
  writeFileSync(targetsFile, `127.0.0.1:${server.port}\n`.repeat(n));
  const args = [join(repoDir, 'bin/certwatch.js'), 'check', '--targets-file', targetsFile, '--servername', server.servername, '--ca-file', server.caFile, '--concurrency', String(concurrency), '--json'];
  const result = await timed(`check, N=${n}`, args, 0);
  // The output must be one JSON array of N ok results (read in a stream of lines: it can be hundreds of MB).
  const output = readFileSync(result.outputFile, 'utf8');
  const oks = output.match(/^ {4}"status": "ok",$/gm)?.length ?? 0;
  if (!output.startsWith('[\n') || !output.endsWith('\n]\n') || oks !== n) throw new Error(`check, N=${n}: expected ${n} ok results in one JSON array, found ${oks}`);
  rmSync(result.outputFile, { force: true });
  return { n, kind: 'check', ...result };
}

async function measureRuns(n) {
  const configFile = join(workDir, 'certwatch.config.json');
  const targets = Array.from({ length: n }, (_, i) => ({ target: `127.0.0.1:${server.port}`, servername: `n${i}.${server.servername}` }));
  writeFileSync(configFile, JSON.stringify({ targets, check: { concurrency, caFile: server.caFile }, audiences: { owners: { emails: ['owners@example.com'] }, oncall: { emails: ['oncall@example.com'] } } }));
  const store = join(workDir, `store-${n}`);
  const notifications = join(workDir, 'notifications.jsonl');
  const runArgs = [join(repoDir, 'bin/certwatch.js'), 'run', '--config', configFile, '--store', store, '--notify', `file:${notifications}`, '--json'];
  const first = await timed(`run, first, N=${n}`, runArgs, 0);
  const steady = await timed(`run, steady, N=${n}`, runArgs, 0);
  for (const [name, result] of [['first', first], ['steady', steady]]) {
    const summary = JSON.parse(readFileSync(result.outputFile, 'utf8'));
    if (summary.byStatus.ok !== n) throw new Error(`run, ${name}, N=${n}: expected ${n} ok targets, got ${JSON.stringify(summary.byStatus)}`);
  }
  if (fileSize(notifications) > 0) throw new Error(`a run notified something (${notifications}): the bench expects every target far from expiry`);
  rmSync(store, { recursive: true, force: true });
  return [
    { n, kind: 'run, first', ...first },
    { n, kind: 'run, steady', ...steady },
  ];
}

async function timed(name, args, expectedExit) {
  process.stdout.write(`  ${name}...`);
  const { wallMs, code, stderr, outputFile, timingFile } = await spawnTimed(workDir, args);
  if (code !== expectedExit) throw new Error(`${name} exited with ${code}: ${stderr.trim().slice(0, 500)}`);
  const { cpuMs, maxRssMb } = readTiming(timingFile);
  process.stdout.write(` peak RSS ${maxRssMb.toFixed(0)} MB, wall ${(wallMs / 1000).toFixed(1)} s\n`);
  return { wallMs, cpuMs, maxRssMb, outputFile };
}

function fileSize(file) {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
