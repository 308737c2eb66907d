import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { ServerThreadData, ServerThreadMessage, ServerThreadRequest } from './server-thread';
import { CLOSE_WAIT_MS, type StoreThreadMessage, ThreadStateStore } from './store-thread-client';
import { damageReason, LocalStoreDamagedError } from './store-damage';
import { TableShapeError } from '../../store/state-store-error';

// The local run's DynamoDB: dynalite on loopback, persisting to a directory (`.certwatch/` or `--store DIR`) or,
// for tests, in memory. The DynamoDB adapter talks to it like to the real service.
// It runs on a thread of its own: every request costs dynalite about as much CPU as it costs the SDK to send it
// (validation, condition parsing, LevelDB), which on the caller's thread would queue behind the probes. The local
// run's state store lives on that thread too (openStateStore): the SDK client, the item encoding and the requests
// cost the caller's event loop one message per call.

export interface EmbeddedDynamoDbOptions {
  /** Directory for the LevelDB files. @default in memory, gone on close (tests) */
  readonly path?: string;
  /**
   * Create the directory and the store in it when missing. false: a directory without a store is refused with
   * NoLocalStoreError, and nothing is created (the reading commands). @default true
   */
  readonly create?: boolean;
  /**
   * The thread starts at once (LevelDB's module loads meanwhile; dynalite once the lock is held) but touches the directory only
   * once told to: `deferOpen` is handed, before startEmbeddedDynamoDb returns, the function that tells it (true: open;
   * false: end with StoreOpeningCancelledError and the directory as it was, so that a run whose config turns out wrong
   * leaves no store behind; only the first word counts). The word goes to the thread at once, not after the caller's
   * current task as a promise's reaction would: the caller goes on with other work while the thread opens.
   * @default open at once
   */
  readonly deferOpen?: (tell: (open: boolean) => void) => void;
  /**
   * Load the state store's adapter (the AWS SDK among it) on the server's thread as soon as it listens, so that
   * it is ready by the time the caller opens the store. @default false (loaded by the first openStateStore)
   */
  readonly preloadStateStore?: boolean;
  /**
   * Called once the store's directory is held (its LevelDB lock taken), before dynalite listens: a run can start
   * probing then. Not called for a store in memory, nor when the start fails.
   */
  readonly onHeld?: () => void;
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
  /** Writes the store lost as it opened, which LevelDB goes on without (lost-writes.ts): what and where; none: nothing lost that shows. */
  readonly lostWrites: readonly string[];
  /**
   * A state store over `tableName` on this server, running on the server's thread; resolves once its table is
   * checked (created if missing). Close it before the server.
   */
  openStateStore(options: ThreadStateStoreOptions): Promise<ThreadStateStore>;
  /** Stops the server and closes the store (releasing the directory). Idempotent. */
  close(): Promise<void>;
}

/** A command that only reads found no store in the directory it was given (it never creates one). */
export class NoLocalStoreError extends Error {
  constructor(readonly directory: string) {
    super(`there is no local store at ${directory}: \`certwatch run --store ${directory}\` creates one`);
    this.name = 'NoLocalStoreError';
  }
}

/** The caller decided not to open the store after all (its `deferOpen` teller was told false). */
export class StoreOpeningCancelledError extends Error {
  constructor(readonly directory: string) {
    super(`the local store ${directory} was not opened`);
    this.name = 'StoreOpeningCancelledError';
  }
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

/** `word`, or none once CLOSE_WAIT_MS have passed: a thread that does not answer is terminated all the same. */
function withinCloseWait(word: Promise<ServerThreadMessage | Error>): Promise<ServerThreadMessage | Error | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), CLOSE_WAIT_MS)));
  return Promise.race([word, waited]).finally(() => clearTimeout(timer));
}

/** The thread's error, as a LocalStoreDamagedError when it says the store's files are damaged. */
function damagedOr(path: string | null, error: Error): Error {
  const reason = path === null ? null : damageReason(error);
  return reason === null ? error : new LocalStoreDamagedError(path as string, reason);
}

/** Nice steps below the process: weight 110 against 1,024 when the thread competes for a core, never starved. */
const DEFAULT_NICENESS = 10;

export async function startEmbeddedDynamoDb(options: EmbeddedDynamoDbOptions = {}): Promise<EmbeddedDynamoDb> {
  const path = options.path === undefined ? null : resolve(options.path);
  // Synchronous up to the thread's start, so that a caller can load other modules while the thread boots.
  const workerData: ServerThreadData = {
    path,
    create: options.create ?? true,
    awaitOpen: options.deferOpen !== undefined,
    preloadStateStore: options.preloadStateStore ?? false,
    niceness: Math.min(19, Math.max(0, Math.trunc(options.niceness ?? DEFAULT_NICENESS))),
  };
  const { file, argv, execArgv } = serverThreadModule();
  // The caller's environment as its code sees it (AWS_* settings for the SDK on the thread).
  const worker = new Worker(file, { workerData, argv, execArgv, env: { ...process.env } });
  let exited = false;
  let died: Error | undefined;
  worker.once('exit', () => (exited = true));
  // Once running, a thread that fails (LevelDB reading a damaged file throws inside dynalite) ends the requests sent
  // to it with why.
  worker.on('error', (error) => (died ??= damagedOr(path, error)));
  const stoppedWith = (what: string) => died ?? new Error(`the local store's thread stopped ${what}`);
  let told = false;
  options.deferOpen?.((open) => {
    if (told) return;
    told = true;
    worker.postMessage((open ? 'open' : 'close') satisfies ServerThreadRequest);
  });

  let started = await firstWord(worker);
  if ('held' in started) {
    options.onHeld?.();
    started = await firstWord(worker);
  }
  if (!('listening' in started)) {
    await worker.terminate();
    if (started instanceof Error) throw damagedOr(path, started);
    if ('locked' in started) throw new StoreDirectoryLockedError(path as string);
    if ('missing' in started) throw new NoLocalStoreError(path as string);
    if ('closed' in started) throw new StoreOpeningCancelledError(path as string);
    if ('cannotOpen' in started && started.damaged) throw new LocalStoreDamagedError(path as string, started.cannotOpen);
    throw new Error(`cannot open the local store ${path}: ${'cannotOpen' in started ? started.cannotOpen : 'the server thread did not start'}`);
  }
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${started.listening}`,
    path,
    lostWrites: started.lostWrites ?? [],
    openStateStore: async ({ tableName, exclusive = false }) => {
      if (exited || died) throw died ?? new Error("the local store's server thread has stopped");
      if (closing) throw new Error('the local store is closing');
      const { port1, port2 } = new MessageChannel();
      worker.postMessage({ serveStateStore: { port: port2, tableName, exclusive } } satisfies ServerThreadRequest, [port2]);
      const answer = await firstAnswer(port1);
      if ('ready' in answer) return new ThreadStateStore(port1, () => stoppedWith('before answering'));
      port1.close();
      if ('failed' in answer) throw answer.tableShape ? new TableShapeError(answer.failed) : new Error(answer.failed);
      throw stoppedWith('before the store was ready');
    },
    close: () =>
      (closing ??= (async () => {
        // A thread that failed has reported why already, to the calls it ended: closing it is not another failure.
        const word = died || exited ? undefined : await withinCloseWait(firstWord(worker, 'close'));
        await worker.terminate();
        if (word instanceof Error && !died) throw word;
        if (word && !(word instanceof Error) && 'closed' in word && word.error) throw new Error(`closing the local store failed: ${word.error}`);
      })()),
  };
}

/**
 * The server thread's module (server-thread.ts), and how to start it: built, the CLI's bundle has it beside itself as
 * local-store-thread.js, which bin/store-thread.js loads compiled from V8's code cache beside it (as the bin does the
 * CLI's); from the TypeScript sources (jest, tsx), the thread loads them through tsx's CommonJS hook.
 */
function serverThreadModule(): { readonly file: string; readonly argv?: string[]; readonly execArgv?: string[] } {
  if (__filename.endsWith('.js')) {
    const file = join(__dirname, 'local-store-thread.js');
    if (!existsSync(file)) throw new Error(`certwatch is not fully built (${file} is missing): run \`npm ci\` (or \`npm run build\`) in the certwatch folder`);
    // Stack traces mapped to the TypeScript (node --enable-source-maps) need Node's own loader.
    if (process.env.CERTWATCH_DEBUG) return { file };
    return { file: join(__dirname, '..', 'bin', 'store-thread.js'), argv: [file] };
  }
  // The thread hands dynalite the `level` it requires itself: built, the bundle resolves it as dynalite does.
  if (require.resolve('level') !== createRequire(require.resolve('dynalite')).resolve('level')) {
    throw new Error("dynalite's `level` is not the one at the top of node_modules: the store's thread would open a second LevelDB");
  }
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
