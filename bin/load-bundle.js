'use strict';
// Loads a CommonJS bundle as `require` would (its own module, exports, require from its folder), compiled from V8's
// code cache beside it when there is one: for a bundle of several hundred KB that is most of the compile time at every
// start. A cache made by another Node version or with other V8 flags, or for other source, is rejected by V8 (checked
// against the source and the flags), and the bundle compiled from source as usual. No cache is ever written here
// unless asked (writeCodeCache): the build makes it, so that a run never writes into the package.
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname } = require('node:path');
const vm = require('node:vm');

/**
 * `file`'s exports, and the compiled script (for writeCodeCache) with whether a cache at `cacheFile` was used.
 * Throws what reading `file` throws (ENOENT when it is missing) and what running it throws.
 */
function loadBundle(file, cacheFile) {
  const source = readFileSync(file, 'utf8');
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // no cache: compiled from source
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const bundle = new Module(file, null);
  bundle.filename = file;
  bundle.paths = Module._nodeModulePaths(dirname(file));
  script.runInThisContext().call(bundle.exports, bundle.exports, Module.createRequire(file), bundle, file, dirname(file));
  bundle.loaded = true;
  return { exports: bundle.exports, script, usedCache: cachedData !== undefined && !script.cachedDataRejected };
}

/** The cache of all `script` has compiled so far (run it first), written whole or not at all. */
function writeCodeCache(script, cacheFile) {
  const partial = `${cacheFile}.${process.pid}`;
  writeFileSync(partial, script.createCachedData());
  renameSync(partial, cacheFile);
}

module.exports = { loadBundle, writeCodeCache };
