import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { ServerThreadData, ServerThreadMessage, ServerThreadRequest } from './server-thread';
import { type StoreThreadMessage, ThreadStateStore } from './store-thread-client';

// The local run's DynamoDB: dynalite on loopback, persisting to a directory (`.certwatch/` or `--store DIR`) or,
// for tests, in memory. The DynamoDB adapter talks to it like to the real service.
// It runs on a thread of its own: every request costs dynalite about as much CPU as it costs the SDK to send it
// (validation, condition parsing, LevelDB), which on the caller's thread would queue behind the probes. The local
// run's state store lives on that thread too (openStateStore): the SDK client, the item encoding and the requests
// cost the caller's event loop one message per call.

export interface EmbeddedDynamoDbOptions {
  /** Directory for the LevelDB files, created if missing. @default in memory, gone on close (tests) */
  readonly path?: string;
  /**
   * Load the state store's adapter (the AWS SDK among it) on the server's thread as soon as it listens, so that
   * it is ready by the time the caller opens the store. @default false (loaded by the first openStateStore)
   */
  readonly preloadStateStore?: boolean;
  /**
   * Lowers the server thread's CPU priority by this many nice steps (0-19), so that it yields to the caller's
   * work (a run's probes) on a busy machine. Linux only; elsewhere ignored. @default 10
   */
  readonly niceness?: number;
}

export interface ThreadStateStoreOptions {
  readonly tableName: string;
  /** See DynamoDbStateStoreOptions.exclusive. @default false */
  readonly exclusive?: boolean;
}

export interface EmbeddedDynamoDb {
  /** `http://127.0.0.1:<port>`, for the client's endpoint override. */
  readonly endpoint: string;
  /** Absolute store directory; null in memory. */
  readonly path: string | null;
  /**
   * A state store over `tableName` on this server, running on the server's thread; resolves once its table is
   * checked (created if missing). Close it before the server.
   */
  openStateStore(options: ThreadStateStoreOptions): Promise<ThreadStateStore>;
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

/** Nice steps below the process: weight 110 against 1,024 when the thread competes for a core, never starved. */
const DEFAULT_NICENESS = 10;

export async function startEmbeddedDynamoDb(options: EmbeddedDynamoDbOptions = {}): Promise<EmbeddedDynamoDb> {
  const path = options.path === undefined ? null : resolve(options.path);
  // Synchronous up to the thread's start, so that a caller can load other modules while the thread boots.
  if (path !== null) mkdirSync(path, { recursive: true });
  const workerData: ServerThreadData = {
    path,
    preloadStateStore: options.preloadStateStore ?? false,
    niceness: Math.min(19, Math.max(0, Math.trunc(options.niceness ?? DEFAULT_NICENESS))),
  };
  const { file, execArgv } = serverThreadModule();
  // The caller's environment as its code sees it (AWS_* settings for the SDK on the thread).
  const worker = new Worker(file, { workerData, execArgv, env: { ...process.env } });
  let exited = false;
  let died: Error | undefined;
  worker.once('exit', () => (exited = true));
  // Once running, a thread that fails ends the requests sent to it, and close() reports why.
  worker.on('error', (error) => (died ??= error));
  const stoppedBecause = () => (died ? `: ${died.message}` : '');

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
    openStateStore: async ({ tableName, exclusive = false }) => {
      if (exited || died) throw new Error(`the local store's server thread has stopped${stoppedBecause()}`);
      if (closing) throw new Error('the local store is closing');
      const { port1, port2 } = new MessageChannel();
      worker.postMessage({ serveStateStore: { port: port2, tableName, exclusive } } satisfies ServerThreadRequest, [port2]);
      const answer = await firstAnswer(port1);
      if ('ready' in answer) return new ThreadStateStore(port1, stoppedBecause);
      port1.close();
      throw new Error('failed' in answer ? answer.failed : `the local store's thread stopped before the store was ready${stoppedBecause()}`);
    },
    close: () =>
      (closing ??= (async () => {
        // A thread that failed has reported why already (its 'error' comes before its exit).
        const word = died ?? (exited ? undefined : await firstWord(worker, 'close'));
        await worker.terminate();
        if (word instanceof Error) throw word;
        if (word && 'closed' in word && word.error) throw new Error(`closing the local store failed: ${word.error}`);
      })()),
  };
}

/**
 * The server thread's module (server-thread.ts), and how to start it: built, the CLI's bundle has it beside itself as
 * local-store-thread.js; from the TypeScript sources (jest, tsx), the thread loads them through tsx's CommonJS hook.
 */
function serverThreadModule(): { readonly file: string; readonly execArgv?: string[] } {
  if (__filename.endsWith('.js')) return { file: join(__dirname, 'local-store-thread.js') };
  // Only tsx's hook: the caller's own flags (a tsx loader among them) are not the thread's.
  return { file: join(__dirname, 'server-thread.ts'), execArgv: ['--require', require.resolve('tsx/cjs')] };
}

/** The thread's next message (after sending `request`, if given), or why it ended without one. */
function firstWord(worker: Worker, request?: ServerThreadRequest): Promise<ServerThreadMessage | Error> {
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

/** A state store's first answer on its channel: ready, why not, or that the channel closed first. */
function firstAnswer(port: MessagePort): Promise<StoreThreadMessage | { readonly closed: true }> {
  return new Promise((settle) => {
    const onMessage = (message: StoreThreadMessage) => done(message);
    const onClose = () => done({ closed: true });
    const done = (answer: StoreThreadMessage | { readonly closed: true }) => {
      port.off('message', onMessage).off('close', onClose);
      settle(answer);
    };
    port.on('message', onMessage).on('close', onClose);
  });
}
