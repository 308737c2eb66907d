import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

// The shape STYLE.md describes, checked on the import graph of functions/: a pure core, use cases that depend on
// ports only, adapters below them, and no circle anywhere (type-only imports count: a circle of types is still a
// circle for a reader).

const functionsDir = resolve(__dirname, '..', 'functions');

interface ModuleImports {
  readonly file: string;
  /** Files under functions/ this one imports, relative to functions/. */
  readonly local: string[];
  /** Packages and node: built-ins. */
  readonly external: string[];
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const SPECIFIER = /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

/** `./x` is `x.ts`, or a folder's `x/index.ts`. */
function resolveModule(target: string): string {
  if (target.endsWith('.ts')) return target;
  return existsSync(`${target}.ts`) ? `${target}.ts` : join(target, 'index.ts');
}

function importsOf(file: string): ModuleImports {
  const text = readFileSync(file, 'utf8');
  const local: string[] = [];
  const external: string[] = [];
  for (const [, specifier] of text.matchAll(SPECIFIER)) {
    if (!specifier.startsWith('.')) {
      external.push(specifier);
      continue;
    }
    const target = resolve(dirname(file), specifier);
    // Only the package's own sources: package.json (the CLI's version) is data, not a module of the graph.
    if (!target.startsWith(functionsDir)) continue;
    local.push(relative(functionsDir, resolveModule(target)));
  }
  return { file: relative(functionsDir, file), local, external };
}

const modules = sourceFiles(functionsDir).map(importsOf);
const byFile = new Map(modules.map((module) => [module.file, module]));
const layer = (file: string) => file.split('/')[0];

test('every local import names a file that exists', () => {
  const missing = modules.flatMap((module) => module.local.filter((target) => !byFile.has(target)).map((target) => `${module.file} -> ${target}`));
  expect(missing).toEqual([]);
});

test('no circle anywhere in functions/', () => {
  // Tarjan's strongly connected components: any component of more than one file (or a file importing itself) is a circle.
  let index = 0;
  const indices = new Map<string, number>();
  const lowlinks = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const connect = (file: string) => {
    indices.set(file, index);
    lowlinks.set(file, index++);
    stack.push(file);
    onStack.add(file);
    for (const next of byFile.get(file)?.local ?? []) {
      if (!byFile.has(next)) continue;
      if (!indices.has(next)) {
        connect(next);
        lowlinks.set(file, Math.min(lowlinks.get(file)!, lowlinks.get(next)!));
      } else if (onStack.has(next)) {
        lowlinks.set(file, Math.min(lowlinks.get(file)!, indices.get(next)!));
      }
    }
    if (lowlinks.get(file) === indices.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1 || byFile.get(file)!.local.includes(file)) circles.push(component.sort());
    }
  };
  for (const module of modules) if (!indices.has(module.file)) connect(module.file);
  expect(circles).toEqual([]);
});

test('the core is pure: it imports only the core, and no SDK, network, file system or process module', () => {
  const NOT_PURE = /^(@aws-sdk\/|@aws-lambda-powertools\/|node:(net|tls|dgram|dns|fs|fs\/promises|http|https|child_process|worker_threads)$)/;
  const offenders = modules
    .filter((module) => layer(module.file) === 'core')
    .flatMap((module) => [
      ...module.local.filter((target) => layer(target) !== 'core').map((target) => `${module.file} -> ${target}`),
      ...module.external.filter((name) => NOT_PURE.test(name)).map((name) => `${module.file} -> ${name}`),
    ]);
  expect(offenders).toEqual([]);
});

test('use cases depend on the core (its ports) and each other, never on an adapter, a handler or the CLI', () => {
  const offenders = modules
    .filter((module) => layer(module.file) === 'use-cases')
    .flatMap((module) => module.local.filter((target) => !['core', 'use-cases'].includes(layer(target))).map((target) => `${module.file} -> ${target}`));
  expect(offenders).toEqual([]);
});

test('adapters never import a use case, a handler or the CLI (data flows down)', () => {
  const ADAPTERS = ['probes', 'store', 'notify', 'queue', 'aws', 'files', 'config-file'];
  // aws/ and files/ are the one way to build an SDK client and to read a file a person named: every adapter uses them.
  const offenders = modules
    .filter((module) => ADAPTERS.includes(layer(module.file)))
    .flatMap((module) => module.local.filter((target) => !['core', 'aws', 'files', layer(module.file)].includes(layer(target))).map((target) => `${module.file} -> ${target}`));
  expect(offenders).toEqual([]);
});

test('nothing outside the CLI imports the CLI (its local store included)', () => {
  const offenders = modules
    .filter((module) => layer(module.file) !== 'cli')
    .flatMap((module) => module.local.filter((target) => layer(target) === 'cli').map((target) => `${module.file} -> ${target}`));
  expect(offenders).toEqual([]);
});
