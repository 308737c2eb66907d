#!/usr/bin/env node
// What probing every address behind a name costs: `certwatch check` on targets whose name resolves to 3 addresses
// against targets whose name resolves to 1, and both against the bare tls.connect loop per handshake, in the same
// run, at the same concurrency (handshakes at once), interleaved over a few rounds.
//
//   npm run bench:pool -- [--count N] [--concurrency C] [--rounds R] [--min-ratio X]
//   env: BENCH_COUNT, BENCH_CONCURRENCY, BENCH_ROUNDS, BENCH_MIN_RATIO (flags win)
//
// bench/tls-server.mjs (its own process) serves one port on 127.0.1.1-3; a DNS server on loopback
// (bench/dns-responder.mjs, given to certwatch with --dns-server) answers `pool.bench.certwatch.test` with the three
// addresses and `one.bench.certwatch.test` with the first. N handshakes (default 3000) each way:
//   bare loop      N connections to 127.0.1.1
//   one address    N targets one.bench...:PORT           (N handshakes)
//   3-address pool N/3 targets pool.bench...:PORT        (N handshakes)
//   one, N/3       N/3 targets one.bench...:PORT         (N/3 handshakes: the same targets as the pool, one address each)
// Printed: handshakes/s and the ratio to the bare loop for the first three (whole process, and probing alone),
// and the pool's wall time over the one-address check of as many targets: what a 3-address pool costs per target.
// --min-ratio X: exit 1 if the pool's handshake rate falls below X times the bare loop's (default: report only).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchDir, median, parseBenchArgs, readTiming, repoDir, runThenCleanUp, spawnTimed, startServer, usage } from './bench-lib.mjs';
import { startDnsResponder } from './dns-responder.mjs';

const script = { name: 'pool-cost', url: import.meta.url };
const { values, count: requested, concurrency, rounds } = parseBenchArgs(script, {
  defaultCount: '3000',
  maxCount: 300_000,
  options: { 'min-ratio': { type: 'string', default: process.env.BENCH_MIN_RATIO } },
});
const minRatio = values['min-ratio'] === undefined ? null : Number(values['min-ratio']);
if (minRatio !== null && !(minRatio > 0)) usage(script, `--min-ratio must be a positive number, not "${values['min-ratio']}"`);
const POOL = 3;
const count = Math.max(POOL, requested - (requested % POOL)); // whole pools

const workDir = mkdtempSync(join(tmpdir(), 'certwatch-bench-pool-'));
const server = await startServer(['--ca-file', join(workDir, 'root.pem'), '--hosts', String(POOL)]);
const dns = await startDnsResponder({ 'pool.bench.certwatch.test': server.hosts, 'one.bench.certwatch.test': server.hosts.slice(0, 1) });
try {
  await runThenCleanUp(script, { server, workDir }, run);
} finally {
  await dns.close();
}

async function run() {
  const check = (name, targets, handshakes) => ({
    name,
    handshakes,
    targets: targets.length,
    args: [
      join(repoDir, 'bin/certwatch.js'), 'check', '--targets-file', writeTargets(name, targets), '--concurrency', String(concurrency), '--json',
      '--servername', server.servername, '--ca-file', server.caFile, '--dns-server', dns.server,
    ],
  });
  const target = (name, n) => Array.from({ length: n }, () => `${name}.bench.certwatch.test:${server.port}`);
  const bareLoop = (handshakes) => ({
    name: 'bare loop',
    handshakes,
    args: [join(benchDir, 'bare-tls-loop.mjs'), '--host', server.hosts[0], '--port', String(server.port), '--count', String(handshakes), '--concurrency', String(concurrency), '--servername', server.servername],
  });
  const subjects = [bareLoop(count), check('one address', target('one', count), count), check('3-address pool', target('pool', count / POOL), count), check('one, N/3', target('one', count / POOL), count / POOL)];
  process.stdout.write(
    `pool cost: N=${count} handshakes, concurrency=${concurrency}, rounds=${rounds}, EC P-256 leaf+intermediate (trusted), ` +
      `node ${process.version}, ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)}, server in its own process\n`,
  );
  // Warm-up, not counted: the server's JIT, the page cache.
  for (const subject of [bareLoop(150), check('warm-up one', target('one', 150), 150), check('warm-up pool', target('pool', 50), 150)]) await measure(subject);

  const results = new Map(subjects.map((subject) => [subject.name, []]));
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? subjects : [...subjects].reverse();
    for (const subject of order) {
      const result = await measure(subject);
      results.get(subject.name).push(result);
      process.stdout.write(
        `  round ${round}  ${subject.name.padEnd(15)} ${result.rate.toFixed(0).padStart(6)} handshakes/s  wall ${result.wallMs.toFixed(0).padStart(5)} ms ` +
          `= start-up ${result.startupMs.toFixed(0).padStart(4)} ms + probing ${result.probingMs.toFixed(0).padStart(5)} ms (${result.probingRate.toFixed(0)}/s)\n`,
      );
    }
  }
  const summary = (name) => {
    const runs = results.get(name);
    return { rate: median(runs.map((r) => r.rate)), probingRate: median(runs.map((r) => r.probingRate)), wallMs: median(runs.map((r) => r.wallMs)), probingMs: median(runs.map((r) => r.probingMs)) };
  };
  const bare = summary('bare loop');
  const one = summary('one address');
  const pool = summary('3-address pool');
  const oneThird = summary('one, N/3');
  const ratio = (a, b) => (a / b).toFixed(2);
  process.stdout.write(
    `\nmedian of ${rounds}:\n` +
      `  bare loop        ${bare.rate.toFixed(0).padStart(6)} handshakes/s (probing alone ${bare.probingRate.toFixed(0)}/s)\n` +
      `  one address      ${one.rate.toFixed(0).padStart(6)} handshakes/s: ${ratio(one.rate, bare.rate)}x the bare loop (probing alone ${ratio(one.probingRate, bare.probingRate)}x)\n` +
      `  3-address pool   ${pool.rate.toFixed(0).padStart(6)} handshakes/s: ${ratio(pool.rate, bare.rate)}x the bare loop (probing alone ${ratio(pool.probingRate, bare.probingRate)}x)\n` +
      `  per target: ${count / POOL} pool targets take ${pool.wallMs.toFixed(0)} ms, as many one-address targets ${oneThird.wallMs.toFixed(0)} ms: ` +
      `${ratio(pool.wallMs, oneThird.wallMs)}x whole process, ${ratio(pool.probingMs, oneThird.probingMs)}x probing alone\n` +
      `  DNS queries answered: ${dns.queries()} (one A and one AAAA lookup per name and process)\n`,
  );
  if (minRatio !== null) {
    const passed = pool.rate / bare.rate >= minRatio;
    process.stdout.write(`${passed ? 'ok' : 'FAIL'}: pool/bare ${ratio(pool.rate, bare.rate)} ${passed ? '>=' : '<'} --min-ratio ${minRatio}\n`);
    if (!passed) process.exitCode = 1;
  }
}

function writeTargets(name, lines) {
  const file = join(workDir, `${name.replace(/\W+/g, '-')}.txt`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Runs one subject to completion (spawn to exit); every handshake must succeed (exit 0). */
async function measure(subject) {
  const { wallMs, code, stderr, timingFile } = await spawnTimed(workDir, subject.args);
  if (code !== 0) throw new Error(`${subject.name} exited with ${code}: ${stderr.trim().slice(0, 500)}`);
  const { startupMs, restMs: probingMs } = readTiming(timingFile);
  return { wallMs, startupMs, probingMs, rate: subject.handshakes / (wallMs / 1000), probingRate: subject.handshakes / (probingMs / 1000) };
}
