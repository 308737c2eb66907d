// Builds the `certwatch` command into dist/: its TypeScript bundled by esbuild (the same bundler the CDK uses for
// the Lambdas), dependencies left to node_modules, so the bin runs plain JavaScript and loads only what a command
// needs (a module required lazily is initialised on first use inside the bundle too). `npm ci` runs this (prepare).
// Also the package's main entry for CDK apps (dist/index.js: the CertWatch construct); its type declarations come
// from `npm run build:types` (tsc, into dist/types/, which this build leaves in place), which `prepare` runs too.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(repo, 'dist');

/** Each entry and the file it becomes in dist/. */
const ENTRIES = {
  // The CLI.
  cli: 'functions/cli/main.ts',
  // The local store's server thread, which the CLI starts from beside itself (cli/local-store/embedded-dynamodb.ts).
  'local-store-thread': 'functions/cli/local-store/server-thread.ts',
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
await build({
  entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, source]) => [name, join(repo, source)])),
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // Dependencies load from node_modules, when a command needs them, except those bundled (BUNDLED).
  plugins: [childProcessOnFirstSpawnForCommander(), externalPackagesBut(BUNDLED)],
  // Maps for CERTWATCH_DEBUG stack traces (node --enable-source-maps); they cost nothing unless enabled.
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  banner: { js: "\"use strict\";" },
});

// V8's code cache of the CLI's bundle, for bin/certwatch.js: what `certwatch --help` compiles (the bundle's top level,
// commander, every command's definition), made by the Node that will run it. Without it the CLI still runs, compiling
// the bundle from source (about 12 ms more at each start).
const help = spawnSync(process.execPath, [join(repo, 'bin', 'certwatch.js'), '--help'], { env: { ...process.env, CERTWATCH_WRITE_CODE_CACHE: '1', CERTWATCH_DEBUG: '' }, stdio: ['ignore', 'ignore', 'inherit'] });
if (help.status !== 0) throw new Error(`writing the CLI's code cache: \`certwatch --help\` exited with ${help.status ?? help.signal}`);

