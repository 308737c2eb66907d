#!/usr/bin/env node
// The embedded store alone, no probing: what a first run's writes cost by themselves. Reads every state from an
// existing local store (one Scan, timed), then writes them all as new items into a fresh store, `concurrency` at a
// time, through the same store `certwatch run` uses (a DynamoDbStateStore on the embedded server's thread, called
// by message from this one): with `--mode batched` (the
// default) after listing the empty table, as a first run does, so that the exclusive store batches the creates;
// with `--mode conditional` without a listing, so that every create is its own conditional PutItem (what any
// shared table gets). Prints one JSON line: items, mode, requests, scanMs, openFreshMs (server thread start +
// table creation), writeWallMs, writeCpuMs (the whole process: the SDK and dynalite on the server's thread, LevelDB,
// the messages on the main thread) and mainBusyMs (the main thread's share, from its event-loop utilisation).
//
//   node bench/store-writes.mjs --from STORE_DIR [--concurrency 32] [--mode batched|conditional]
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const require = createRequire(import.meta.url);
require('tsx/cjs');
const { openStore, startOpeningStore } = require('../functions/cli/store-wiring.ts');

const { values } = parseArgs({ options: { from: { type: 'string' }, concurrency: { type: 'string', default: '32' }, mode: { type: 'string', default: 'batched' } } });
if (!values.from) throw new Error('store-writes: --from STORE_DIR is required');
if (values.mode !== 'batched' && values.mode !== 'conditional') throw new Error('store-writes: --mode must be batched or conditional');
const concurrency = Number(values.concurrency);

const source = await openStore({ store: values.from });
let states;
let scanMs;
try {
  const started = performance.now();
  ({ states } = await source.store.list());
  scanMs = performance.now() - started;
} finally {
  await source.close();
}

const freshDir = mkdtempSync(join(tmpdir(), 'certwatch-bench-store-'));
try {
  const opening = performance.now();
  const fresh = await startOpeningStore({ store: freshDir }, { create: true }).ready; // as a run opens its store
  const openFreshMs = performance.now() - opening;
  try {
    if (values.mode === 'batched') await fresh.store.list();
    const cpuBefore = process.cpuUsage();
    const eluBefore = performance.eventLoopUtilization();
    const started = performance.now();
    let next = 0;
    const writer = async () => {
      while (next < states.length) await fresh.store.put(states[next++], 0);
    };
    await Promise.all(Array.from({ length: concurrency }, writer));
    const writeWallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const elu = performance.eventLoopUtilization(eluBefore);
    process.stdout.write(
      `${JSON.stringify({ items: states.length, mode: values.mode, requests: fresh.store.writeCount, concurrency, scanMs, openFreshMs, writeWallMs, writeCpuMs: (cpu.user + cpu.system) / 1000, mainBusyMs: elu.active })}\n`,
    );
  } finally {
    await fresh.close();
  }
} finally {
  rmSync(freshDir, { recursive: true, force: true });
}
