#!/usr/bin/env node
// The release gate's speed: `certwatch check --files 'release/**/*.pem'` over N certificates in N/10 files (default
// 10,000 in 1,000: each file nine distinct leaves and their intermediate, in nested folders), every certificate
// parsed, its chain in the file walked to the root given with --ca-file, and judged. Against the least a file check
// must do, measured in the same run: read every file and parse each certificate with Node's X509Certificate
// (bench/bare-file-read.mjs). The files are written once, before timing (bench/certificate-files.ts).
//
//   node bench/file-check.mjs [--count N] [--rounds R] [--max-seconds S]
//   env: BENCH_COUNT, BENCH_ROUNDS (flags win)
//
// --max-seconds S: exit 1 if certwatch's median wall time exceeds S (the target: 5).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchDir, median, parseBenchArgs, repoDir, runThenCleanUp, spawnTimed } from './bench-lib.mjs';

const PER_FILE = 10;
const script = { name: 'file-check', url: import.meta.url };
const { values, count, rounds } = parseBenchArgs(script, { defaultCount: '10000', maxCount: 200_000, options: { 'max-seconds': { type: 'string' } } });
const files = Math.max(1, Math.round(count / PER_FILE));
const maxSeconds = values['max-seconds'] === undefined ? null : Number(values['max-seconds']);
const workDir = mkdtempSync(join(tmpdir(), 'certwatch-bench-files-'));
const seconds = (ms) => (ms / 1000).toFixed(2);

const generating = performance.now();
execFileSync(process.execPath, ['--import', 'tsx', join(benchDir, 'certificate-files.ts'), workDir, String(files), String(PER_FILE)], { cwd: repoDir, stdio: 'inherit' });
const total = files * PER_FILE;

await runThenCleanUp(script, { server: { process: { kill: () => undefined } }, workDir }, async () => {
  process.stdout.write(`file-check: ${total} certificates in ${files} files (written in ${seconds(performance.now() - generating)} s); ${rounds} rounds; ${cpus().length} CPUs, load ${loadavg()[0].toFixed(2)}\n`);
  const runs = { certwatch: [], bare: [] };
  for (let round = 1; round <= rounds; round++) {
    for (const who of round % 2 === 1 ? ['certwatch', 'bare'] : ['bare', 'certwatch']) {
      const args =
        who === 'certwatch'
          ? [join(repoDir, 'bin', 'certwatch.js'), 'check', '--files', join(workDir, 'release', '**', '*.pem'), '--ca-file', join(workDir, 'root.pem'), '--json']
          : [join(benchDir, 'bare-file-read.mjs'), join(workDir, 'release')];
      const run = await spawnTimed(workDir, args);
      const output = readFileSync(run.outputFile, 'utf8');
      if (who === 'certwatch') {
        const results = JSON.parse(output);
        const notOk = results.filter((r) => r.status !== 'ok');
        if (results.length !== total || notOk.length > 0) throw new Error(`certwatch judged ${results.length} of ${total}, ${notOk.length} not ok: ${JSON.stringify(notOk[0]?.error ?? notOk[0]?.findings ?? run.stderr)}`);
      } else if (Number(output.trim()) !== total) {
        throw new Error(`the bare loop parsed ${output.trim()} of ${total}: ${run.stderr}`);
      }
      process.stdout.write(`  round ${round} ${who.padEnd(9)} ${seconds(run.wallMs)} s (exit ${run.code})\n`);
      runs[who].push(run.wallMs);
    }
  }
  const certwatchMs = median(runs.certwatch);
  const bareMs = median(runs.bare);
  process.stdout.write(`median: certwatch ${seconds(certwatchMs)} s (${Math.round(total / (certwatchMs / 1000))} certificates/s), bare read-and-parse ${seconds(bareMs)} s, ratio ${(certwatchMs / bareMs).toFixed(2)}\n`);
  if (maxSeconds !== null && certwatchMs / 1000 > maxSeconds) {
    process.stdout.write(`certwatch's median ${seconds(certwatchMs)} s exceeds --max-seconds ${maxSeconds}\n`);
    process.exitCode = 1;
  }
});
