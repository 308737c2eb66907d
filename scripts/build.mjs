// Builds the `certwatch` command into dist/: its TypeScript bundled by esbuild (the same bundler the CDK uses for
// the Lambdas), dependencies left to node_modules, so the bin runs plain JavaScript and loads only what a command
// needs (a module required lazily is initialised on first use inside the bundle too). `npm ci` runs this (prepare).
// Also the package's main entry for CDK apps (dist/index.js: the CertWatch construct); its type declarations come
// from `npm run build:types` (tsc, into dist/types/, which this build leaves in place), which `prepare` runs too.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { rootCertificates } from 'node:tls';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(repo, 'dist');

/** Each entry and the file it becomes in dist/. */
const ENTRIES = {
  // The CLI.
  cli: 'functions/cli/main.ts',
  // The package's main entry: `import { CertWatch } from 'certwatch'` in a CDK app (aws-cdk-lib from the app's own
  // node_modules). The Lambda handlers are not built here: the construct bundles them from functions/ at synth.
  index: 'infra/index.ts',
};

/**
 * Packages built into the bundle rather than loaded from node_modules. zod: its CommonJS build loads every one of its
 * files and all its locales (about 50 ms of a run's start-up); bundled, esbuild keeps only what the config schema
 * uses. commander: every command loads it, and its six files found, read and compiled one by one cost `--help` about
 * 5 ms.
 */
const BUNDLED = new Set(['zod', 'commander']);

/** Every bare import (a package, or a path inside one) is left to node_modules, except the packages `bundled`. */
function externalPackagesBut(bundled) {
  return {
    name: 'external-packages',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, ({ path }) => {
        const name = path.startsWith('@') ? path.split('/').slice(0, 2).join('/') : path.split('/')[0];
        return bundled.has(name) ? undefined : { path, external: true };
      });
    },
  };
}

/**
 * commander loads node:child_process when it loads (about 7 ms of `--help`), for the one thing it needs it for: running
 * a subcommand that is a program of its own (`spawn`), which certwatch has none of. Its import gets a stand-in that
 * loads the module at the first spawn. Should commander take anything else from it, the build stops here, saying so.
 */
function childProcessOnFirstSpawnForCommander() {
  const importer = /[\\/]node_modules[\\/]commander[\\/]lib[\\/]command\.js$/;
  return {
    name: 'child-process-on-first-spawn-for-commander',
    setup(build) {
      build.onResolve({ filter: /^(node:)?child_process$/ }, (args) => (importer.test(args.importer) ? { path: args.importer, namespace: 'child-process-on-first-spawn' } : undefined));
      build.onLoad({ filter: /.*/, namespace: 'child-process-on-first-spawn' }, ({ path }) => {
        const uses = new Set([...readFileSync(path, 'utf8').matchAll(/\bchildProcess\.(\w+)/g)].map((match) => match[1]));
        if ([...uses].some((name) => name !== 'spawn')) throw new Error(`commander now uses child_process.${[...uses].join(', ')}: extend the stand-in in scripts/build.mjs`);
        return { contents: "let loaded;\nexports.spawn = (...args) => (loaded ??= require('node:child_process')).spawn(...args);\n", loader: 'js' };
      });
    },
  };
}

for (const entry of existsSync(outdir) ? readdirSync(outdir, { withFileTypes: true }).filter((e) => e.name !== 'types') : []) {
  rmSync(join(outdir, entry.name), { recursive: true, force: true });
}
/** What every bundle of this build is. */
const BUNDLE_OPTIONS = {
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // Maps for CERTWATCH_DEBUG stack traces (node --enable-source-maps); they cost nothing unless enabled.
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  banner: { js: "\"use strict\";" },
};

await build({
  ...BUNDLE_OPTIONS,
  entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, source]) => [name, join(repo, source)])),
  // Dependencies load from node_modules, when a command needs them, except those bundled (BUNDLED).
  plugins: [childProcessOnFirstSpawnForCommander(), externalPackagesBut(BUNDLED)],
});

/**
 * dynalite loads its actions and their validations by name (`require('./actions/' + action)`), which esbuild bundles
 * as every file of the folder but looks up with the name as written, without `.js`: the name gets its extension here.
 * Should dynalite load them otherwise, the build stops here, saying so.
 */
function dynaliteActionsByFileName() {
  const loads = ["require('./actions/' + action)", "require('./validations/' + action)"];
  return {
    name: 'dynalite-actions-by-file-name',
    setup(build) {
      build.onLoad({ filter: /[\\/]node_modules[\\/]dynalite[\\/]index\.js$/ }, ({ path }) => {
        let source = readFileSync(path, 'utf8');
        for (const load of loads) {
          if (!source.includes(load)) throw new Error(`dynalite no longer loads its modules with ${load}: update scripts/build.mjs`);
          source = source.replace(load, `${load.slice(0, -1)} + '.js')`);
        }
        return { contents: source, loader: 'js' };
      });
    },
  };
}

/**
 * The server thread sets the `Level` dynalite will open (server-thread.ts): its `level` must be dynalite's, wherever
 * npm put either.
 */
function levelAsDynaliteResolvesIt() {
  const dynaliteDir = dirname(createRequire(join(repo, 'package.json')).resolve('dynalite/package.json'));
  return {
    name: 'level-as-dynalite-resolves-it',
    setup(build) {
      build.onResolve({ filter: /^level$/ }, (args) => (args.resolveDir === dynaliteDir ? undefined : build.resolve('level', { kind: args.kind, resolveDir: dynaliteDir })));
    },
  };
}

/**
 * LevelDB's native module stays in node_modules (node-gyp-build finds its binary beside its own files). The bundle
 * loads the one `level` loads, as `level` would resolve it from its own folder (which the bundle's `require` from
 * dist/ would not, should npm nest it there).
 */
function classicLevelAsLevelLoadsIt() {
  return {
    name: 'classic-level-as-level-loads-it',
    setup(build) {
      build.onResolve({ filter: /^classic-level$/ }, () => ({ path: 'classic-level', namespace: 'classic-level-as-level-loads-it' }));
      build.onLoad({ filter: /.*/, namespace: 'classic-level-as-level-loads-it' }, () => ({
        contents: "const { createRequire } = require('node:module');\nconst fromDynalite = createRequire(createRequire(__filename).resolve('dynalite'));\nmodule.exports = createRequire(fromDynalite.resolve('level'))('classic-level');\n",
        loader: 'js',
      }));
    },
  };
}

// The local store's server thread, which the CLI starts beside itself (cli/local-store/embedded-dynamodb.ts): a bundle
// of its own with dynalite and the AWS SDK in it (but LevelDB's native module), compiled from V8's code cache: from
// node_modules, some 120 files were found, read and compiled one by one at every run (about 100 ms of CPU on the
// thread). The loader compiles it with vm.Script, which has no dynamic import(): the SDK's few are made require()s.
await build({
  ...BUNDLE_OPTIONS,
  entryPoints: { 'local-store-thread': join(repo, 'functions/cli/local-store/server-thread.ts') },
  supported: { 'dynamic-import': false },
  plugins: [dynaliteActionsByFileName(), levelAsDynaliteResolvesIt(), classicLevelAsLevelLoadsIt()],
});

/** The bundles compiled by bin/load-bundle.js (vm.Script), each from its code cache `<bundle>.cache` when there is one. */
const CACHED_BUNDLES = ['cli.js', 'local-store-thread.js'];
// vm.Script has no dynamic import() (it rejects): the build says so, not a user.
for (const bundle of CACHED_BUNDLES) {
  if (/(?<![\w$.])import\(/.test(readFileSync(join(outdir, bundle), 'utf8'))) {
    throw new Error(`dist/${bundle} calls import(), which a script compiled by bin/load-bundle.js cannot: make it a require (see the store thread's build)`);
  }
}

// V8's code caches of the two bundles, made by the Node that will run them: what the commands compile, so that a
// command compiles only what these did not reach. Each process below loads the caches the one before it wrote and
// writes them again with what it compiled besides (the bin: dist/cli.js.cache; the store's thread:
// dist/local-store-thread.js.cache, as it is told to close). Offline and deterministic: the targets are certificate
// files, one of Node's own root certificates (the one that lasts longest, so that nothing is due) and one that is not
// there; two runs, so that the store's thread creates its states, then updates them; a check; `--help` last, whose
// output is every command's definition. Without the caches every command still runs (compiling from source, a little
// slower): a machine where these commands cannot run (no loopback to listen on, a temporary folder LevelDB cannot lock)
// is told why, and the build goes on.
try {
  writeCodeCaches();
} catch (error) {
  for (const bundle of CACHED_BUNDLES) rmSync(join(outdir, `${bundle}.cache`), { force: true });
  process.stderr.write(`certwatch build: no code caches (commands start a little slower): ${error.message}\n`);
}

function writeCodeCaches() {
  const scratch = resolve(mkdtempSync(join(tmpdir(), 'certwatch-build-')));
  try {
    const root = rootCertificates.map((pem) => ({ pem, notAfter: Date.parse(new X509Certificate(pem).validTo) })).sort((a, b) => b.notAfter - a.notAfter)[0].pem;
    writeFileSync(join(scratch, 'root.pem'), root);
    const targets = [`file://${join(scratch, 'root.pem')}`, `file://${join(scratch, 'absent.pem')}`];
    const config = join(scratch, 'certwatch.config.json');
    writeFileSync(config, JSON.stringify({ targets, audiences: { owners: { emails: ['owners@example.com'] }, oncall: { emails: ['oncall@example.com'] } } }));
    const run = ['run', '--config', config, '--store', join(scratch, 'store'), '--notify', `file:${join(scratch, 'notifications.jsonl')}`, '--json'];
    // What each must print: a run's summary, the check's two results (the root ok, the absent file an error: exit 3).
    const checked = (output) => JSON.parse(output).map((result) => result.status).join(' ') === 'ok error';
    const ranOnce = (output) => {
      const summary = JSON.parse(output);
      return summary.targets === 2 && summary.storeFailures.length === 0 && summary.byStatus.ok === 1;
    };
    for (const [args, status, printed] of [[run, 0, ranOnce], [run, 0, ranOnce], [['check', '--json', ...targets], 3, checked], [['--help'], 0, (output) => output.startsWith('Usage: certwatch')]]) {
      const command = spawnSync(process.execPath, [join(repo, 'bin', 'certwatch.js'), ...args], {
        // The caches are for node as certwatch is started, with no flags of the build's own (V8 refuses a cache made
        // under other flags, --max-old-space-size among them).
        env: { ...withoutNodeFlags(process.env), CERTWATCH_WRITE_CODE_CACHE: '1', CERTWATCH_WRITE_STORE_CODE_CACHE: '1', CERTWATCH_DEBUG: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
        encoding: 'utf8',
        // certwatch takes SIGTERM for a graceful stop, which a command stuck in its store might not reach.
        timeout: 60_000,
        killSignal: 'SIGKILL',
      });
      const stderr = (command.stderr ?? '').trim();
      const said = stderr ? `: ${stderr.split('\n').slice(-3).join(' / ')}` : '';
      if (command.error || command.status !== status) throw new Error(`\`certwatch ${args[0]}\` exited with ${command.error?.message ?? command.status ?? command.signal}, not ${status}${said}`);
      let good = false;
      try {
        good = printed(command.stdout);
      } catch {
        // not what it should print
      }
      if (!good) throw new Error(`\`certwatch ${args[0]}\` printed something else than expected${said}`);
    }
    for (const bundle of CACHED_BUNDLES) {
      if (!existsSync(join(outdir, `${bundle}.cache`))) throw new Error(`no ${bundle}.cache written`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function withoutNodeFlags(env) {
  const { NODE_OPTIONS, NODE_V8_COVERAGE, ...rest } = env;
  return rest;
}
