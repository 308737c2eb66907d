#!/usr/bin/env node
// Throughput of `certwatch check` against the bare minimum a Node program needs to read the same chains
// (bench/bare-tls-loop.mjs), both measured in the same run, against the same TLS server (bench/tls-server.mjs,
// its own process), at the same concurrency, interleaved over a few rounds. Prints both rates and their ratio.
//
//   npm run bench -- [--count N] [--concurrency C] [--rounds R] [--rsa] [--untrusted] [--distinct-leaves [--leaves K]] [--min-ratio X]
//   env: BENCH_COUNT, BENCH_CONCURRENCY, BENCH_ROUNDS, BENCH_MIN_RATIO (flags win)
//
// --distinct-leaves: the server serves K distinct leaves (default 2000), each with its own key, serial and 10 SANs,
// the next one to each handshake, so that consecutive handshakes never see the same certificate: what a watcher
// of many endpoints sees. Without it, one leaf is served to every handshake.
//
// Both sides are timed the same way, from spawn to exit of their own process, so certwatch's start-up (node, the
// built CLI in dist/, commander) counts. A preloaded hook (bench/process-timing.mjs) also records when each process
// first called tls.connect, which splits every run into start-up and probing.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchDir, median, parseBenchArgs, readTiming, repoDir, runThenCleanUp, spawnTimed, startServer, usage } from './bench-lib.mjs';

const script = { name: 'check-throughput', url: import.meta.url };
const { values, count, concurrency, rounds } = parseBenchArgs(script, {
  defaultCount: '2000',
  maxCount: 1_000_000,
  options: {
    'min-ratio': { type: 'string', default: process.env.BENCH_MIN_RATIO },
    rsa: { type: 'boolean', default: false },
    untrusted: { type: 'boolean', default: false },
    'distinct-leaves': { type: 'boolean', default: false },
    leaves: { type: 'string', default: '2000' },
  },
});
const leafCount = Number(values.leaves);
if (!/^\d+$/.test(values.leaves) || leafCount < 2 || leafCount > 100_000) usage(script, `--leaves must be a whole number in 2-100000, not "${values.leaves}"`);
const minRatio = values['min-ratio'] === undefined ? null : Number(values['min-ratio']);
if (minRatio !== null && !(minRatio > 0)) usage(script, `--min-ratio must be a positive number, not "${values['min-ratio']}"`);

const workDir = mkdtempSync(join(tmpdir(), 'certwatch-bench-'));
if (values['distinct-leaves']) process.stdout.write(`issuing ${leafCount} leaves for the server (about 10 ms each)...\n`);
const server = await startServer(['--ca-file', join(workDir, 'root.pem'), ...(values.rsa ? ['--rsa'] : []), ...(values['distinct-leaves'] ? ['--leaves', String(leafCount)] : [])]);
await runThenCleanUp(script, { server, workDir }, run);

async function run() {
  const targetsFile = writeTargets('targets.txt', count);
  const caArgs = values.untrusted ? [] : ['--ca-file', server.caFile];
  // certwatch exits 0 only when every target is ok; an untrusted root makes every target critical (2).
  const certwatchFor = (file) => ({
    name: 'certwatch check',
    args: [join(repoDir, 'bin/certwatch.js'), 'check', '--targets-file', file, '--concurrency', String(concurrency), '--json', '--servername', server.servername, ...caArgs],
    expectedExit: values.untrusted ? 2 : 0,
  });
  const bareFor = (handshakes) => ({
    name: 'bare tls.connect',
    args: [join(benchDir, 'bare-tls-loop.mjs'), '--port', String(server.port), '--count', String(handshakes), '--concurrency', String(concurrency), '--servername', server.servername],
    expectedExit: 0,
  });
  const certwatch = certwatchFor(targetsFile);
  const bare = bareFor(count);

  process.stdout.write(
    `certwatch throughput: N=${count}, concurrency=${concurrency}, rounds=${rounds}, key=${server.keyType === 'rsa' ? 'RSA-2048' : 'EC P-256'}, ` +
      `chain=leaf+intermediate (${values.untrusted ? 'root not given: untrusted' : 'root via --ca-file: trusted'}), ` +
      `${server.leaves > 1 ? `${server.leaves} distinct leaves (own keys, 10 SANs) served in turn` : 'one leaf'}, ` +
      `node ${process.version}, ${cpus().length} cores, server in its own process\n`,
  );
  // Warm-up (not counted): the server's JIT, the page cache.
  const warmCount = Math.min(count, 200);
  const warm = {
    [certwatch.name]: await measure(certwatchFor(writeTargets('warm-up-targets.txt', warmCount)), warmCount),
    [bare.name]: await measure(bareFor(warmCount), warmCount),
  };

  const results = { [certwatch.name]: [], [bare.name]: [] };
  for (let round = 1; round <= rounds; round++) {
    // Alternate who goes first, so a drift in machine load does not always favour the same side.
    const order = round % 2 === 1 ? [certwatch, bare] : [bare, certwatch];
    for (const subject of order) {
      const result = await measure(subject, count);
      results[subject.name].push(result);
      process.stdout.write(
        `  round ${round}  ${subject.name.padEnd(17)} ${fmt(result.rate, 0).padStart(6)} handshakes/s  ` +
          `wall ${fmt(result.wallMs, 0).padStart(5)} ms = start-up ${fmt(result.startupMs, 0).padStart(4)} ms + probing ${fmt(result.probingMs, 0).padStart(5)} ms ` +
          `(${fmt(result.probingRate, 0)}/s)  cpu ${fmt(result.cpuMs, 0).padStart(5)} ms\n`,
      );
    }
  }

  const summary = (name) => {
    const runs = results[name];
    return {
      rate: median(runs.map((r) => r.rate)),
      probingRate: median(runs.map((r) => r.probingRate)),
      startupMs: median(runs.map((r) => r.startupMs)),
      wallMs: median(runs.map((r) => r.wallMs)),
      cpuMs: median(runs.map((r) => r.cpuMs)),
      maxRssMb: median(runs.map((r) => r.maxRssMb)),
    };
  };
  // Peak RSS, and what it grew by from the warm-up's 200 handshakes to N, a handshake: memory that stays behind each
  // handshake (a native leak: Node 20's getPeerX509Certificate() left about 8 KB) shows here, beside the bare loop's.
  const growth = (name, peak) => (count > warmCount ? ((peak - warm[name].maxRssMb) * 1024) / (count - warmCount) : 0);
  const memory = (name, peak) => `peak RSS ${fmt(peak, 0)} MB (${fmt(warm[name].maxRssMb, 0)} MB after ${warmCount} handshakes: ${fmt(growth(name, peak), 1)} KB a handshake more)`;
  const cw = summary(certwatch.name);
  const base = summary(bare.name);
  const ratio = cw.rate / base.rate;
  const probingRatio = cw.probingRate / base.probingRate;
  // The same ratio within each round (whoever ran first): its spread shows how noisy the machine was.
  const roundRatios = results[certwatch.name].map((run, i) => run.rate / results[bare.name][i].rate);
  process.stdout.write(
    `\nmedian of ${rounds}:\n` +
      `  certwatch check   ${fmt(cw.rate, 0).padStart(6)} handshakes/s  (wall ${fmt(cw.wallMs, 0)} ms, start-up ${fmt(cw.startupMs, 0)} ms, probing alone ${fmt(cw.probingRate, 0)}/s, ` +
      `cpu ${fmt(cw.cpuMs, 0)} ms = ${fmt((cw.cpuMs * 1000) / count, 0)} us a handshake)\n` +
      `  bare tls.connect  ${fmt(base.rate, 0).padStart(6)} handshakes/s  (wall ${fmt(base.wallMs, 0)} ms, start-up ${fmt(base.startupMs, 0)} ms, probing alone ${fmt(base.probingRate, 0)}/s, ` +
      `cpu ${fmt(base.cpuMs, 0)} ms = ${fmt((base.cpuMs * 1000) / count, 0)} us a handshake)\n` +
      `  ratio certwatch/bare: ${fmt(ratio, 2)} whole process, ${fmt(probingRatio, 2)} probing alone ` +
      `(whole process by round: ${roundRatios.map((r) => fmt(r, 2)).join(', ')})\n` +
      `  memory: certwatch ${memory(certwatch.name, cw.maxRssMb)}; bare loop ${memory(bare.name, base.maxRssMb)}\n`,
  );
  if (minRatio !== null && ratio < minRatio) {
    process.stdout.write(`FAIL: ratio ${fmt(ratio, 2)} is below --min-ratio ${minRatio}\n`);
    process.exitCode = 1;
  } else if (minRatio !== null) {
    process.stdout.write(`ok: ratio ${fmt(ratio, 2)} >= --min-ratio ${minRatio}\n`);
  }
}

/** A targets file naming the bench server `lines` times. */
function writeTargets(name, lines) {
  const file = join(workDir, name);
  writeFileSync(file, `127.0.0.1:${server.port}\n`.repeat(lines));
  return file;
}

/**
 * Runs one subject to completion; wall time is spawn to exit. Output goes to a file nobody reads unless the
 * exit status says something failed (it explains failures).
 */
async function measure(subject, handshakes) {
  const { wallMs, code, stderr, outputFile, timingFile } = await spawnTimed(workDir, subject.args);
  if (code !== subject.expectedExit) {
    throw new Error(`${subject.name} exited with ${code}, expected ${subject.expectedExit}: ${stderr.trim().slice(0, 500)}${describeFailures(outputFile)}`);
  }
  const { startupMs, restMs: probingMs, cpuMs, maxRssMb } = readTiming(timingFile);
  return { wallMs, startupMs, probingMs, cpuMs, maxRssMb, rate: handshakes / (wallMs / 1000), probingRate: handshakes / (probingMs / 1000) };
}

/** What went wrong, from certwatch's JSON array or the bare loop's summary line: counts by status and error. */
function describeFailures(outputFile) {
  try {
    const output = JSON.parse(readFileSync(outputFile, 'utf8'));
    if (!Array.isArray(output)) return `\n  ${JSON.stringify(output)}`;
    const counts = new Map();
    for (const result of output) {
      const key = `${result.status} ${result.error?.code ?? ''} ${result.findings.map((f) => f.code).join(',')}`.trim();
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const firstError = output.find((result) => result.error)?.error?.message;
    return `\n  ${[...counts].map(([key, n]) => `${n} x ${key}`).join('; ')}${firstError ? `\n  first error: ${firstError}` : ''}`;
  } catch {
    return '';
  }
}

function fmt(number, digits) {
  return number.toFixed(digits);
}
