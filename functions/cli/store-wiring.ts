import { resolve } from 'node:path';
import type { StateStore } from '../core/ports';
import type * as DynamoDbClientModule from '../store/dynamodb-client';
import type * as DynamoDbStateStoreModule from '../store/dynamodb-state-store';
import type * as DynamoDbTableModule from '../store/dynamodb-table';
import { startEmbeddedDynamoDb, StoreDirectoryLockedError } from './local-store/embedded-dynamodb';
import { OpeningStateStore } from './opening-state-store';
import type { StoreFlags } from './options';
import { UsageError } from './usage-error';

// The watch commands' state store: `--store` decided once (chooseStore), then opened in two steps, so that a run
// can probe while the second one runs. Light to load: `check` loads it too (through the command registration), and
// the AWS SDK loads only when a store needs it: the local store's on its server's own thread (embedded-dynamodb.ts),
// DynamoDB's on this one.

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
  return { kind: 'local', directory: flags.store };
}

export interface OpenStore {
  readonly store: StateStore;
  /** Where the state lives, for messages. */
  readonly description: string;
  close(): Promise<void>;
}

/** A store being opened. */
export interface OpeningStore {
  /** Where the state lives, for messages. */
  readonly description: string;
  /**
   * Settles once the store is this command's (the local store's directory lock taken): a directory another
   * certwatch holds fails here, with a UsageError, before the rest of the opening.
   */
  readonly held: Promise<void>;
  /** The store, usable before it has opened: its calls wait for the open, or fail with why it could not open. */
  readonly store: StateStore;
  /** The open store; rejects with a UsageError once the store has released what it held. */
  readonly ready: Promise<OpenStore>;
  /** Releases the store once it has opened (one that failed to open has released everything already). */
  close(): Promise<void>;
}

/** The store the flags choose, open. */
export function openStore(flags: StoreFlags, env: NodeJS.ProcessEnv = process.env): Promise<OpenStore> {
  return startOpeningStore(flags, env).ready;
}

/**
 * Starts opening the store the flags choose. The local store's server thread starts at once (before this returns),
 * so that it boots while the caller loads its modules and reads its config; its SDK client is built and its table
 * checked (created on a fresh store) on that thread. A DynamoDB table is checked for certwatch's key.
 */
export function startOpeningStore(flags: StoreFlags, env: NodeJS.ProcessEnv = process.env): OpeningStore {
  const choice = chooseStore(flags, env);
  return choice.kind === 'local' ? openingLocalStore(choice.directory) : openingDynamoDb(choice.tableName);
}

function openingLocalStore(directory: string): OpeningStore {
  const description = `local store ${resolve(directory)}`;
  const held = startEmbeddedDynamoDb({ path: directory, preloadStateStore: true }).catch((error: unknown) => {
    if (error instanceof StoreDirectoryLockedError) throw new UsageError(error.message);
    throw new UsageError(`cannot open the local store ${directory}: ${(error as Error).message}`);
  });
  // Exclusive: the server holds the directory's LevelDB lock until close, so no other process writes to it, and
  // the creates a listing proves new can share batch requests (a first run's main cost).
  const ready = held.then((embedded) =>
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
        throw new UsageError(`cannot use the local store ${embedded.path}: ${(error as Error).message}`);
      },
    ),
  );
  return opening(description, held.then(() => undefined), ready);
}

function openingDynamoDb(tableName: string): OpeningStore {
  const { createDynamoDbClient } = require('../store/dynamodb-client') as typeof DynamoDbClientModule;
  const { DynamoDbStateStore } = require('../store/dynamodb-state-store') as typeof DynamoDbStateStoreModule;
  const { verifyTable } = require('../store/dynamodb-table') as typeof DynamoDbTableModule;
  const client = createDynamoDbClient();
  const description = `DynamoDB table ${tableName}`;
  // Shared with the deployed watcher and other runs: never exclusive. Its key is checked before anything relies on it.
  const open: OpenStore = { store: new DynamoDbStateStore({ client, tableName }), description, close: async () => client.destroy() };
  const ready = verifyTable(client, tableName).then(
    () => open,
    async (error: unknown) => {
      await open.close();
      throw new UsageError((error as Error).message);
    },
  );
  return opening(description, Promise.resolve(), ready);
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
    close: async () => (await ready.catch(() => undefined))?.close(),
  };
}
