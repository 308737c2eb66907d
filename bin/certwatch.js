#!/usr/bin/env node
'use strict';
// Runs the TypeScript CLI without a build step: tsx transpiles with esbuild (no type checking at start-up).
require('tsx/cjs');
require('../functions/cli/main.ts').main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error) => { process.stderr.write(`certwatch: internal error: ${error && error.message ? error.message : error}\n`); process.exitCode = 3; },
);
