// Preloaded (node --import) into each process the benches measure. Records, in ms since the process started, when
// it first called tls.connect (everything before is start-up) and when it exited, and the CPU time the process
// used (all its threads, user + system) and its peak resident memory, and writes them to the file named by
// CERTWATCH_BENCH_TIMING_FILE.
// tls.connect is wrapped for its first call only, then restored: no cost on the measured path. (Node 20's
// 'net.client.socket' diagnostics channel fires for net.connect only, not for tls.connect.)
import { writeFileSync } from 'node:fs';
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
    writeFileSync(timingFile, JSON.stringify({ firstConnectMs, exitMs: performance.now(), cpuMs: (user + system) / 1000, maxRssMb: maxRSS / 1024 }));
  });
}
