import { BatchGetItemCommand, ConditionalCheckFailedException, DeleteItemCommand, type DynamoDBClient, GetItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  EMPTY_LEDGER,
  type ExpectedRevision,
  type RunLedger,
  type StateBatchReader,
  type StateListing,
  type StateStore,
  type StoredDocument,
  type StoredStates,
  type UnreadableItem,
  UnreadableStateError,
  VersionConflictError,
} from '../core/ports';
import { ListedStates, PagePacker } from '../core/stored-states';
import type { WatchState } from '../core/watch-state';
import { BatchedWrites, listedVersion } from './batched-writes';
import type { Item } from './dynamodb-attribute-values';
import { INTERNAL_KEY_PREFIX, itemToLedger, itemToState, itemToStoredDocument, LEDGER_KEY, ledgerToItem, PARTITION_KEY, stateToItem } from './state-item-encoding';
import { StateStoreError, storeFailure } from './state-store-error';
import { unreadableCondition } from './unreadable-revision';

// The DynamoDB adapter behind StateStore: reads and writes, one item per watched certificate (state-item-encoding.ts
// says how a state is stored). Every write is conditional on the version read (optimistic concurrency), except the
// writes an exclusive store batches (see `exclusive`, batched-writes.ts). The table itself: dynamodb-table.ts.

export interface DynamoDbStateStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Items per Scan page. Tests set a small one to cross page boundaries. @default DynamoDB's (1 MB pages) */
  readonly scanPageLimit?: number;
  /** Clock for `updatedAt`. @default the system clock */
  readonly now?: () => Date;
  /**
   * The caller guarantees that nothing else writes to the table while this store is open: the embedded store,
   * whose server holds its directory's LevelDB lock for the whole run. Then the store knows the stored version of
   * every key it wrote itself, and after a complete `list()` of every other (absent, or as listed), and a write
   * expecting that version needs no condition: such writes share BatchWriteItem requests (up to 25 items) instead of costing
   * one conditional PutItem each (a first run's creates, a later run's updates). Every other write stays
   * conditional. Never set it for a table in AWS, which runs, retries and acknowledgements share. @default false
   */
  readonly exclusive?: boolean;
  /**
   * How long a batched write waits for others to share its request, in ms. The default, 0, still gathers every
   * write issued in the same turn of the event loop, which is what a backlog of folds on the caller's thread
   * produces. Writes that arrive one message at a time (the embedded store's thread) need a short wait to share
   * a request. @default 0
   */
  readonly batchLingerMs?: number;
}

/** DynamoDB's limit of keys per BatchGetItem. */
const BATCH_GET_KEYS = 100;
/** Requests for one BatchGetItem's keys while DynamoDB leaves some unprocessed (throttling), before the read fails. */
const BATCH_GET_ATTEMPTS = 5;
const BATCH_GET_RETRY_DELAY_MS = 50;

export class DynamoDbStateStore implements StateStore, StateBatchReader {
  readonly tableName: string;
  private readonly client: DynamoDBClient;
  private readonly scanPageLimit: number | undefined;
  private readonly now: () => Date;
  /** Exclusive stores only. */
  private readonly batchedWrites: BatchedWrites | null;
  private writes = 0;

  constructor(options: DynamoDbStateStoreOptions) {
    if (!options.tableName) throw new Error('DynamoDbStateStore needs a table name');
    if (options.scanPageLimit !== undefined && (!Number.isInteger(options.scanPageLimit) || options.scanPageLimit < 1)) {
      throw new Error(`scanPageLimit must be a whole number of at least 1, got ${options.scanPageLimit}`);
    }
    this.client = options.client;
    this.tableName = options.tableName;
    this.scanPageLimit = options.scanPageLimit;
    this.now = options.now ?? (() => new Date());
    this.batchedWrites = options.exclusive
      ? new BatchedWrites({
          client: options.client,
          tableName: options.tableName,
          lingerMs: options.batchLingerMs ?? 0,
          onRequest: () => this.writes++,
          writeAlone: (certificateId, item, expected) => this.putItem(certificateId, item, expected),
        })
      : null;
  }

  get writeCount(): number {
    return this.writes;
  }

  async get(certificateId: string): Promise<WatchState | undefined> {
    try {
      const { Item } = await this.client.send(
        // Consistent: the version read here is the condition of the next write.
        new GetItemCommand({ TableName: this.tableName, Key: { [PARTITION_KEY]: { S: certificateId } }, ConsistentRead: true }),
      );
      return Item ? itemToState(Item, this.tableName) : undefined;
    } catch (error) {
      throw storeFailure(this.tableName, 'GetItem', error, certificateId);
    }
  }

  /** Every stored state, sorted by certificateId; an item that is not a readable state is skipped and listed. */
  async list(): Promise<StateListing> {
    const states: WatchState[] = [];
    const unreadable: UnreadableItem[] = [];
    await this.scanStates((items) => states.push(...this.readItems(items, (item) => itemToState(item, this.tableName), unreadable)));
    states.sort(byCertificateId);
    return { states, unreadable };
  }

  /** The same listing, each state kept as stored until read (StoredStates). */
  async listStored(): Promise<StoredStates> {
    const listed = new ListedStates();
    const packer = new PagePacker();
    const unreadable = await this.scanStored((page) => listed.addPage(packer.pack(page)));
    return listed.listedAll(unreadable);
  }

  /**
   * The same listing, handed to `onPage` a Scan page at a time as stored documents (checked as `list` checks each
   * item): never held whole in one place (the local store's thread passes each page on as it comes). Returns the
   * items skipped as unreadable.
   */
  async scanStored(onPage: (page: StoredDocument[]) => void): Promise<UnreadableItem[]> {
    const unreadable: UnreadableItem[] = [];
    await this.scanStates((items) => onPage(this.readItems(items, (item) => itemToStoredDocument(item, this.tableName), unreadable)));
    return unreadable;
  }

  /**
   * The states of `certificateIds` in BatchGetItem requests of 100 keys, eventually consistent (half the read cost
   * of a consistent read; a stale version fails the next conditional write, never overwrites). Keys DynamoDB leaves
   * unprocessed (throttling) are asked again, with backoff. Sorted by certificateId.
   */
  async getMany(certificateIds: readonly string[]): Promise<StateListing> {
    const unique = [...new Set(certificateIds)];
    const requests: Promise<Item[]>[] = [];
    for (let start = 0; start < unique.length; start += BATCH_GET_KEYS) {
      requests.push(this.batchGet(unique.slice(start, start + BATCH_GET_KEYS).map((certificateId) => ({ [PARTITION_KEY]: { S: certificateId } }))));
    }
    const unreadable: UnreadableItem[] = [];
    const states = this.readItems((await Promise.all(requests)).flat(), (item) => itemToState(item, this.tableName), unreadable);
    states.sort(byCertificateId);
    return { states, unreadable };
  }

  /**
   * Scans the whole table (consistent reads), a page at a time, handing `onPage` each page's items but certwatch's own
   * (the ledger, a deployed run's progress). An exclusive store learns which keys exist, at which versions.
   */
  private async scanStates(onPage: (items: Item[]) => void): Promise<void> {
    const versions = this.batchedWrites ? new Map<string, number | null>() : null;
    let startKey: Item | undefined;
    try {
      do {
        const page = await this.client.send(
          new ScanCommand({ TableName: this.tableName, ConsistentRead: true, Limit: this.scanPageLimit, ExclusiveStartKey: startKey }),
        );
        const items: Item[] = [];
        for (const item of page.Items ?? []) {
          const key = item[PARTITION_KEY]?.S;
          if (key !== undefined) versions?.set(key, listedVersion(key, item));
          if (!key?.startsWith(INTERNAL_KEY_PREFIX)) items.push(item);
        }
        onPage(items);
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    } catch (error) {
      throw storeFailure(this.tableName, 'Scan', error);
    }
    if (versions) this.batchedWrites?.listed(versions);
  }

  /** Each item read with `read`; one that is not a readable state (UnreadableStateError) is skipped and listed. */
  private readItems<T>(items: readonly Item[], read: (item: Item) => T, unreadable: UnreadableItem[]): T[] {
    const values: T[] = [];
    for (const item of items) {
      try {
        values.push(read(item));
      } catch (error) {
        if (!(error instanceof UnreadableStateError)) throw error;
        unreadable.push({ key: item[PARTITION_KEY]?.S ?? '(no certificateId)', reason: error.message, revision: error.revision });
      }
    }
    return values;
  }

  private async batchGet(keys: Item[]): Promise<Item[]> {
    const items: Item[] = [];
    let left = keys;
    for (let attempt = 1; left.length > 0; attempt++) {
      if (attempt > BATCH_GET_ATTEMPTS) {
        throw new StateStoreError(`DynamoDB BatchGetItem on table ${this.tableName} left ${left.length} keys unprocessed after ${BATCH_GET_ATTEMPTS} attempts (throttled)`);
      }
      if (attempt > 1) await new Promise((resume) => setTimeout(resume, BATCH_GET_RETRY_DELAY_MS * 2 ** (attempt - 2)));
      try {
        const { Responses, UnprocessedKeys } = await this.client.send(new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: left } } }));
        items.push(...(Responses?.[this.tableName] ?? []));
        left = UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      } catch (error) {
        throw storeFailure(this.tableName, 'BatchGetItem', error);
      }
    }
    return items;
  }

  async getLedger(): Promise<RunLedger> {
    try {
      const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { [PARTITION_KEY]: { S: LEDGER_KEY } }, ConsistentRead: true }));
      return Item ? itemToLedger(Item) : EMPTY_LEDGER;
    } catch (error) {
      throw storeFailure(this.tableName, 'GetItem', error, LEDGER_KEY);
    }
  }

  async putLedger(next: RunLedger, expectedVersion: number): Promise<RunLedger> {
    const stored: RunLedger = { ...next, version: expectedVersion + 1 };
    this.writes++;
    try {
      await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: ledgerToItem(stored), ...versionCondition(expectedVersion) }));
    } catch (error) {
      if (isConditionalCheckFailure(error)) throw new VersionConflictError(LEDGER_KEY);
      throw storeFailure(this.tableName, 'PutItem', error, LEDGER_KEY);
    }
    return stored;
  }

  async put(next: WatchState, expected: ExpectedRevision): Promise<WatchState> {
    if (!next.certificateId) throw new StateStoreError(`cannot store a state without a certificateId in table ${this.tableName}`);
    if (typeof expected === 'number' && (!Number.isInteger(expected) || expected < 0)) {
      throw new StateStoreError(`expected version of ${next.certificateId} must be a whole number >= 0, got ${expected}`);
    }
    // Over an unreadable item, the state starts afresh at version 1.
    const stored: WatchState = { ...next, version: typeof expected === 'number' ? expected + 1 : 1 };
    const item = stateToItem(stored, { tableName: this.tableName, updatedAt: this.now() });
    const batched = this.batchedWrites;
    if (batched?.isQueued(next.certificateId)) throw new VersionConflictError(next.certificateId);
    if (batched && typeof expected === 'number' && batched.canBatch(next.certificateId, expected)) await batched.write(next.certificateId, item, expected);
    else await this.putItem(next.certificateId, item, expected);
    return stored;
  }

  async delete(certificateId: string, expected: ExpectedRevision): Promise<void> {
    if (typeof expected === 'number' && (!Number.isInteger(expected) || expected < 1)) {
      throw new StateStoreError(`expected version of ${certificateId} must be a whole number >= 1 to delete it, got ${expected}`);
    }
    // A write of the key waiting for its batch goes unconditionally: the delete must not pass beside it.
    if (this.batchedWrites?.isQueued(certificateId)) throw new VersionConflictError(certificateId);
    this.writes++;
    this.batchedWrites?.writing(certificateId);
    try {
      await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: { [PARTITION_KEY]: { S: certificateId } }, ...revisionCondition(expected) }));
    } catch (error) {
      if (isConditionalCheckFailure(error)) throw new VersionConflictError(certificateId);
      throw storeFailure(this.tableName, 'DeleteItem', error, certificateId);
    }
  }

  private async putItem(certificateId: string, item: Item, expected: ExpectedRevision): Promise<void> {
    this.writes++;
    this.batchedWrites?.writing(certificateId);
    try {
      await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: item, ...revisionCondition(expected) }));
      this.batchedWrites?.written(certificateId, Number(item.version?.N)); // the version the item was written with
    } catch (error) {
      if (isConditionalCheckFailure(error)) throw new VersionConflictError(certificateId);
      throw storeFailure(this.tableName, 'PutItem', error, certificateId);
    }
  }
}

/**
 * What a write or delete expects: a state's version (versionCondition), or an unreadable item still exactly as read
 * (its version may be missing or not a number, which no version condition could match).
 */
function revisionCondition(expected: ExpectedRevision) {
  if (typeof expected === 'number') return versionCondition(expected);
  const condition = unreadableCondition(expected);
  return { ...condition, ConditionExpression: `attribute_exists(${PARTITION_KEY}) AND ${condition.ConditionExpression}` };
}

/** Optimistic concurrency: create only if absent (version 0), else only over the version read. */
function versionCondition(expectedVersion: number) {
  return expectedVersion === 0
    ? { ConditionExpression: `attribute_not_exists(${PARTITION_KEY})` }
    : {
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } },
      };
}

// By name too: an error from another copy of the SDK (or a test double) is still a conflict.
export function isConditionalCheckFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error instanceof Error && error.name === 'ConditionalCheckFailedException');
}

function byCertificateId(a: WatchState, b: WatchState): number {
  return a.certificateId < b.certificateId ? -1 : a.certificateId > b.certificateId ? 1 : 0;
}
