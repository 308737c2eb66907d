'use strict';
// The local store's worker thread as the built CLI starts it (functions/cli/local-store/embedded-dynamodb.ts): the
// thread's bundle, its first argument, compiled from V8's code cache beside it, as the bin does the CLI's
// (load-bundle.js). The build makes that cache with runs that set CERTWATCH_WRITE_STORE_CODE_CACHE: the thread writes
// it as it is told to close, having served the run; one it cannot write is said on stderr (the build then reports it
// missing), and the store closes as usual.
const { writeSync } = require('node:fs');
const { parentPort } = require('node:worker_threads');
const { loadBundle, writeCodeCache } = require('./load-bundle');

const bundleFile = process.argv[2];
const cacheFile = `${bundleFile}.cache`;
const loaded = loadBundle(bundleFile, cacheFile);
if (process.env.CERTWATCH_WRITE_STORE_CODE_CACHE) {
  parentPort.on('message', (message) => {
    if (message !== 'close') return;
    try {
      writeCodeCache(loaded, cacheFile);
    } catch (error) {
      writeSync(2, `certwatch: cannot write the code cache ${cacheFile}: ${error.message}\n`);
    }
  });
}
