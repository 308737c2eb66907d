#!/usr/bin/env node
'use strict';
// The SDK versions pinned in package-lock.json support Node 20; its notice about future releases is not for CLI users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// A closed stdout or stderr (`certwatch status | head -3`) means its reader is done, not that certwatch failed: the
// rest of that output is dropped without a word, the command still finishes (the local store closes cleanly) and the
// exit status is the one it would have had. That is what ripgrep effectively does (output means a match, and it exits
// 0); git's death by SIGPIPE (status 141) would fail a `set -o pipefail` script only because `head` stopped reading.
// Every command prints once, after its work, so nothing runs on at length for a reader that is gone.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
  });
}
const { join } = require('node:path');
const { loadBundle, writeCodeCache } = require('./load-bundle');

// Built JavaScript (npm ci builds it: npm run build); no TypeScript is compiled at start-up.
const CLI_FILE = join(__dirname, '..', 'dist', 'cli.js');
// V8's code cache of the CLI's bundle, written by the build (scripts/build.mjs runs a few commands with
// CERTWATCH_WRITE_CODE_CACHE set): compiled from it, `certwatch --help` starts about 12 ms sooner.
const CODE_CACHE_FILE = `${CLI_FILE}.cache`;

let cli;
let loaded;
try {
  // Stack traces mapped to the TypeScript (node --enable-source-maps) need Node's own loader.
  if (process.env.CERTWATCH_DEBUG) cli = require(CLI_FILE);
  else ({ exports: cli } = loaded = loadBundle(CLI_FILE, CODE_CACHE_FILE));
} catch (error) {
  if (error && (error.code === 'ENOENT' || error.code === 'MODULE_NOT_FOUND') && /dist[\\/]cli\.js/.test(error.message)) {
    process.stderr.write('certwatch: not built yet: run `npm ci` (or `npm run build`) in the certwatch folder\n');
    process.exit(3);
  }
  throw error;
}
cli.main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    if (process.env.CERTWATCH_WRITE_CODE_CACHE && loaded) {
      try {
        writeCodeCache(loaded, CODE_CACHE_FILE);
      } catch (error) {
        process.stderr.write(`certwatch: cannot write the code cache ${CODE_CACHE_FILE}: ${error.message}\n`);
        process.exitCode = 3;
      }
    }
  },
  (error) => { process.stderr.write(`certwatch: internal error: ${error && error.message ? error.message : error}\n`); process.exitCode = 3; },
);
