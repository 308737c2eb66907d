'use strict';
// Loads a CommonJS bundle as `require` would (its own module, exports, require from its folder), compiled from V8's
// code cache beside it when there is one: for a bundle of several hundred KB that is most of the compile time at every
// start. V8 checks a cache against the Node version, its flags and the source's length only, and a release build does
// not check the cache's own bytes: so the cache starts with the CRC-32 of the source it was made from and that of
// itself, and is used only for that source and whole (an edit of the bundle that keeps its length would otherwise run
// the old code, a damaged cache whatever its bytes say). A cache that does not match, or that V8 rejects, is left
// aside and the bundle compiled from source as usual; so is every cache on a Node without zlib.crc32 (before 20.15).
// No cache is written here unless asked (writeCodeCache): the build makes it, so that a run never writes into the
// package.
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname } = require('node:path');
const vm = require('node:vm');
const { crc32 } = require('node:zlib');

/** The cache's header: the CRC-32 of the source, then of the rest of the cache (V8's data). */
const HEADER_BYTES = 8;

/**
 * `file`'s exports; with the compiled script and the source's CRC (for writeCodeCache), and whether a cache at
 * `cacheFile` was used. Throws what reading `file` throws (ENOENT when it is missing) and what running it throws.
 */
function loadBundle(file, cacheFile) {
  const bytes = readFileSync(file);
  const sourceCrc = typeof crc32 === 'function' ? crc32(bytes) : undefined;
  let cachedData;
  try {
    const cache = sourceCrc === undefined ? undefined : readFileSync(cacheFile);
    if (cache && cache.length > HEADER_BYTES && cache.readUInt32BE(0) === sourceCrc) {
      const data = cache.subarray(HEADER_BYTES);
      if (cache.readUInt32BE(4) === crc32(data)) cachedData = data;
    }
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

/**
 * The cache of all the loaded bundle has compiled so far (run it first), after its header, written whole or not at all.
 * Throws where there is no zlib.crc32 (the cache could not be checked when loaded).
 */
function writeCodeCache({ script, sourceCrc }, cacheFile) {
  if (sourceCrc === undefined) throw new Error(`this Node (${process.version}) has no zlib.crc32 to check a code cache with`);
  const data = script.createCachedData();
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32BE(sourceCrc, 0);
  header.writeUInt32BE(crc32(data), 4);
  const partial = `${cacheFile}.${process.pid}`;
  writeFileSync(partial, Buffer.concat([header, data]));
  renameSync(partial, cacheFile);
}

module.exports = { loadBundle, writeCodeCache };
