// What bench/check-throughput.mjs and bench/run-overhead.mjs share: their common flags, the bench TLS server
// (bench/tls-server.mjs, its own process), timing a child process from spawn to exit with the
// bench/process-timing.mjs preload, and medians.
import { fork, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export const benchDir = dirname(fileURLToPath(import.meta.url));
export const repoDir = dirname(benchDir);

/**
 * A bench's flags: --count (at most `maxCount`), --concurrency and --rounds, from BENCH_COUNT, BENCH_CONCURRENCY
 * and BENCH_ROUNDS unless given, plus the bench's own `options`. --help prints the header comment of the script at
 * `script.url` and exits 0; a value out of range exits 3.
 */
export function parseBenchArgs(script, { defaultCount, maxCount, options }) {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', short: 'n', default: process.env.BENCH_COUNT ?? defaultCount },
      concurrency: { type: 'string', short: 'c', default: process.env.BENCH_CONCURRENCY ?? '50' },
      rounds: { type: 'string', default: process.env.BENCH_ROUNDS ?? '3' },
      ...options,
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) printHeaderAndExit(script);
  return {
    values,
    count: wholeNumber(script, '--count', values.count, 1, maxCount),
    concurrency: wholeNumber(script, '--concurrency', values.concurrency, 1, 1000),
    rounds: wholeNumber(script, '--rounds', values.rounds, 1, 100),
  };
}

/** --help: prints the header comment of the script at `script.url` and exits 0. */
export function printHeaderAndExit(script) {
  const header = readFileSync(fileURLToPath(script.url), 'utf8').split('\n').slice(1);
  const comment = header.slice(0, header.findIndex((line) => !line.startsWith('//')));
  process.stdout.write(`${comment.map((line) => line.replace(/^\/\/ ?/, '')).join('\n')}\n`);
  process.exit(0);
}

function wholeNumber(script, flag, value, min, max) {
  const number = Number(value);
  if (!/^\d+$/.test(String(value)) || number < min || number > max) usage(script, `${flag} must be a whole number in ${min}-${max}, not "${value}"`);
  return number;
}

/** A wrong flag: says so and exits 3. */
export function usage(script, message) {
  process.stderr.write(`${script.name}: ${message}\n`);
  process.exit(3);
}

/** Forks bench/tls-server.mjs with `args` and waits for what it reports once listening (port, servername, caFile, ...). */
export function startServer(args) {
  const child = fork(join(benchDir, 'tls-server.mjs'), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (ready) => resolve({ ...ready, process: child }));
    child.once('exit', (code) => reject(new Error(`bench/tls-server.mjs exited with ${code} before listening`)));
  });
}

/**
 * Runs `body`, then stops the server and removes `workDir` whatever happened. A failure is printed as
 * `<script name>: <message>` and sets exit status 2.
 */
export async function runThenCleanUp(script, { server, workDir }, body) {
  try {
    await body();
  } catch (error) {
    process.stderr.write(`${script.name}: ${error.message}\n`);
    process.exitCode = 2;
  } finally {
    server.process.kill('SIGTERM');
    rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * Runs `node --import bench/process-timing.mjs ...args` in the repository to completion; wall time is spawn to
 * exit. Its stdout goes to `outputFile` in `workDir` (as cheap for the child as /dev/null, and there to explain
 * a failure or to be checked); its stderr is collected. Resolves with the exit code (or signal) whatever it is:
 * the caller judges it, and reads the preload's record with readTiming(timingFile).
 */
export function spawnTimed(workDir, args) {
  const timingFile = join(workDir, 'timing.json');
  const outputFile = join(workDir, 'output.txt');
  rmSync(timingFile, { force: true });
  const output = openSync(outputFile, 'w');
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', pathToFileURL(join(benchDir, 'process-timing.mjs')).href, ...args], {
      cwd: repoDir,
      stdio: ['ignore', output, 'pipe'],
      env: { ...process.env, CERTWATCH_BENCH_TIMING_FILE: timingFile, NO_COLOR: '1' },
    });
    closeSync(output);
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ wallMs: performance.now() - started, code: code ?? signal, stderr, outputFile, timingFile }));
  });
}

/**
 * What the preload recorded: start-up (to the first tls.connect, or to exit without one), the rest, CPU time, peak
 * resident memory (MiB, the process's threads included), and on Linux the main thread's own CPU time and its wait
 * for a core (undefined elsewhere).
 */
export function readTiming(timingFile) {
  const timing = JSON.parse(readFileSync(timingFile, 'utf8'));
  const startupMs = timing.firstConnectMs ?? timing.exitMs;
  return { startupMs, restMs: timing.exitMs - startupMs, cpuMs: timing.cpuMs, maxRssMb: timing.maxRssMb, mainCpuMs: timing.mainCpuMs, mainWaitMs: timing.mainWaitMs };
}

/**
 * A distribution-free interval for the median of what `numbers` sample (order statistics): the k-th smallest and the
 * k-th largest, k as large as keeps the chance that the median lies between them at `confidence` or more (the count
 * of samples below the median is binomial, n and 1/2). Returns { low, high, coverage } (coverage: the chance reached),
 * or null when there are too few numbers for that confidence (fewer than 6 for 95%).
 */
export function medianInterval(numbers, confidence = 0.95) {
  const sorted = [...numbers].sort((a, b) => a - b);
  const n = sorted.length;
  let below = 0; // P(B <= k - 1), B ~ Binomial(n, 1/2)
  let term = 0.5 ** n; // P(B = j), from j = 0
  let best = null;
  for (let k = 1; 2 * k <= n; k++) {
    below += term;
    term *= (n - (k - 1)) / k;
    const coverage = 1 - 2 * below;
    if (coverage < confidence) break;
    best = { low: sorted[k - 1], high: sorted[n - k], coverage };
  }
  return best;
}

export function median(numbers) {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
