import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

// The local run's DynamoDB: dynalite on loopback, persisting to a directory (`.certwatch/` or `--store DIR`) or,
// for tests, in memory. The DynamoDB adapter talks to it like to the real service.
// It runs on a thread of its own: every request costs dynalite about as much CPU as it costs the SDK to send it
// (validation, condition parsing, LevelDB), which on the caller's thread would queue behind the probes.

export interface EmbeddedDynamoDbOptions {
  /** Directory for the LevelDB files, created if missing. @default in memory, gone on close (tests) */
  readonly path?: string;
}

export interface EmbeddedDynamoDb {
  /** `http://127.0.0.1:<port>`, for the client's endpoint override. */
  readonly endpoint: string;
  /** Absolute store directory; null in memory. */
  readonly path: string | null;
  /** Stops the server and closes the store (releasing the directory). Idempotent. */
  close(): Promise<void>;
}

/** The store directory is held by another process (or another server in this one). */
export class StoreDirectoryLockedError extends Error {
  constructor(readonly directory: string) {
    super(
      `the local store ${directory} is in use by another running certwatch (LevelDB lock ${join(directory, 'LOCK')} is held): ` +
        'wait for it to finish, or pass another directory with --store',
    );
    this.name = 'StoreDirectoryLockedError';
  }
}

/** What the server thread reports: listening, a store it could not open, or closed. */
type ServerThreadMessage =
  | { readonly listening: number }
  | { readonly locked: true }
  | { readonly cannotOpen: string }
  | { readonly closed: true; readonly error?: string };

// The server thread, plain JavaScript (a worker loads no TypeScript). dynalite opens its store lazily and throws
// from its request handler when the lock is taken, which would end the thread: it first finds out with the
// LevelDB dynalite itself uses (resolved from dynalite: the same build and lock semantics). The thread listens to
// its port until terminated, so that it never ends before its last message has been read.
const SERVER_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const { createRequire } = require('node:module');
const { dynalitePath, path } = workerData;
const fromDynalite = createRequire(dynalitePath);
const code = (error) => (typeof error === 'object' && error !== null ? error.code : undefined);
let server = null;

parentPort.on('message', () => {
  if (server === null) return parentPort.postMessage({ closed: true });
  server.close((error) => parentPort.postMessage({ closed: true, ...(error ? { error: String(error.message || error) } : {}) }));
  // Keep-alive sockets of SDK clients would hold the close until they time out.
  server.closeIdleConnections();
});

async function start() {
  if (path !== null) {
    const database = new (fromDynalite('level').Level)(path);
    const opening = database.open();
    opening.catch(() => undefined); // awaited below, once dynalite is loaded (LevelDB opens on its own threads)
    fromDynalite(dynalitePath);
    try {
      await opening;
    } catch (error) {
      if (code(error) === 'LEVEL_LOCKED' || code(error && error.cause) === 'LEVEL_LOCKED') return parentPort.postMessage({ locked: true });
      const reason = error instanceof Error ? ((error.cause && error.cause.message) || error.message) : String(error);
      return parentPort.postMessage({ cannotOpen: reason });
    }
    await database.close();
  }
  server = fromDynalite(dynalitePath)({ ...(path !== null ? { path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  server.listen(0, '127.0.0.1', () => parentPort.postMessage({ listening: server.address().port }));
}
start();
`;

export async function startEmbeddedDynamoDb(options: EmbeddedDynamoDbOptions = {}): Promise<EmbeddedDynamoDb> {
  const path = options.path === undefined ? null : resolve(options.path);
  // Synchronous up to the thread's start, so that a caller can load other modules while the thread boots.
  if (path !== null) mkdirSync(path, { recursive: true });
  const worker = new Worker(SERVER_THREAD, { eval: true, workerData: { dynalitePath: require.resolve('dynalite'), path } });
  let exited = false;
  let died: Error | undefined;
  worker.once('exit', () => (exited = true));
  // Once running, a thread that fails ends the requests sent to it, and close() reports why.
  worker.on('error', (error) => (died ??= error));

  const started = await firstWord(worker);
  if (!('listening' in started)) {
    await worker.terminate();
    if (started instanceof Error) throw started;
    if ('locked' in started) throw new StoreDirectoryLockedError(path as string);
    throw new Error(`cannot open the local store ${path}: ${'cannotOpen' in started ? started.cannotOpen : 'the server thread did not start'}`);
  }
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${started.listening}`,
    path,
    close: () =>
      (closing ??= (async () => {
        const word = exited ? died : await firstWord(worker, 'close');
        await worker.terminate();
        if (word instanceof Error) throw word;
        if (word && 'closed' in word && word.error) throw new Error(`closing the local store failed: ${word.error}`);
      })()),
  };
}

/** The thread's next message (after sending `request`, if given), or why it ended without one. */
function firstWord(worker: Worker, request?: string): Promise<ServerThreadMessage | Error> {
  return new Promise((settle) => {
    const onMessage = (message: ServerThreadMessage) => done(message);
    const onError = (error: Error) => done(error);
    const onExit = (code: number) => done(new Error(`the local store's server thread ended with exit code ${code}`));
    const done = (word: ServerThreadMessage | Error) => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      settle(word);
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    if (request !== undefined) worker.postMessage(request);
  });
}
