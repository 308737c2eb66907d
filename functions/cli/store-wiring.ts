import { resolve } from 'node:path';
import type { ChangeJournalStore, StateStore } from '../core/ports';
import type * as DynamoDbBatchSummariesModule from '../store/dynamodb-batch-summaries';
import type * as DynamoDbClientModule from '../store/dynamodb-client';
import type * as DynamoDbStateStoreModule from '../store/dynamodb-state-store';
import type * as DynamoDbTableModule from '../store/dynamodb-table';
import { TableShapeError } from '../store/state-store-error';
import { terminalSafe } from '../core/safe-text';
import { startEmbeddedDynamoDb, StoreDirectoryLockedError } from './local-store/embedded-dynamodb';
import { lostWritesWarning } from './local-store/lost-writes';
import { OpeningStateStore } from './opening-state-store';
import type { StoreFlags } from './options';
import { UsageError } from './usage-error';

// The watch commands' state store: `--store` decided once (chooseStore), then opened in two steps, so that a run
// can probe while the second one runs. Loaded by the watch commands alone (not by `check`); the AWS SDK loads only
// when a store needs it: the local store's on its server's own thread (embedded-dynamodb.ts), DynamoDB's on this one.

export const DEFAULT_TABLE = 'certwatch';
const LOCAL_TABLE = 'certwatch';

/** The store a command uses. */
export type StoreChoice = { readonly kind: 'local'; readonly directory: string } | { readonly kind: 'dynamodb'; readonly tableName: string };

/**
 * `--store DIR` (default `.certwatch/`): an embedded DynamoDB-compatible server (dynalite) persisting under DIR.
 * `--store dynamodb`: the real service, or whatever AWS_ENDPOINT_URL_DYNAMODB points to; table from `--table`,
 * else CERTWATCH_TABLE, else `certwatch`.
 */
export function chooseStore(flags: StoreFlags, env: NodeJS.ProcessEnv = process.env): StoreChoice {
  if (flags.store === 'dynamodb') return { kind: 'dynamodb', tableName: flags.table ?? (env.CERTWATCH_TABLE?.trim() || DEFAULT_TABLE) };
  // An empty path would be the current folder: LevelDB files among the user's own.
  if (flags.store.trim() === '') throw new UsageError('--store must name a directory (or "dynamodb"); an empty path is not one');
  return { kind: 'local', directory: flags.store };
}

/** How a command uses its store. */
export interface StoreUse {
  /**
   * A run creates the local store when missing; the reading commands (status, ack, forget) never create one and
   * are refused with NoLocalStoreError instead. @default false
   */
  readonly create?: boolean;
  /**
   * Take the local store's directory only once `proceed()` is called (the command has read its config): a command
   * that fails before leaves no store behind. The thread boots meanwhile. @default take it at once
   */
  readonly deferred?: boolean;
  /**
   * Prints a warning line about the store (`certwatch: warning: ...\n`): a local store that lost writes as it opened
   * (lost-writes.ts). @default none printed
   */
  readonly warn?: (line: string) => void;
}

export interface OpenStore {
  readonly store: StateStore;
  /**
   * A DynamoDB table's change journal: acknowledge and forget tell it, so that deployed workers using the table read
   * those certificates again (batch-summary.ts). The local store has none: no deployed worker uses it.
   */
  readonly journal?: ChangeJournalStore;
  /** Where the state lives, for messages. */
  readonly description: string;
  close(): Promise<void>;
}

/** A store being opened. */
export interface OpeningStore {
  /** Where the state lives, for messages. */
  readonly description: string;
  /** A DynamoDB table's change journal (OpenStore.journal): a run tells it before and after (EVERY_CERTIFICATE). */
  readonly journal?: ChangeJournalStore;
  /**
   * Settles once the store is this command's (the local store's directory lock taken): a directory another
   * certwatch holds fails here, with a UsageError, before the rest of the opening.
   */
  readonly held: Promise<void>;
  /** The store, usable before it has opened: its calls wait for the open, or fail with why it could not open. */
  readonly store: StateStore;
  /** The open store; rejects with a UsageError once the store has released what it held. */
  readonly ready: Promise<OpenStore>;
  /**
   * A deferred opening (StoreUse.deferred) goes on to take the store: its thread is told before this returns, so the
   * lock is taken while the caller goes on. Otherwise nothing.
   */
  proceed(): void;
  /**
   * Releases the store once it has opened (one that failed to open has released everything already); a deferred
   * opening that never proceeded ends without touching the directory.
   */
  close(): Promise<void>;
}

/** The store the flags choose, open, for a command that only reads or edits what is there (it creates nothing). */
export function openStore(flags: StoreFlags, use: Pick<StoreUse, 'warn'> = {}, env: NodeJS.ProcessEnv = process.env): Promise<OpenStore> {
  return startOpeningStore(flags, use, env).ready;
}

/**
 * Starts opening the store the flags choose. The local store's server thread starts at once (before this returns),
 * so that it boots while the caller loads its modules and reads its config; its SDK client is built and its table
 * checked (created on a fresh store) on that thread. A DynamoDB table is checked for certwatch's key.
 */
export function startOpeningStore(flags: StoreFlags, use: StoreUse = {}, env: NodeJS.ProcessEnv = process.env): OpeningStore {
  const choice = chooseStore(flags, env);
  return choice.kind === 'local' ? openingLocalStore(choice.directory, use) : openingDynamoDb(choice.tableName);
}

function openingLocalStore(directory: string, use: StoreUse): OpeningStore {
  const description = `local store ${resolve(directory)}`;
  let proceed: (open: boolean) => void = () => undefined;
  const deferOpen = use.deferred
    ? (tell: (open: boolean) => void) => {
        proceed = tell;
      }
    : undefined;
  let directoryHeld: () => void = () => undefined;
  const heldBeforeListening = new Promise<void>((settle) => (directoryHeld = settle));
  // Its errors name the store already; a store in use is a usage mistake, a damaged or unreadable one a failure.
  const started = startEmbeddedDynamoDb({ path: directory, create: use.create ?? false, deferOpen, preloadStateStore: true, onHeld: () => directoryHeld() }).then(
    (embedded) => {
      if (embedded.lostWrites.length > 0) use.warn?.(`${terminalSafe(`certwatch: ${lostWritesWarning(embedded.path ?? directory, embedded.lostWrites)}`)}\n`);
      return embedded;
    },
    (error: unknown) => {
      throw error instanceof StoreDirectoryLockedError ? new UsageError(error.message) : error;
    },
  );
  // Held once the lock is taken (the server still loading): a failure after that fails the store's calls instead.
  const held = Promise.race([heldBeforeListening, started.then(() => undefined)]);
  // Exclusive: the server holds the directory's LevelDB lock until close, so no other process writes to it, and
  // the creates a listing proves new can share batch requests (a first run's main cost).
  const ready = started.then((embedded) =>
    embedded.openStateStore({ tableName: LOCAL_TABLE, exclusive: true }).then(
      (opened): OpenStore => ({
        store: opened,
        description,
        close: async () => {
          await opened.close();
          await embedded.close();
        },
      }),
      async (error: unknown) => {
        // Released, or the process would print the error and hang on the server's thread.
        await embedded.close();
        throw error instanceof TableShapeError ? new UsageError(`cannot use the local store ${embedded.path}: ${error.message}`) : error;
      },
    ),
  );
  const local = opening(description, held, ready);
  return {
    ...local,
    proceed: () => proceed(true),
    close: async () => {
      proceed(false); // a deferred opening that never proceeded: the thread ends, the directory untouched
      await local.close();
    },
  };
}

function openingDynamoDb(tableName: string): OpeningStore {
  const { createDynamoDbClient } = require('../store/dynamodb-client') as typeof DynamoDbClientModule;
  const { DynamoDbStateStore } = require('../store/dynamodb-state-store') as typeof DynamoDbStateStoreModule;
  const { verifyTable } = require('../store/dynamodb-table') as typeof DynamoDbTableModule;
  const { DynamoDbBatchSummaries } = require('../store/dynamodb-batch-summaries') as typeof DynamoDbBatchSummariesModule;
  const client = createDynamoDbClient();
  const description = `DynamoDB table ${tableName}`;
  // Shared with the deployed watcher and other runs: never exclusive. Its key is checked before anything relies on it.
  const open: OpenStore = {
    store: new DynamoDbStateStore({ client, tableName }),
    journal: new DynamoDbBatchSummaries({ client, tableName }),
    description,
    close: async () => client.destroy(),
  };
  const ready = verifyTable(client, tableName).then(
    () => open,
    async (error: unknown) => {
      await open.close();
      // A missing or misshapen table is a configuration mistake; a store that does not answer is a failure (exit 1).
      throw error instanceof TableShapeError ? new UsageError(error.message) : error;
    },
  );
  return { ...opening(description, Promise.resolve(), ready), journal: open.journal };
}

function opening(description: string, held: Promise<void>, ready: Promise<OpenStore>): OpeningStore {
  // The caller's to await; a caller that fails first leaves no unhandled rejection.
  held.catch(() => undefined);
  ready.catch(() => undefined);
  return {
    description,
    held,
    store: new OpeningStateStore(ready.then((open) => open.store)),
    ready,
    proceed: () => undefined,
    close: async () => (await ready.catch(() => undefined))?.close(),
  };
}
