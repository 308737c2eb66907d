#!/usr/bin/env node
// What the store and the escalation add to a watch cycle: `certwatch run` (probe, judge, fold into the stored
// state, decide, write, notify) against `certwatch check` (probe and judge only) on the same N distinct targets,
// in the same run, at the same concurrency, interleaved over a few rounds. Prints wall times, the ratio run/check
// for a first run (empty store: every item created) and for a steady-state run (nothing changed), and the
// DynamoDB write requests and items written per run.
//
//   npm run bench:run -- [--count N] [--concurrency C] [--rounds R] [--distinct-leaves] [--changed] [--failing P] [--max-overhead 0.2] [--baseline DIR]
//   env: BENCH_COUNT, BENCH_CONCURRENCY, BENCH_ROUNDS, BENCH_MAX_OVERHEAD (flags win)
//
// --max-overhead X: exit 1 if either median ratio run/check exceeds 1 + X (default: report only).
// --changed: a fourth subject each round, a run in which every state changes (a copy of the steady-state store, run
// with a config that gives every target an owner: 1,000 updates, as a renewal wave or an edited config makes).
// --failing P: P per cent of the targets (every 100/P-th, 1-50) name a port nothing listens on (refused at once), as
// a real list has some hosts down: check reports them as errors (exit 3), and each run rewrites their states (the
// count of failures grows) and sends the error alerts the policy asks for (to the notification file).
// --baseline DIR: another certwatch checkout, built (`git worktree add DIR main && (cd DIR && npm ci)`), measured in the
// same rounds: its check, first and steady runs rotate with this one's, and each subject's ratio this/baseline within
// a round is printed. On a shared machine single passes move by 0.1 from one to the next; within a round they do not.
// On Linux each process's main thread is also accounted: its own CPU time and how long it waited for a core.
//
// Targets: bench/tls-server.mjs (its own process) serves one port on N loopback addresses (127.0.1.1, ...), so
// that every target is its own host:port and so its own certificate id. One EC P-256 leaf valid for 90 days
// (89 left), far from every stage of the default policy: nothing is notified, every target is `ok`.
// --distinct-leaves: N distinct leaves instead (each its own key, serial and 10 SANs), address i always serving
// leaf i, so that every target has its own certificate and a steady-state run still finds each one unchanged.
// Timing as in bench/check-throughput.mjs: spawn to exit of each process; a preload (bench/process-timing.mjs)
// splits each run at its first tls.connect into start-up (for `run`: also opening the store) and the rest, and
// records each process's CPU time. Write requests are the run summary's `storeWrites`; items written are counted
// by reading the store's versions before and after each run (outside the timed window). Last, the store alone
// (bench/store-writes.mjs): the same 1,000 creates without probing, to show what a first run's writes cost.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { benchDir, median as medianOf, medianInterval, parseBenchArgs, readTiming, repoDir, runThenCleanUp, spawnTimed, startServer, usage } from './bench-lib.mjs';

// The bench reads the stores through the SDK (outside the timed window); its Node 20 notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const HOUR = 3_600_000;

const script = { name: 'run-overhead', url: import.meta.url };
const { values, count, concurrency, rounds } = parseBenchArgs(script, {
  defaultCount: '1000',
  maxCount: 62_500,
  options: {
    'max-overhead': { type: 'string', default: process.env.BENCH_MAX_OVERHEAD },
    'distinct-leaves': { type: 'boolean', default: false },
    changed: { type: 'boolean', default: false },
    failing: { type: 'string', default: '0' },
    baseline: { type: 'string' },
  },
});
// --baseline DIR: another certwatch checkout, built (npm ci), run in the same rounds (its own check, first and steady runs).
const baselineDir = values.baseline === undefined ? null : resolve(values.baseline);
if (baselineDir !== null && !exists(join(baselineDir, 'dist/cli.js'))) usage(script, `--baseline ${values.baseline}: no built certwatch there (dist/cli.js is missing: run npm ci in it)`);
const distinct = values['distinct-leaves'];
const changed = values.changed;
const failingPercent = Number(values.failing);
if (!/^\d+$/.test(values.failing) || failingPercent > 50) usage(script, `--failing must be a whole per cent in 0-50, not "${values.failing}"`);
/** Whether target i names a closed port: every (100/P)-th one (none with --failing 0). */
const failingEvery = failingPercent === 0 ? Infinity : Math.round(100 / failingPercent);
// 0 % Infinity is 0: without the first test, target 0 named a closed port with --failing 0.
const failsAt = (index) => failingPercent > 0 && index % failingEvery === 0;
const maxOverhead = values['max-overhead'] === undefined ? null : Number(values['max-overhead']);
if (maxOverhead !== null && !(maxOverhead >= 0)) usage(script, `--max-overhead must be a number >= 0 such as 0.2, not "${values['max-overhead']}"`);

const workDir = mkdtempSync(join(tmpdir(), 'certwatch-bench-run-'));
// One port on `count` loopback addresses; with --distinct-leaves, each serving its own leaf.
if (distinct) process.stdout.write(`issuing ${count} leaves for the server (about 10 ms each)...\n`);
const server = await startServer(['--ca-file', join(workDir, 'root.pem'), '--hosts', String(count), ...(distinct ? ['--leaves', String(count), '--leaf-by', 'address'] : [])]);
/** --failing: how many targets name a closed port (run() builds them). */
const failing = server.hosts.filter((_, index) => failsAt(index)).length;
await runThenCleanUp(script, { server, workDir }, run);

async function run() {
  // --failing: port 1 on the same address: nothing listens there, the connection is refused at once.
  const targets = server.hosts.map((host, index) => `${host}:${failsAt(index) ? 1 : server.port}`);
  const targetsFile = join(workDir, 'targets.txt');
  writeFileSync(targetsFile, `${targets.join('\n')}\n`);
  const configFile = join(workDir, 'certwatch.config.json');
  const config = (extra) => ({
    targets: targets.map((target) => ({ target, servername: server.servername, caFile: server.caFile, ...extra })),
    check: { concurrency },
    audiences: { owners: { emails: ['owners@example.com'] }, oncall: { emails: ['oncall@example.com'] } },
  });
  writeFileSync(configFile, JSON.stringify(config({}), null, 2));
  // --changed: the same targets, each given an owner, so that a run over the steady-state store updates every state.
  const ownedConfigFile = join(workDir, 'certwatch.owned.config.json');
  if (changed) writeFileSync(ownedConfigFile, JSON.stringify(config({ owner: 'team-web@example.com' }), null, 2));
  const notifyFile = join(workDir, 'notifications.jsonl');
  const steadyStore = join(workDir, 'store-steady');
  // Every run's clock: the first runs at T0, steady-state runs an hour apart after it (89 days left: no stage).
  const t0 = Date.now();
  const at = (hours) => new Date(t0 + hours * HOUR).toISOString();

  // This checkout, and with --baseline another one (built), measured in the same rounds against the same server. Both
  // run from this checkout's directory with its timing preload: every file they use is named by an absolute path.
  const versions = [{ name: 'this', repo: repoDir, steadyStore }, ...(baselineDir ? [{ name: 'baseline', repo: baselineDir, steadyStore: join(workDir, 'store-steady-baseline') }] : [])];
  const label = (version, name) => (baselineDir ? `${version.name} ${name}` : name);
  const check = (version) => ({
    name: label(version, 'check'),
    args: [join(version.repo, 'bin/certwatch.js'), 'check', '--targets-file', targetsFile, '--servername', server.servername, '--ca-file', server.caFile, '--concurrency', String(concurrency), '--json'],
  });
  const watchRun = (version, name, store, now, config = configFile) => ({
    name: label(version, name),
    args: [join(version.repo, 'bin/certwatch.js'), 'run', '--config', config, '--store', store, '--notify', `file:${notifyFile}`, '--now', now, '--json'],
    store,
  });

  process.stdout.write(
    `certwatch run vs check: N=${count} distinct targets (${server.hosts[0]}..${server.hosts.at(-1)}:${server.port}), concurrency=${concurrency}, ` +
      `rounds=${rounds}, EC P-256, ${distinct ? `${count} distinct leaves, one per address` : 'one leaf'} (89 days left)${failing > 0 ? `, ${failing} targets on a closed port` : ''}, node ${process.version}, ${cpus().length} cores, load average ${loadavg()[0].toFixed(2)}` +
      `${baselineDir ? `; baseline ${baselineDir} in the same rounds` : ''}\n`,
  );
  const loads = [loadavg()[0]];
  // Warm-up, not counted: the page cache, the server's JIT. The run also seeds the store
  // the steady-state runs use.
  for (const version of versions) {
    await measure(check(version));
    const seeded = await measure(watchRun(version, 'seed run', version.steadyStore, at(0)));
    process.stdout.write(`  warm-up: ${label(version, 'check')}, and a first run seeding the steady-state store (${seeded.storeWrites} writes)\n`);
  }

  const resultsOf = new Map(versions.map((version) => [version, { check: [], first: [], steady: [], changed: [] }]));
  const width = baselineDir ? 21 : 12;
  for (let round = 1; round <= rounds; round++) {
    const subjects = versions.flatMap((version) => {
      const firstStore = join(workDir, `store-first-${version.name}-${round}`);
      return [
        [version, 'check', check(version)],
        [version, 'first', watchRun(version, 'run, first', firstStore, at(0))],
        [version, 'steady', watchRun(version, 'run, steady', version.steadyStore, at(round))],
        ...(changed ? [[version, 'changed', { ...watchRun(version, 'run, changed', join(workDir, `store-changed-${version.name}-${round}`), at(round + 0.5), ownedConfigFile), copyOf: version.steadyStore }]] : []),
      ];
    });
    // Rotate who goes first, so a drift in machine load does not always favour the same one.
    const shift = (round - 1) % subjects.length;
    const order = [...subjects.slice(shift), ...subjects.slice(0, shift)];
    for (const [version, kind, subject] of order) {
      const result = await measure(subject);
      resultsOf.get(version)[kind].push(result);
      process.stdout.write(
        `  round ${round}  ${subject.name.padEnd(width)} wall ${ms(result.wallMs)} = start-up ${ms(result.startupMs, 4)} + the rest ${ms(result.restMs)}   cpu ${ms(result.cpuMs)}${describeWrites(result)}\n`,
      );
      if (subject.store && (kind === 'first' || kind === 'changed')) rmSync(subject.store, { recursive: true, force: true });
    }
    loads.push(loadavg()[0]);
  }

  const rows = [
    ['check', 'check'],
    ['run, first (empty store)', 'first'],
    [failing > 0 ? `run, steady (${failing} failing)` : 'run, steady (unchanged)', 'steady'],
    ...(changed ? [['run, every state changed', 'changed']] : []),
  ];
  const onLinux = resultsOf.get(versions[0]).check[0].mainCpuMs !== undefined;
  process.stdout.write(
    `\nmedian of ${rounds}, load average ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} (wall = start-up + the rest; cpu: the process's CPU time, all threads` +
      `${onLinux ? "; main: the main thread's own CPU time, and how long it waited, runnable, for a core" : ''}):\n`,
  );
  const medianIn = (results) => (kind, field) => medianOf(results[kind].map((r) => r[field]));
  for (const version of versions) {
    const results = resultsOf.get(version);
    const median = medianIn(results);
    const checkWall = median('check', 'wallMs');
    if (baselineDir) process.stdout.write(`  ${version.name} (${version.repo}):\n`);
    for (const [rowLabel, kind] of rows) {
      const ratio = median(kind, 'wallMs') / checkWall;
      const byRound = results[kind].map((r, i) => r.wallMs / results.check[i].wallMs);
      process.stdout.write(
        `  ${rowLabel.padEnd(25)} wall ${ms(median(kind, 'wallMs'))}  start-up ${ms(median(kind, 'startupMs'), 4)}  rest ${ms(median(kind, 'restMs'))}  cpu ${ms(median(kind, 'cpuMs'))}` +
          (onLinux ? `  main ${ms(median(kind, 'mainCpuMs'))} + waited ${ms(median(kind, 'mainWaitMs'), 4)}` : '') +
          (kind === 'check' ? '\n' : `  ratio run/check ${ratio.toFixed(2)}; the rounds' ${describeRatios(byRound)}\n`),
      );
    }
  }
  process.stdout.write(
    `(a round's ratio divides two processes run moments apart, so the machine's drift over the pass cancels; the interval holds the median of such ratios with the chance given, order statistics, no assumption on their spread)\n`,
  );
  if (baselineDir) {
    // The same subject of both versions within each round: what the change does, with the machine's drift divided out.
    const [ours, theirs] = versions.map((version) => resultsOf.get(version));
    process.stdout.write(`\nthis / baseline, wall, the same subject within each round (median, range):\n`);
    for (const [rowLabel, kind] of rows) {
      const byRound = ours[kind].map((r, i) => r.wallMs / theirs[kind][i].wallMs);
      process.stdout.write(
        `  ${rowLabel.padEnd(25)} ${medianOf(byRound).toFixed(3)} (${Math.min(...byRound).toFixed(2)}-${Math.max(...byRound).toFixed(2)}${intervalText(byRound, 3, '; ', ' of the median')})\n`,
      );
    }
  }
  const results = resultsOf.get(versions[0]);
  const median = medianIn(results);
  const checkWall = median('check', 'wallMs');
  const first = results.first.at(-1);
  const steady = results.steady.at(-1);
  const allChanged = results.changed.at(-1);
  process.stdout.write(
    `\nDynamoDB write requests per run (items whose version changed, of all items in the table, the run ledger included):\n` +
      `  first run     ${String(first.storeWrites).padStart(5)} requests (${first.itemsWritten} of ${first.items} items written)\n` +
      `  steady state  ${String(steady.storeWrites).padStart(5)} requests (${steady.itemsWritten} of ${steady.items} items written) for ${count} targets, ${failing > 0 ? `unchanged but the ${failing} failing` : 'unchanged'}\n` +
      (allChanged ? `  all changed   ${String(allChanged.storeWrites).padStart(5)} requests (${allChanged.itemsWritten} of ${allChanged.items} items written)\n` : ''),
  );
  // The store alone, to say where a first run's extra time goes: the same writes without any probing, batched as a
  // first run on the embedded store writes them, and one conditional PutItem each as on a shared table.
  for (const mode of ['batched', 'conditional']) {
    const alone = await storeAlone(steadyStore, mode);
    process.stdout.write(
      `store alone (bench/store-writes.mjs --mode ${mode}, no probing): Scan of ${alone.items} items ${ms(alone.scanMs, 0).trim()}; opening a fresh store ` +
        `${ms(alone.openFreshMs, 0).trim()}; ${alone.items} creates in ${alone.requests} requests, ${alone.concurrency} at a time: wall ${ms(alone.writeWallMs, 0).trim()}, ` +
        `CPU ${ms(alone.writeCpuMs, 0).trim()} (${(alone.writeCpuMs / alone.items).toFixed(2)} ms per item; main thread busy ${ms(alone.mainBusyMs, 0).trim()}, ` +
        `the rest on the store's thread and LevelDB)\n`,
    );
  }
  const notified = fileSize(notifyFile);
  if (notified > 0 && failing === 0) throw new Error(`a run notified something (${notifyFile} has ${notified} bytes): the bench expects every target far from expiry`);

  if (maxOverhead !== null) {
    const over = rows.filter(([, kind]) => (kind === 'first' || kind === 'steady') && median(kind, 'wallMs') / checkWall > 1 + maxOverhead);
    for (const [rowLabel, kind] of over) {
      process.stdout.write(`FAIL: ${rowLabel}: ratio ${(median(kind, 'wallMs') / checkWall).toFixed(2)} is over 1 + --max-overhead ${maxOverhead}\n`);
    }
    if (over.length === 0) process.stdout.write(`ok: both ratios within 1 + --max-overhead ${maxOverhead}\n`);
    else process.exitCode = 1;
  }
}

/**
 * Runs one subject to completion; wall time is spawn to exit. Output goes to a file, read only to check the run
 * (every target ok, nothing failed) and for the write count. For a run, the store is then read (outside the
 * timed window) to count the items and those whose version the run bumped.
 */
async function measure(subject) {
  // A store to start from (--changed: the steady-state one as it is now), copied outside the timed window.
  if (subject.copyOf) cpSync(subject.copyOf, subject.store, { recursive: true });
  const versionsBefore = subject.store ? await storedVersions(subject.store) : null;
  const { wallMs, code, stderr, outputFile, timingFile } = await spawnTimed(workDir, subject.args);
  const text = readFileSync(outputFile, 'utf8');
  // check exits 3 when a target errors (--failing); a run reports them and exits 0.
  const expectedCode = !subject.store && failing > 0 ? 3 : 0;
  if (code !== expectedCode) throw new Error(`${subject.name} exited with ${code}, expected ${expectedCode}: ${stderr.trim().slice(0, 500)}\n${text.slice(0, 1000)}`);
  const parsed = JSON.parse(text);
  const result = { wallMs, ...readTiming(timingFile) };
  if (!subject.store) {
    const notOk = parsed.filter((r) => r.status !== 'ok');
    if (parsed.length !== count || notOk.length !== failing || notOk.some((r) => r.status !== 'error')) {
      throw new Error(`check: ${parsed.length} results, ${notOk.length} not ok (expected ${failing} errors): ${JSON.stringify(notOk.find((r) => r.status !== 'error') ?? null)}`);
    }
    return result;
  }
  // Only the failing targets' error alerts may be sent (--failing); nothing may fail to be stored or sent.
  const problems = parsed.storeFailures.length + parsed.conflicts.length + parsed.publishFailures.length;
  if (parsed.byStatus.ok !== count - failing || parsed.byStatus.error !== failing || (failing === 0 && parsed.notificationsSent !== 0) || problems > 0) {
    throw new Error(`${subject.name}: expected ${count - failing} ok, ${failing} errors and nothing failed, got ${JSON.stringify({ ...parsed, publishFailures: parsed.publishFailures.length })}`);
  }
  const versionsAfter = await storedVersions(subject.store);
  let itemsWritten = 0;
  for (const [id, version] of versionsAfter) if (versionsBefore.get(id) !== version) itemsWritten++;
  return { ...result, storeWrites: parsed.storeWrites, items: versionsAfter.size, itemsWritten };
}

/** Runs bench/store-writes.mjs over a store that holds every target's state; its one JSON line. */
function storeAlone(storeDir, mode) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(benchDir, 'store-writes.mjs'), '--from', storeDir, '--mode', mode], { cwd: repoDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(JSON.parse(stdout)) : reject(new Error(`store-writes exited with ${code}: ${stderr.trim().slice(0, 500)}`))));
  });
}

/** certificateId -> version of every item in a local store (the ledger included), read through dynalite. */
async function storedVersions(storeDir) {
  const versions = new Map();
  if (!exists(storeDir)) return versions;
  const { default: dynalite } = await import('dynalite');
  const { DynamoDBClient, ScanCommand } = await import('@aws-sdk/client-dynamodb');
  const dynamo = dynalite({ path: storeDir });
  await new Promise((resolve) => dynamo.listen(0, '127.0.0.1', resolve));
  const client = new DynamoDBClient({ endpoint: `http://127.0.0.1:${dynamo.address().port}`, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    let startKey;
    do {
      const page = await client.send(new ScanCommand({ TableName: 'certwatch', ProjectionExpression: 'certificateId, version', ExclusiveStartKey: startKey }));
      for (const item of page.Items ?? []) versions.set(item.certificateId.S, Number(item.version.N));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  } finally {
    client.destroy();
    await new Promise((resolve) => {
      dynamo.close(resolve);
      dynamo.closeIdleConnections();
    });
  }
  return versions;
}

function describeWrites(result) {
  return result.storeWrites === undefined ? '' : `   ${result.storeWrites} write requests, ${result.itemsWritten} items written`;
}

/** The rounds' ratios: their median, an interval for it (medianInterval) and each round's. */
function describeRatios(byRound) {
  return `median ratio ${medianOf(byRound).toFixed(2)}${intervalText(byRound, 2, ', ', '')} (by round: ${byRound.map((r) => r.toFixed(2)).join(', ')})`;
}

/** `<lead>97.3% interval<of> 1.17-1.22` for the median of `ratios` (medianInterval); '' when too few for one. */
function intervalText(ratios, digits, lead, of) {
  const interval = medianInterval(ratios);
  return interval ? `${lead}${(interval.coverage * 100).toFixed(1)}% interval${of} ${interval.low.toFixed(digits)}-${interval.high.toFixed(digits)}` : '';
}

function exists(path) {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function fileSize(path) {
  return exists(path) ? statSync(path).size : 0;
}

function ms(value, width = 5) {
  return `${value.toFixed(0).padStart(width)} ms`;
}
