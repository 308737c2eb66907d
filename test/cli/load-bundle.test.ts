import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// bin/load-bundle.js: the CLI's bundle loaded as `require` would, compiled from V8's code cache the build writes.
// Each case runs in a node process of its own: the loader compiles in the process's own context, which jest's
// sandbox is not, and a code cache is only good for the Node and flags that made it.

const repo = join(__dirname, '..', '..');
const loader = join(repo, 'bin', 'load-bundle.js');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'certwatch-load-bundle-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Loaded {
  readonly usedCache: boolean;
  readonly answer: unknown;
}

/** Loads `bundle` in a node process, with `bundle.cache` beside it if there is one; writes the cache after when asked. */
function load(bundle: string, options: { write?: boolean } = {}): Loaded {
  const program = `
    const { loadBundle, writeCodeCache } = require(${JSON.stringify(loader)});
    const loaded = loadBundle(${JSON.stringify(bundle)}, ${JSON.stringify(`${bundle}.cache`)});
    const answer = loaded.exports.answer();
    if (${options.write ? 'true' : 'false'}) writeCodeCache(loaded, ${JSON.stringify(`${bundle}.cache`)});
    process.stdout.write(JSON.stringify({ usedCache: loaded.usedCache, answer }));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', program], { encoding: 'utf8' })) as Loaded;
}

function writeBundle(name: string, body: string): string {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'helper.js'), 'module.exports = { word: "from beside the bundle" };');
  const file = join(folder, 'bundle.js');
  writeFileSync(file, `"use strict";\n${body}`);
  return file;
}

const BUNDLE = `
  const helper = require('./helper');
  exports.answer = () => ({ helper: helper.word, file: __filename, dir: __dirname, strict: (function () { return this === undefined; })() });`;

test('a bundle loads as require loads it: its exports, require from its folder, its own __filename, strict mode', () => {
  const file = writeBundle('plain', BUNDLE);
  expect(load(file)).toEqual({ usedCache: false, answer: { helper: 'from beside the bundle', file, dir: join(dir, 'plain'), strict: true } });
});

test('the cache written after a load is used by the next, which gives the same exports', () => {
  const file = writeBundle('cached', BUNDLE);
  const first = load(file, { write: true });
  expect(first.usedCache).toBe(false);
  expect(existsSync(`${file}.cache`)).toBe(true);
  expect(load(file)).toEqual({ ...first, usedCache: true });
});

test('a cache for other source, or damaged, is left aside and the bundle compiled from its source', () => {
  const file = writeBundle('stale', `"use strict";\nexports.answer = () => 'AAAA';`);
  load(file, { write: true });
  expect(load(file)).toEqual({ usedCache: true, answer: 'AAAA' });
  // V8 itself would take this cache (it checks the source's length only) and run the old function.
  writeFileSync(file, `"use strict";\nexports.answer = () => 'BBBB';`);
  expect(load(file)).toEqual({ usedCache: false, answer: 'BBBB' });
  writeFileSync(file, `"use strict";\nexports.answer = () => 'rebuilt, longer';`);
  expect(load(file)).toEqual({ usedCache: false, answer: 'rebuilt, longer' });
  writeFileSync(`${file}.cache`, Buffer.from('not a V8 code cache at all'));
  expect(load(file)).toEqual({ usedCache: false, answer: 'rebuilt, longer' });
});

test("a cache for this source whose own bytes are damaged is left aside (V8's release build would run them)", () => {
  const file = writeBundle('damaged', BUNDLE);
  load(file, { write: true });
  const cache = readFileSync(`${file}.cache`);
  // A byte of V8's data, past the header: the same length, the source's CRC still right.
  cache[cache.length - 9] ^= 0xff;
  writeFileSync(`${file}.cache`, cache);
  expect(load(file).usedCache).toBe(false);
  load(file, { write: true });
  expect(load(file).usedCache).toBe(true);
});

test('a cache whose CRC matches but which V8 rejects (other V8 flags) is left aside too', () => {
  const file = writeBundle('flags', BUNDLE);
  load(file, { write: true });
  const program = `process.stdout.write(String(require(${JSON.stringify(loader)}).loadBundle(${JSON.stringify(file)}, ${JSON.stringify(`${file}.cache`)}).usedCache))`;
  expect(execFileSync(process.execPath, ['--stack-size=2000', '-e', program], { encoding: 'utf8' })).toBe('false');
  expect(load(file).usedCache).toBe(true);
});

test('a missing bundle throws ENOENT naming it (the bin says "not built yet" then)', () => {
  const missing = join(dir, 'nowhere', 'cli.js');
  const program = `try { require(${JSON.stringify(loader)}).loadBundle(${JSON.stringify(missing)}, 'x') } catch (e) { process.stdout.write(e.code + ' ' + e.message) }`;
  expect(execFileSync(process.execPath, ['-e', program], { encoding: 'utf8' })).toMatch(new RegExp(`^ENOENT .*${missing.replace(/[/.]/g, '\\$&')}`));
});

test("the build's cache of the CLI is one this Node takes, and --help reads the same through Node's own loader", () => {
  const program = `
    const { loadBundle } = require(${JSON.stringify(loader)});
    process.stdout.write(String(loadBundle(${JSON.stringify(join(repo, 'dist', 'cli.js'))}, ${JSON.stringify(join(repo, 'dist', 'cli.js.cache'))}).usedCache));`;
  expect(execFileSync(process.execPath, ['-e', program], { encoding: 'utf8' })).toBe('true');
  const bin = join(repo, 'bin', 'certwatch.js');
  const cached = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8', env: { ...process.env, CERTWATCH_DEBUG: '' } });
  expect(cached).toContain('Usage: certwatch [options] [command]');
  expect(execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8', env: { ...process.env, CERTWATCH_DEBUG: '1' } })).toBe(cached);
});

test("the build's cache of the local store's thread is one this Node takes, for that bundle's source", () => {
  // The thread's bundle runs only as a worker (the store's server): V8 is asked to compile it from the cache, not run it.
  const program = `
    const { readFileSync } = require('node:fs');
    const Module = require('node:module');
    const vm = require('node:vm');
    const { crc32 } = require('node:zlib');
    const file = ${JSON.stringify(join(repo, 'dist', 'local-store-thread.js'))};
    const source = readFileSync(file);
    const cache = readFileSync(file + '.cache');
    const script = new vm.Script(Module.wrap(source.toString('utf8')), { filename: file, cachedData: cache.subarray(8) });
    const crcs = cache.readUInt32BE(0) === crc32(source) && cache.readUInt32BE(4) === crc32(cache.subarray(8));
    process.stdout.write(JSON.stringify({ crcs, rejected: script.cachedDataRejected }));`;
  expect(JSON.parse(execFileSync(process.execPath, ['-e', program], { encoding: 'utf8' }))).toEqual({ crcs: true, rejected: false });
});

test("a CLI whose build lacks the store thread's bundle says to run npm ci, in one line", () => {
  // The bin and the CLI's bundle alone, beside the project's node_modules: what a build cut short leaves.
  const partial = join(dir, 'partial');
  mkdirSync(join(partial, 'dist'), { recursive: true });
  cpSync(join(repo, 'bin'), join(partial, 'bin'), { recursive: true });
  for (const file of ['cli.js', 'cli.js.cache']) cpSync(join(repo, 'dist', file), join(partial, 'dist', file));
  symlinkSync(join(repo, 'node_modules'), join(partial, 'node_modules'));
  const status = spawnSync(process.execPath, [join(partial, 'bin', 'certwatch.js'), 'status', '--store', join(dir, 'no-store')], { encoding: 'utf8', env: { ...process.env, CERTWATCH_DEBUG: '' } });
  expect(status.stderr).toBe(`certwatch: certwatch is not fully built (${join(partial, 'dist', 'local-store-thread.js')} is missing): run \`npm ci\` (or \`npm run build\`) in the certwatch folder\n`);
  expect(status.status).not.toBe(0);
});
