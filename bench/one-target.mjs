#!/usr/bin/env node
// One target, one process, the way a monitoring plugin or a cron job runs a certificate check:
// `certwatch check --ca-file root.pem --servername NAME 127.0.0.1:PORT` against `ssl-cert-check -s 127.0.0.1 -p PORT`
// (a shell script around openssl s_client and openssl x509; Debian package ssl-cert-check), on the same loopback
// server (bench/tls-server.mjs, its own process), compared pair by pair: in each round both run once, in
// alternating order, and the ratio of their wall times (spawn to exit) is taken. Also `certwatch --help` against
// `node -e 0` (the floor any Node program starts from), the same way.
//
//   npm run bench:one -- [--rounds R] [--max-ratio X]
//   env: BENCH_ROUNDS (default 10), BENCH_MAX_RATIO (flags win)
//
// --max-ratio X: exit 1 if the median ratio certwatch/ssl-cert-check is above X (default: report only).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { median, printHeaderAndExit, repoDir, runThenCleanUp, startServer, usage } from './bench-lib.mjs';

const script = { name: 'one-target', url: import.meta.url };
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: process.env.BENCH_ROUNDS ?? '10' },
    'max-ratio': { type: 'string', default: process.env.BENCH_MAX_RATIO },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) printHeaderAndExit(script);
const rounds = Number(values.rounds);
if (!/^\d+$/.test(values.rounds) || rounds < 1 || rounds > 1000) usage(script, `--rounds must be a whole number in 1-1000, not "${values.rounds}"`);
const maxRatio = values['max-ratio'] === undefined ? null : Number(values['max-ratio']);
if (maxRatio !== null && !(maxRatio > 0)) usage(script, `--max-ratio must be a positive number, not "${values['max-ratio']}"`);
const sslCertCheck = spawnSync('sh', ['-c', 'command -v ssl-cert-check'], { encoding: 'utf8' }).stdout.trim();
if (!sslCertCheck) usage(script, 'ssl-cert-check is not installed (Debian: apt-get install ssl-cert-check)');

const workDir = mkdtempSync(join(tmpdir(), 'certwatch-bench-one-'));
const server = await startServer(['--ca-file', join(workDir, 'root.pem')]);
await runThenCleanUp(script, { server, workDir }, run);

async function run() {
  const target = `127.0.0.1:${server.port}`;
  const pairs = [
    {
      label: 'one target',
      subject: { name: 'certwatch check', command: process.execPath, args: [join(repoDir, 'bin/certwatch.js'), 'check', '--ca-file', server.caFile, '--servername', server.servername, target], expect: /^OK\s+89\s/m },
      baseline: { name: 'ssl-cert-check', command: sslCertCheck, args: ['-s', '127.0.0.1', '-p', String(server.port)], expect: /Valid/ },
    },
    {
      label: 'start-up',
      subject: { name: 'certwatch --help', command: process.execPath, args: [join(repoDir, 'bin/certwatch.js'), '--help'], expect: /Usage: certwatch/ },
      baseline: { name: 'node -e 0', command: process.execPath, args: ['-e', '0'], expect: /^$/ },
    },
  ];
  process.stdout.write(`one target, one process: ${rounds} rounds, node ${process.version}, ${cpus().length} cores, load average ${loadavg()[0].toFixed(2)}, server ${target} in its own process\n`);
  for (const { subject, baseline } of pairs) {
    await timed(subject); // warm-up (page cache), not counted
    await timed(baseline);
  }
  const summary = [];
  for (const { label, subject, baseline } of pairs) {
    const runs = [];
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 === 1 ? [subject, baseline] : [baseline, subject];
      const wall = {};
      for (const side of order) wall[side.name] = await timed(side);
      runs.push({ subject: wall[subject.name], baseline: wall[baseline.name] });
      process.stdout.write(`  ${label.padEnd(10)} round ${String(round).padStart(2)}  ${subject.name} ${ms(wall[subject.name])}  ${baseline.name} ${ms(wall[baseline.name])}  ratio ${(wall[subject.name] / wall[baseline.name]).toFixed(2)}\n`);
    }
    const ratios = runs.map((r) => r.subject / r.baseline);
    summary.push({ label, subject, baseline, subjectMs: median(runs.map((r) => r.subject)), baselineMs: median(runs.map((r) => r.baseline)), ratio: median(ratios), ratios });
  }
  process.stdout.write(`\nmedian of ${rounds} (wall time, spawn to exit):\n`);
  for (const s of summary) {
    process.stdout.write(
      `  ${s.subject.name.padEnd(16)} ${ms(s.subjectMs)}   ${s.baseline.name.padEnd(15)} ${ms(s.baselineMs)}   median ratio of pairs ${s.ratio.toFixed(2)} ` +
        `(${Math.min(...s.ratios).toFixed(2)}-${Math.max(...s.ratios).toFixed(2)})\n`,
    );
  }
  const [oneTarget] = summary;
  if (maxRatio !== null && oneTarget.ratio > maxRatio) {
    process.stdout.write(`FAIL: ratio ${oneTarget.ratio.toFixed(2)} is above --max-ratio ${maxRatio}\n`);
    process.exitCode = 1;
  } else if (maxRatio !== null) {
    process.stdout.write(`ok: ratio ${oneTarget.ratio.toFixed(2)} <= --max-ratio ${maxRatio}\n`);
  }
}

/** Wall time of one run, spawn to exit; fails unless it exits 0 and prints what it should. */
function timed({ name, command, args, expect }) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: repoDir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      const wallMs = performance.now() - started;
      if (code !== 0 || !expect.test(out)) reject(new Error(`${name} exited with ${code}: ${out.trim().slice(0, 400)}`));
      else resolve(wallMs);
    });
  });
}

function ms(value) {
  return `${value.toFixed(0).padStart(4)} ms`;
}
