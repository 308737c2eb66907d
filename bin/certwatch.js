#!/usr/bin/env node
'use strict';
// The SDK versions pinned in package-lock.json support Node 20; its notice about future releases is not for CLI users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('./register-typescript')();
require('../functions/cli/main.ts').main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error) => { process.stderr.write(`certwatch: internal error: ${error && error.message ? error.message : error}\n`); process.exitCode = 3; },
);
