'use strict';
// Loads a CommonJS bundle as `require` would (its own module, exports, require from its folder), compiled from V8's
// code cache beside it when there is one: for a bundle of several hundred KB that is most of the compile time at every
// start. V8 checks a cache against the Node version, its flags and the source's length only: so the cache starts with
// the CRC-32 of the source it was made from, and is used only for that source (an edit of the bundle that keeps its
// length would otherwise run the old code). A cache that does not match, or that V8 rejects, is left aside and the
// bundle compiled from source as usual. No cache is written here unless asked (writeCodeCache): the build makes it,
// so that a run never writes into the package.
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname } = require('node:path');
const vm = require('node:vm');
const { crc32 } = require('node:zlib');

const CRC_BYTES = 4;

/**
 * `file`'s exports; with the compiled script and the source's CRC (for writeCodeCache), and whether a cache at
 * `cacheFile` was used. Throws what reading `file` throws (ENOENT when it is missing) and what running it throws.
 */
function loadBundle(file, cacheFile) {
  const bytes = readFileSync(file);
  const sourceCrc = crc32(bytes);
  let cachedData;
  try {
    const cache = readFileSync(cacheFile);
    if (cache.length > CRC_BYTES && cache.readUInt32BE(0) === sourceCrc) cachedData = cache.subarray(CRC_BYTES);
  } catch {
    // no cache: compiled from source
  }
  const script = new vm.Script(Module.wrap(bytes.toString('utf8')), { filename: file, cachedData });
  const bundle = new Module(file, null);
  bundle.filename = file;
  bundle.paths = Module._nodeModulePaths(dirname(file));
  script.runInThisContext().call(bundle.exports, bundle.exports, Module.createRequire(file), bundle, file, dirname(file));
  bundle.loaded = true;
  return { exports: bundle.exports, script, sourceCrc, usedCache: cachedData !== undefined && !script.cachedDataRejected };
}

/** The cache of all the loaded bundle has compiled so far (run it first), its source's CRC first, written whole or not at all. */
function writeCodeCache({ script, sourceCrc }, cacheFile) {
  const crc = Buffer.alloc(CRC_BYTES);
  crc.writeUInt32BE(sourceCrc);
  const partial = `${cacheFile}.${process.pid}`;
  writeFileSync(partial, Buffer.concat([crc, script.createCachedData()]));
  renameSync(partial, cacheFile);
}

module.exports = { loadBundle, writeCodeCache };
