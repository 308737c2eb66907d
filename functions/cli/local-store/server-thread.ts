import { existsSync, mkdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import type { Server } from 'node:http';
import { getPriority, setPriority } from 'node:os';
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import type dynalite from 'dynalite';
import { damageReason } from './store-damage';
import { droppedWhenOpened, findTornLog, tornLogLoss } from './lost-writes';
import { type LevelConstructor, type LevelDatabase, readingSynchronously } from './sync-read-level';
import type { StoreThreadMessage } from './store-thread-client';
import type * as StoreThreadServer from './store-thread-server';

// The embedded store's server thread, started by embedded-dynamodb.ts: dynalite on loopback, and the state stores
// it serves to the caller's thread (store-thread-server.ts). dynalite opens its store lazily and throws from its
// request handler when the lock is taken, which would end the thread. So the thread opens the LevelDB database
// itself (the `level` module dynalite resolves: the same build and lock semantics) and hands that open database to
// dynalite: taking the directory's lock is one step that holds until the server closes, and a second certwatch
// started at the same instant is refused at its open, never later with "Database is closed". The thread listens to
// its port until terminated, so that it never ends before its last message has been read.

/** What the thread is started with. */
export interface ServerThreadData {
  /** Directory of the LevelDB store; null in memory. */
  readonly path: string | null;
  /** Create the directory and the store when missing (a run); false: a missing store is reported as `missing`. */
  readonly create: boolean;
  /**
   * Wait for an `open` request before touching the directory (the caller is still reading its config: a run that
   * fails on it must leave no store behind); meanwhile only LevelDB's module loads, so that the open is taken at once
   * (dynalite loads once the lock is held). A `close` first ends the thread with the directory untouched.
   */
  readonly awaitOpen: boolean;
  /** Load the state store's adapter as soon as the server listens (see EmbeddedDynamoDbOptions). */
  readonly preloadStateStore: boolean;
  /** Nice steps to lower this thread by (0-19). */
  readonly niceness: number;
}

/** What the thread reports: the directory held (then listening), listening, a store it could not open, or closed. */
export type ServerThreadMessage =
  | { readonly held: true }
  | { readonly listening: number; readonly lostWrites?: readonly string[] }
  | { readonly locked: true }
  | { readonly cannotOpen: string; readonly damaged: boolean }
  | { readonly missing: true }
  | { readonly closed: true; readonly error?: string };

/** What the caller sends: `open` (see awaitOpen), a channel to serve a state store on, or `close` (which closes the server). */
export type ServerThreadRequest = { readonly serveStateStore: { readonly port: MessagePort; readonly tableName: string; readonly exclusive: boolean } } | 'open' | 'close';

/** The part of dynalite's LevelDB module the thread uses. */
interface LevelModule {
  Level: LevelConstructor;
}

/** How dynalite opens a directory (db/index.js): the database handed to it must be opened the same way. */
const DYNALITE_LEVEL_OPTIONS = { valueEncoding: 'json' } as const;

/** The store server's module, once loaded, or why it could not be. */
type StoreServer = { readonly serve: typeof StoreThreadServer.serveStateStore } | { readonly error: string };

if (!parentPort) throw new Error("server-thread.ts runs as the embedded store's worker thread (see embedded-dynamodb.ts)");
const parent = parentPort;
const { path, create, awaitOpen, preloadStateStore, niceness } = workerData as ServerThreadData;
let server: Server | null = null;
let storeServer: StoreServer | null = null;
/** Settles true on `open`, false on a `close` that comes first. */
let openRequested: (open: boolean) => void = () => undefined;
const opened = awaitOpen ? new Promise<boolean>((settle) => (openRequested = settle)) : Promise.resolve(true);

parent.on('message', (message: ServerThreadRequest) => {
  if (message === 'open') return openRequested(true);
  if (message !== 'close') return serveStateStore(message.serveStateStore);
  openRequested(false);
  if (server === null) return parent.postMessage({ closed: true } satisfies ServerThreadMessage);
  server.close((error) => parent.postMessage({ closed: true, ...(error ? { error: error.message } : {}) } satisfies ServerThreadMessage));
  // Keep-alive sockets of SDK clients would hold the close until they time out.
  server.closeIdleConnections();
});

// A failure here ends the thread with an 'error' event: the caller reports it.
void start();

async function start(): Promise<void> {
  /** Writes the open lost (lost-writes.ts): a log that ends mid-write, seen before the open drops it; what LevelDB dropped. */
  let lostWrites: string[] = [];
  if (path !== null) {
    const handToDynalite = shareLevelDatabases();
    if (awaitOpen) {
      // The caller waits for the directory's lock before its first probe, so nothing runs before the lock is taken:
      // dynalite (about 30 ms to load) loaded while waiting would hold an `open` arriving meanwhile, which it mostly
      // does. It loads once the lock is held, while the caller probes; the state store's adapter (the AWS SDK) once
      // the server listens. A close before the open has been answered by the message handler: the directory is left
      // as it was.
      if (!(await opened)) return;
    }
    if (!create && !existsSync(join(path, 'CURRENT'))) return parent.postMessage({ missing: true } satisfies ServerThreadMessage);
    const tornLog = findTornLog(path);
    let opening: Promise<void>;
    try {
      if (create) mkdirSync(path, { recursive: true });
      opening = handToDynalite(path).open();
    } catch (error) {
      opening = Promise.reject(error);
    }
    opening.catch(() => undefined); // awaited below (LevelDB opens on its own threads)
    // A reading command waits for the listening server: dynalite loads while LevelDB opens. A run waits for the lock.
    if (!awaitOpen) loadDynalite();
    try {
      await opening;
      parent.postMessage({ held: true } satisfies ServerThreadMessage);
    } catch (error) {
      const cause = error instanceof Error ? error.cause : undefined;
      if (errorCode(error) === 'LEVEL_LOCKED' || errorCode(cause) === 'LEVEL_LOCKED') return parent.postMessage({ locked: true } satisfies ServerThreadMessage);
      const damage = damageReason(error);
      const reason = damage ?? (error instanceof Error ? (cause instanceof Error && cause.message) || error.message : String(error));
      return parent.postMessage({ cannotOpen: reason, damaged: damage !== null } satisfies ServerThreadMessage);
    }
    lostWrites = [...(tornLog ? [tornLogLoss(tornLog)] : []), ...droppedWhenOpened(path)];
  }
  await lowerPriority();
  const listening = loadDynalite()({ ...(path !== null ? { path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  server = listening;
  listening.listen(0, '127.0.0.1', () => {
    parent.postMessage({ listening: (listening.address() as { port: number }).port, ...(lostWrites.length > 0 ? { lostWrites } : {}) } satisfies ServerThreadMessage);
    if (preloadStateStore) setImmediate(loadStoreServer);
  });
}

/**
 * Makes dynalite's own `level` module give dynalite, when it asks for a directory, the database this thread made
 * for it (and opened, taking the lock): dynalite reads `Level` from the module once, when it loads, so this runs
 * before dynalite is loaded. Returns how to make that database; dynalite closes it when its server closes. That
 * database reads synchronously (sync-read-level.ts): this thread is the store's alone.
 */
function shareLevelDatabases(): (directory: string) => LevelDatabase {
  // The module dynalite loads: built, the thread's bundle resolves `level` for every importer as dynalite does
  // (scripts/build.mjs); from the sources (jest, tsx), both resolve the one npm installed at the top, which
  // embedded-dynamodb.ts checks before starting the thread.
  const levelModule = require('level') as LevelModule;
  const { Level } = levelModule;
  const shared = new Map<string, LevelDatabase>();
  function SharedLevel(directory: string, options: { valueEncoding: string }): LevelDatabase {
    const database = options?.valueEncoding === DYNALITE_LEVEL_OPTIONS.valueEncoding ? shared.get(directory) : undefined;
    return database ?? new Level(directory, options);
  }
  levelModule.Level = SharedLevel as unknown as LevelConstructor;
  const DynaliteLevel = readingSynchronously(Level);
  return (directory) => {
    const database = new DynaliteLevel(directory, DYNALITE_LEVEL_OPTIONS);
    shared.set(directory, database);
    return database;
  };
}

function loadDynalite(): typeof dynalite {
  return require('dynalite') as typeof dynalite;
}

/**
 * The store is background work: on a busy machine the probes' handshakes (and their timeouts) go first. Linux lets
 * one thread lower its own priority (setpriority with its thread id, from /proc/thread-self). Threads it starts
 * afterwards inherit its priority: Node's thread pool, shared by the whole process (the caller's DNS lookups and
 * file reads), must not be one of them, so one file operation starts it first if nothing has yet. Elsewhere the
 * thread keeps the process's priority.
 */
async function lowerPriority(): Promise<void> {
  if (niceness === 0) return;
  try {
    await stat('.');
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(threadId) || threadId <= 0) return;
    setPriority(threadId, Math.min(19, getPriority(threadId) + niceness));
  } catch {
    // No /proc/thread-self (not Linux), or not allowed: the thread keeps the process's priority.
  }
}

/** Serves a state store on `port` (store-thread-server.ts answers `ready` or why not), or says why it cannot. */
function serveStateStore({ port, ...options }: { readonly port: MessagePort; readonly tableName: string; readonly exclusive: boolean }): void {
  const refuse = (reason: string) => {
    port.postMessage({ failed: reason } satisfies StoreThreadMessage);
    port.close();
  };
  const address = server?.listening ? server.address() : null;
  if (address === null || typeof address !== 'object') return refuse('the local store is closing');
  const loaded = loadStoreServer();
  if ('error' in loaded) return refuse(`cannot load the state store: ${loaded.error}`);
  try {
    loaded.serve(port, { ...options, endpoint: `http://127.0.0.1:${address.port}` });
  } catch (error) {
    refuse(`cannot start the state store: ${messageOf(error)}`);
  }
}

/** The state store's adapter (the AWS SDK among it), loaded once: at the first store, or early when preloading. */
function loadStoreServer(): StoreServer {
  if (storeServer === null) {
    try {
      storeServer = { serve: (require('./store-thread-server') as typeof StoreThreadServer).serveStateStore };
    } catch (error) {
      storeServer = { error: messageOf(error) };
    }
  }
  return storeServer;
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
