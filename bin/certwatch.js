#!/usr/bin/env node
'use strict';
// Runs the TypeScript CLI without a build step: tsx transpiles with esbuild (no type checking at start-up).
// The SDK versions pinned in package-lock.json support Node 20; its notice about future releases is not for CLI users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const Module = require('node:module');
const loadJs = Module._extensions['.js'];
require('tsx/cjs');
// Dependencies are plain CommonJS: Node loads them itself. tsx would run its ES-module lexer over every
// dependency file that mentions "export" (so nearly all of them, `exports` included): about 0.1 s of start-up
// for the AWS SDK alone. Only this package's own files need tsx.
const tsxJs = Module._extensions['.js'];
const dependencyDirectory = `${require('node:path').sep}node_modules${require('node:path').sep}`;
Module._extensions['.js'] = function loadJavaScript(module, filename) {
  return (filename.includes(dependencyDirectory) ? loadJs : tsxJs).call(this, module, filename);
};
require('../functions/cli/main.ts').main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error) => { process.stderr.write(`certwatch: internal error: ${error && error.message ? error.message : error}\n`); process.exitCode = 3; },
);
