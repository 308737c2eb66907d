'use strict';
// Lets Node run this package's TypeScript sources without a build step: tsx transpiles them with esbuild (no
// type checking at start-up). Used by bin/certwatch.js and by the embedded store's server thread (a worker has a
// module system of its own).
//
// Dependencies are plain CommonJS: Node loads them itself. tsx would run its ES-module lexer over every dependency
// file that mentions "export" (so nearly all of them, `exports` included): about 0.1 s of start-up for the AWS SDK
// alone. Only this package's own files need tsx.
const Module = require('node:module');
const { sep } = require('node:path');

let registered = false;

module.exports = function registerTypeScript() {
  if (registered) return;
  registered = true;
  const loadJs = Module._extensions['.js'];
  require('tsx/cjs');
  const tsxJs = Module._extensions['.js'];
  const dependencyDirectory = `${sep}node_modules${sep}`;
  Module._extensions['.js'] = function loadJavaScript(module, filename) {
    return (filename.includes(dependencyDirectory) ? loadJs : tsxJs).call(this, module, filename);
  };
};
