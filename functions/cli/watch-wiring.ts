import type * as DynamoDbClientModule from '../store/dynamodb-client';
import type * as DynamoDbStateStoreModule from '../store/dynamodb-state-store';
import type * as DynamoDbTableModule from '../store/dynamodb-table';
import { type EmbeddedDynamoDb, startEmbeddedDynamoDb, StoreDirectoryLockedError } from './local-store/embedded-dynamodb';
import { ConsoleNotifier, FileNotifier } from '../notify/local-notifiers';
import type * as SnsNotifierModule from '../notify/sns-notifier';
import type { Notifier, StateStore } from '../core/ports';
import { INSTANT_RULE, isoInstant } from '../core/instant';
import { UsageError } from './usage-error';

// Builds the local adapters the watch commands run on: the store (embedded or DynamoDB) and the notifier.
// The adapters' AWS SDK clients load only when needed: the embedded store's on its server's own thread (see
// embedded-dynamodb.ts), DynamoDB's and SNS's on this one when chosen.
function loadDynamoDb() {
  const { createDynamoDbClient } = require('../store/dynamodb-client') as typeof DynamoDbClientModule;
  const { DynamoDbStateStore } = require('../store/dynamodb-state-store') as typeof DynamoDbStateStoreModule;
  const { verifyTable } = require('../store/dynamodb-table') as typeof DynamoDbTableModule;
  return { createDynamoDbClient, DynamoDbStateStore, verifyTable };
}

export const DEFAULT_TABLE = 'certwatch';
const LOCAL_TABLE = 'certwatch';

export interface OpenStore {
  readonly store: StateStore;
  /** Where the state lives, for messages. */
  readonly description: string;
  close(): Promise<void>;
}

/** A store being opened: its directory is ours already (its server is listening). */
export interface OpeningStore {
  /** Where the state lives, for messages. */
  readonly description: string;
  /** The open store; rejects with a UsageError once the store has released what it held. */
  readonly ready: Promise<OpenStore>;
  /** Releases the store once it has opened (one that failed to open has released everything already). */
  close(): Promise<void>;
}

/**
 * `--store DIR` (default `.certwatch/`): an embedded DynamoDB-compatible server (dynalite) persisting under DIR.
 * `--store dynamodb`: the real service, or whatever AWS_ENDPOINT_URL_DYNAMODB points to; table from `--table`,
 * else CERTWATCH_TABLE, else `certwatch`.
 */
export async function openStore(store: string, table: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<OpenStore> {
  return (await startOpeningStore(store, table, { env })).ready;
}

export interface StartOpeningOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** The embedded store's server thread, when the caller started it already (so that it boots while modules load). */
  readonly thread?: Promise<EmbeddedDynamoDb>;
}

/**
 * Opens the store in two steps, so that a run can probe while the second one runs. It resolves once the store is
 * ours, failing fast on a directory another certwatch holds; `ready` then follows once its SDK client is built and
 * its table checked (created on a fresh store).
 */
export async function startOpeningStore(store: string, table: string | undefined, options: StartOpeningOptions = {}): Promise<OpeningStore> {
  const env = options.env ?? process.env;
  if (store === 'dynamodb') {
    const { createDynamoDbClient, DynamoDbStateStore, verifyTable } = loadDynamoDb();
    const tableName = table ?? (env.CERTWATCH_TABLE?.trim() || DEFAULT_TABLE);
    const client = createDynamoDbClient();
    const description = `DynamoDB table ${tableName}`;
    // Shared with the deployed watcher and other runs: never exclusive. Its key is checked before anything relies on it.
    const opened = new DynamoDbStateStore({ client, tableName });
    return opening(description, checked(verifyTable(client, tableName), { store: opened, description, close: async () => client.destroy() }, (reason) => reason));
  }
  const starting = options.thread ?? startEmbeddedDynamoDb({ path: store, preloadStateStore: true });
  let embedded;
  try {
    embedded = await starting;
  } catch (error) {
    if (error instanceof StoreDirectoryLockedError) throw new UsageError(error.message);
    throw new UsageError(`cannot open the local store ${store}: ${(error as Error).message}`);
  }
  const description = `local store ${embedded.path}`;
  // Exclusive: the server holds the directory's LevelDB lock until close, so no other process writes to it, and
  // the creates a listing proves new can share batch requests (a first run's main cost).
  const ready = embedded.openStateStore({ tableName: LOCAL_TABLE, exclusive: true }).then(
    (opened) => ({
      store: opened,
      description,
      close: async () => {
        await opened.close();
        await embedded.close();
      },
    }),
    async (error: unknown) => {
      await embedded.close();
      throw new UsageError(`cannot use the local store ${embedded.path}: ${(error as Error).message}`);
    },
  );
  return opening(description, ready);
}

/**
 * The store once `check` (its table's) passes. Otherwise it releases what it holds (the directory and the
 * server's thread too, or the process would print the error and hang), and the failure is a usage mistake.
 */
async function checked(check: Promise<void>, open: OpenStore, explain: (reason: string) => string): Promise<OpenStore> {
  try {
    await check;
  } catch (error) {
    await open.close();
    throw new UsageError(explain((error as Error).message));
  }
  return open;
}

function opening(description: string, ready: Promise<OpenStore>): OpeningStore {
  ready.catch(() => undefined); // the caller's to await; a caller that fails first leaves no unhandled rejection
  return { description, ready, close: async () => (await ready.catch(() => undefined))?.close() };
}

/** `--notify console | file:PATH | sns` (sns: topic from the config, else CERTWATCH_TOPIC_ARN). */
export function createNotifier(spec: string, options: { topicArn: string | null; now: () => Date; write: (text: string) => void; env?: NodeJS.ProcessEnv }): Notifier {
  if (spec === 'console') return new ConsoleNotifier(options.write, { now: options.now });
  if (spec.startsWith('file:') && spec.length > 'file:'.length) return new FileNotifier(spec.slice('file:'.length), { now: options.now });
  if (spec === 'sns') {
    const topicArn = options.topicArn ?? (options.env ?? process.env).CERTWATCH_TOPIC_ARN;
    if (!topicArn) throw new UsageError('--notify sns needs a topic: set "sns": { "topicArn": ... } in the config or CERTWATCH_TOPIC_ARN');
    const { SnsNotifier } = require('../notify/sns-notifier') as typeof SnsNotifierModule;
    return new SnsNotifier(topicArn, { now: options.now });
  }
  throw new UsageError(`--notify must be console, file:PATH or sns (got "${spec}")`);
}

/** Parses `--now` / `--until` by the Lambda's rule: an ISO 8601 time with a zone (a bare date is refused). */
export function parseInstant(flag: string, text: string): Date {
  const parsed = isoInstant.safeParse(text);
  if (!parsed.success) throw new UsageError(`${flag} must be ${INSTANT_RULE} (got "${text}")`);
  return new Date(parsed.data);
}
