// Preloaded (node --import) into each process the benches measure. Records, in ms since the process started, when
// it first called tls.connect (everything before is start-up) and when it exited, and the CPU time the process
// used (all its threads, user + system) and its peak resident memory, and writes them to the file named by
// CERTWATCH_BENCH_TIMING_FILE.
// tls.connect is wrapped for its first call only, then restored: no cost on the measured path. (Node 20's
// 'net.client.socket' diagnostics channel fires for net.connect only, not for tls.connect.)
// On Linux it also records the main thread's own CPU time and how long it waited, runnable, for a core
// (/proc/self/task/PID/schedstat, in ns): the main thread probes, so what it waits is wall time lost to the process's
// other threads (the store's, V8's compilers and GC) and to the other processes on the machine.
import { readFileSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';

const timingFile = process.env.CERTWATCH_BENCH_TIMING_FILE;
if (timingFile) {
  let firstConnectMs = null;
  const originalConnect = tls.connect;
  tls.connect = function connectAndMark(...args) {
    firstConnectMs = performance.now();
    tls.connect = originalConnect;
    syncBuiltinESMExports();
    return originalConnect.apply(this, args);
  };
  syncBuiltinESMExports(); // so that `import * as tls from 'node:tls'` sees the wrapper too
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    const { maxRSS } = process.resourceUsage(); // KiB
    writeFileSync(timingFile, JSON.stringify({ firstConnectMs, exitMs: performance.now(), cpuMs: (user + system) / 1000, maxRssMb: maxRSS / 1024, ...mainThread() }));
  });
}

/** The main thread's CPU time and its wait for a core, in ms; nothing where /proc has no schedstat. */
function mainThread() {
  try {
    const [onCpuNs, waitingNs] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').trim().split(' ').map(Number);
    return { mainCpuMs: onCpuNs / 1e6, mainWaitMs: waitingNs / 1e6 };
  } catch {
    return {};
  }
}
