import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  ScanCommand,
  type TableDescription,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { EMPTY_LEDGER, type RunLedger, type StateBatchReader, type StateListing, type StateStore, type UnreadableItem, UnreadableStateError, VersionConflictError } from '../core/ports';
import type { WatchState } from '../core/watch-state';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { type Item, itemSizeBytes, MAX_ITEM_BYTES } from './dynamodb-attribute-values';

// The DynamoDB adapter behind StateStore. One item per watched certificate, partition key `certificateId`.
// Item layout: the key, `version` (the write condition's), and projections for operators, filters and a future
// index: `status`, `source`, `target`, `stage` (expiry.stage) and `notAfter` (certificate.notAfter), both left out
// when null so that an index on them stays sparse, and `updatedAt` (time of the write); the whole state is one
// JSON document in `state`. One string attribute instead of ~100 nested ones costs the SDK and the server (and the
// local store) far less to write and to read back: a run reads every item. Items stored in the earlier layout (every
// field a top-level attribute, records as maps) are still read, and take this one on their next write. Every write is conditional on
// the version read (optimistic concurrency), except the creates an exclusive store batches (see `exclusive`).

export const PARTITION_KEY = 'certificateId';
/** Keys of certwatch's own items beside the states: certificate ids start with `tls:` or `arn:`, never with this. */
export const INTERNAL_KEY_PREFIX = 'certwatch#';
/** The run ledger's key. */
export const LEDGER_KEY = `${INTERNAL_KEY_PREFIX}ledger`;

export interface DynamoDbStateStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Items per Scan page. Tests set a small one to cross page boundaries. @default DynamoDB's (1 MB pages) */
  readonly scanPageLimit?: number;
  /** Clock for `updatedAt`. @default the system clock */
  readonly now?: () => Date;
  /**
   * The caller guarantees that nothing else writes to the table while this store is open: the embedded store,
   * whose server holds its directory's LevelDB lock for the whole run. Then a certificate that a complete `list()`
   * did not find cannot be created by anyone else, and its create needs no condition: such creates share
   * BatchWriteItem requests (up to 25 items) instead of costing one conditional PutItem each, which is most of a
   * first run's store work. Every other write stays conditional. Never set it for a table in AWS, which runs,
   * retries and acknowledgements share. @default false
   */
  readonly exclusive?: boolean;
  /**
   * How long a batched create waits for others to share its request, in ms. The default, 0, still gathers every
   * create issued in the same turn of the event loop, which is what a backlog of folds on the caller's thread
   * produces. Creates that arrive one message at a time (the embedded store's thread) need a short wait to share
   * a request. @default 0
   */
  readonly batchLingerMs?: number;
}

/** DynamoDB's limit of keys per BatchGetItem. */
const BATCH_GET_KEYS = 100;
/** DynamoDB's limit of items per BatchWriteItem. */
const BATCH_WRITE_ITEMS = 25;
/** Requests per batch while DynamoDB leaves items unprocessed (throttling), before each left item is written alone. */
const BATCH_WRITE_ATTEMPTS = 3;
const BATCH_RETRY_DELAY_MS = 50;
/** Requests for one BatchGetItem's keys while DynamoDB leaves some unprocessed, before the read fails. */
const BATCH_GET_ATTEMPTS = 5;

/** A create waiting for its batch. */
interface QueuedCreate {
  readonly certificateId: string;
  readonly item: Item;
  readonly settle: (outcome: Error | null) => void;
}

/** Delays of the quick polls for a new table before the SDK waiter's (1 s and up) take over. */
const QUICK_ACTIVE_POLLS_MS = [2, 5, 10, 20, 50, 100, 200];

/** A DynamoDB failure other than a version conflict, naming the table and, where there is one, the certificate. */
export class StateStoreError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'StateStoreError';
  }
}

/** The attribute holding the state as JSON. */
const STATE_ATTRIBUTE = 'state';
/** Attributes derived from the state; never read back into it (an item in the earlier layout has these too). */
const PROJECTION_NAMES: ReadonlySet<string> = new Set(['stage', 'notAfter', 'updatedAt']);

export class DynamoDbStateStore implements StateStore, StateBatchReader {
  readonly tableName: string;
  private readonly client: DynamoDBClient;
  private readonly scanPageLimit: number | undefined;
  private readonly now: () => Date;
  private readonly exclusive: boolean;
  private readonly batchLingerMs: number;
  private writes = 0;
  /** Exclusive stores: every key the last complete listing saw (states, unreadable items, the ledger). */
  private listedKeys: ReadonlySet<string> | null = null;
  /** Keys this store has written since: never batch-created (again). */
  private readonly keysWritten = new Set<string>();
  /** Keys queued or in a batch request: a second create of one is a conflict, not a second batched write. */
  private readonly queuedKeys = new Set<string>();
  private queue: QueuedCreate[] = [];
  private lingerTimer: NodeJS.Timeout | null = null;

  constructor(options: DynamoDbStateStoreOptions) {
    if (!options.tableName) throw new Error('DynamoDbStateStore needs a table name');
    if (options.scanPageLimit !== undefined && (!Number.isInteger(options.scanPageLimit) || options.scanPageLimit < 1)) {
      throw new Error(`scanPageLimit must be a whole number of at least 1, got ${options.scanPageLimit}`);
    }
    this.client = options.client;
    this.tableName = options.tableName;
    this.scanPageLimit = options.scanPageLimit;
    this.now = options.now ?? (() => new Date());
    this.exclusive = options.exclusive ?? false;
    this.batchLingerMs = options.batchLingerMs ?? 0;
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
      return Item ? this.itemToState(Item) : undefined;
    } catch (error) {
      throw this.failure('GetItem', error, certificateId);
    }
  }

  /** Every stored state, sorted by certificateId; an item that is not a readable state is skipped and listed. */
  async list(): Promise<StateListing> {
    const states: WatchState[] = [];
    const unreadable: UnreadableItem[] = [];
    const keys = new Set<string>();
    let startKey: Item | undefined;
    try {
      do {
        const page = await this.client.send(
          new ScanCommand({ TableName: this.tableName, ConsistentRead: true, Limit: this.scanPageLimit, ExclusiveStartKey: startKey }),
        );
        for (const item of page.Items ?? []) {
          const key = item[PARTITION_KEY]?.S;
          if (key !== undefined) keys.add(key);
          if (key?.startsWith(INTERNAL_KEY_PREFIX)) continue; // the ledger, a deployed run's progress
          try {
            states.push(this.itemToState(item));
          } catch (error) {
            unreadable.push({ key: item[PARTITION_KEY]?.S ?? '(no certificateId)', reason: (error as Error).message });
          }
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    } catch (error) {
      throw this.failure('Scan', error);
    }
    states.sort((a, b) => (a.certificateId < b.certificateId ? -1 : a.certificateId > b.certificateId ? 1 : 0));
    if (this.exclusive) this.listedKeys = keys;
    return { states, unreadable };
  }

  /**
   * The states of `certificateIds` in BatchGetItem requests of 100 keys, eventually consistent (half the read cost
   * of a consistent read; a stale version fails the next conditional write, never overwrites). Keys DynamoDB leaves
   * unprocessed (throttling) are asked again, with backoff. Sorted by certificateId.
   */
  async getMany(certificateIds: readonly string[]): Promise<StateListing> {
    const states: WatchState[] = [];
    const unreadable: UnreadableItem[] = [];
    const requests: Promise<void>[] = [];
    const unique = [...new Set(certificateIds)];
    for (let start = 0; start < unique.length; start += BATCH_GET_KEYS) {
      const keys = unique.slice(start, start + BATCH_GET_KEYS).map((certificateId) => ({ [PARTITION_KEY]: { S: certificateId } }));
      requests.push(
        this.batchGet(keys).then((items) => {
          for (const item of items) {
            try {
              states.push(this.itemToState(item));
            } catch (error) {
              unreadable.push({ key: item[PARTITION_KEY]?.S ?? '(no certificateId)', reason: (error as Error).message });
            }
          }
        }),
      );
    }
    await Promise.all(requests);
    states.sort((a, b) => (a.certificateId < b.certificateId ? -1 : a.certificateId > b.certificateId ? 1 : 0));
    return { states, unreadable };
  }

  private async batchGet(keys: Item[]): Promise<Item[]> {
    const items: Item[] = [];
    let left = keys;
    for (let attempt = 1; left.length > 0; attempt++) {
      if (attempt > BATCH_GET_ATTEMPTS) throw new StateStoreError(`DynamoDB BatchGetItem on table ${this.tableName} left ${left.length} keys unprocessed after ${BATCH_GET_ATTEMPTS} attempts (throttled)`);
      if (attempt > 1) await new Promise((resume) => setTimeout(resume, BATCH_RETRY_DELAY_MS * 2 ** (attempt - 2)));
      try {
        const { Responses, UnprocessedKeys } = await this.client.send(new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: left } } }));
        items.push(...(Responses?.[this.tableName] ?? []));
        left = UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      } catch (error) {
        throw this.failure('BatchGetItem', error);
      }
    }
    return items;
  }

  async getLedger(): Promise<RunLedger> {
    try {
      const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { [PARTITION_KEY]: { S: LEDGER_KEY } }, ConsistentRead: true }));
      if (!Item) return EMPTY_LEDGER;
      const { lastRunAt = null, digestSentFor = null, digestClaim = null, version } = unmarshall(Item) as Partial<RunLedger>;
      return { lastRunAt, digestSentFor, digestClaim, version: version ?? 0 };
    } catch (error) {
      throw this.failure('GetItem', error, LEDGER_KEY);
    }
  }

  async putLedger(next: RunLedger, expectedVersion: number): Promise<RunLedger> {
    const stored: RunLedger = { ...next, version: expectedVersion + 1 };
    this.writes++;
    try {
      await this.client.send(
        new PutItemCommand({ TableName: this.tableName, Item: marshall({ [PARTITION_KEY]: LEDGER_KEY, ...stored }), ...this.versionCondition(expectedVersion) }),
      );
    } catch (error) {
      if (isConditionalCheckFailure(error)) throw new VersionConflictError(LEDGER_KEY);
      throw this.failure('PutItem', error, LEDGER_KEY);
    }
    return stored;
  }

  async put(next: WatchState, expectedVersion: number): Promise<WatchState> {
    if (!next.certificateId) throw new StateStoreError(`cannot store a state without a certificateId in table ${this.tableName}`);
    if (!Number.isInteger(expectedVersion) || expectedVersion < 0) {
      throw new StateStoreError(`expected version of ${next.certificateId} must be a whole number >= 0, got ${expectedVersion}`);
    }
    const stored: WatchState = { ...next, version: expectedVersion + 1 };
    const item = this.stateToItem(stored);
    const size = itemSizeBytes(item);
    if (size > MAX_ITEM_BYTES) {
      throw new StateStoreError(
        `state of ${next.certificateId} would be a ${size}-byte item, over DynamoDB's ${MAX_ITEM_BYTES}-byte limit ` +
          `(table ${this.tableName}): pending ${next.pending.length}, sent ${next.sent.length}, history ${next.history.length} entries`,
      );
    }
    if (expectedVersion === 0 && this.queuedKeys.has(next.certificateId)) throw new VersionConflictError(next.certificateId);
    if (expectedVersion === 0 && this.canBatchCreate(next.certificateId)) await this.queueCreate(next.certificateId, item);
    else await this.putItem(next.certificateId, item, expectedVersion);
    return stored;
  }

  async delete(certificateId: string, expectedVersion: number | null): Promise<void> {
    if (expectedVersion !== null && (!Number.isInteger(expectedVersion) || expectedVersion < 1)) {
      throw new StateStoreError(`expected version of ${certificateId} must be a whole number >= 1 to delete it, got ${expectedVersion}`);
    }
    // An item without a version (unreadable) must still be there, and still have none.
    const condition =
      expectedVersion === null
        ? { ConditionExpression: `attribute_exists(${PARTITION_KEY}) AND attribute_not_exists(#version)`, ExpressionAttributeNames: { '#version': 'version' } }
        : this.versionCondition(expectedVersion);
    this.writes++;
    try {
      await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: { [PARTITION_KEY]: { S: certificateId } }, ...condition }));
    } catch (error) {
      if (isConditionalCheckFailure(error)) throw new VersionConflictError(certificateId);
      throw this.failure('DeleteItem', error, certificateId);
    }
  }

  private async putItem(certificateId: string, item: Item, expectedVersion: number): Promise<void> {
    this.writes++;
    try {
      await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: item, ...this.versionCondition(expectedVersion) }));
      this.keysWritten.add(certificateId);
    } catch (error) {
      if (isConditionalCheckFailure(error)) throw new VersionConflictError(certificateId);
      throw this.failure('PutItem', error, certificateId);
    }
  }

  /** Exclusive, and absent from a complete listing and from everything written since: nobody else can create it. */
  private canBatchCreate(certificateId: string): boolean {
    return this.listedKeys !== null && !this.listedKeys.has(certificateId) && !this.keysWritten.has(certificateId);
  }

  /** Resolves once the item is written: a full batch goes at once, a partial one after the linger. */
  private queueCreate(certificateId: string, item: Item): Promise<void> {
    this.queuedKeys.add(certificateId);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({
        certificateId,
        item,
        settle: (outcome) => {
          this.queuedKeys.delete(certificateId);
          if (outcome) return reject(outcome);
          this.keysWritten.add(certificateId);
          resolve();
        },
      });
      if (this.queue.length >= BATCH_WRITE_ITEMS) this.flushQueue();
      else this.lingerTimer ??= setTimeout(() => this.flushQueue(), this.batchLingerMs);
    });
  }

  private flushQueue(): void {
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    while (this.queue.length > 0) void this.writeBatch(this.queue.splice(0, BATCH_WRITE_ITEMS));
  }

  /**
   * Writes the batch, retrying what DynamoDB leaves unprocessed; whatever still is, or a failed request's items,
   * is written one conditional PutItem each, so that each certificate succeeds or fails (naming itself) alone.
   * Settles every entry; never rejects.
   */
  private async writeBatch(batch: readonly QueuedCreate[]): Promise<void> {
    let left = batch;
    for (let attempt = 1; attempt <= BATCH_WRITE_ATTEMPTS && left.length > 0; attempt++) {
      if (attempt > 1) await new Promise((resume) => setTimeout(resume, BATCH_RETRY_DELAY_MS * 2 ** (attempt - 2)));
      this.writes++;
      let unprocessed: ReadonlySet<string | undefined>;
      try {
        const { UnprocessedItems } = await this.client.send(
          new BatchWriteItemCommand({ RequestItems: { [this.tableName]: left.map(({ item }) => ({ PutRequest: { Item: item } })) } }),
        );
        unprocessed = new Set((UnprocessedItems?.[this.tableName] ?? []).map((request) => request.PutRequest?.Item?.[PARTITION_KEY]?.S));
      } catch {
        break;
      }
      for (const entry of left) if (!unprocessed.has(entry.certificateId)) entry.settle(null);
      left = left.filter((entry) => unprocessed.has(entry.certificateId));
    }
    await Promise.all(
      left.map((entry) =>
        this.putItem(entry.certificateId, entry.item, 0).then(
          () => entry.settle(null),
          (error: unknown) => entry.settle(error as Error),
        ),
      ),
    );
  }

  /**
   * Creates the table (on-demand capacity) unless it exists, and waits until it is ACTIVE. Idempotent. For the
   * local run only: in AWS the table belongs to the CDK stack.
   */
  async ensureTable(): Promise<void> {
    let operation = 'DescribeTable';
    try {
      let table = await this.describeTable();
      if (table) {
        this.assertKeySchema(table);
      } else {
        operation = 'CreateTable';
        try {
          const created = await this.client.send(
            new CreateTableCommand({
              TableName: this.tableName,
              AttributeDefinitions: [{ AttributeName: PARTITION_KEY, AttributeType: 'S' }],
              KeySchema: [{ AttributeName: PARTITION_KEY, KeyType: 'HASH' }],
              BillingMode: 'PAY_PER_REQUEST',
            }),
          );
          table = created.TableDescription;
        } catch (error) {
          // Created meanwhile by another run: fine, wait for it like for our own.
          if (!(error instanceof ResourceInUseException)) throw error;
        }
      }
      if (table?.TableStatus !== 'ACTIVE') {
        operation = 'waiting for ACTIVE';
        if (!(await this.activeWithin(QUICK_ACTIVE_POLLS_MS))) {
          await waitUntilTableExists({ client: this.client, maxWaitTime: 120, minDelay: 1, maxDelay: 5 }, { TableName: this.tableName });
        }
      }
    } catch (error) {
      throw this.failure(operation, error);
    }
  }

  /**
   * Checks that a table someone else made (`--store dynamodb`) is usable before a run relies on it: it exists and
   * has certwatch's key. Without this, a table with another key fails every write on its own, one
   * ValidationException per certificate.
   */
  async verifyTable(): Promise<void> {
    let table: TableDescription | undefined;
    try {
      table = await this.describeTable();
    } catch (error) {
      throw this.failure('DescribeTable', error);
    }
    if (!table) throw new StateStoreError(`DynamoDB table ${this.tableName} does not exist: deploy the certwatch stack, or name the table with --table or CERTWATCH_TABLE`);
    this.assertKeySchema(table);
  }

  /**
   * Whether the table turns ACTIVE within a few short polls. The embedded server activates a new table within
   * milliseconds, but often just after the SDK waiter's first look, which then sleeps a whole second (its
   * minimum delay) before looking again; that second was a third of a local first run over 1,000 targets.
   */
  private async activeWithin(delaysMs: readonly number[]): Promise<boolean> {
    for (const delayMs of delaysMs) {
      await new Promise((resume) => setTimeout(resume, delayMs));
      if ((await this.describeTable())?.TableStatus === 'ACTIVE') return true;
    }
    return false;
  }

  /** Optimistic concurrency: create only if absent (version 0), else only over the version read. */
  private versionCondition(expectedVersion: number) {
    return expectedVersion === 0
      ? { ConditionExpression: `attribute_not_exists(${PARTITION_KEY})` }
      : {
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } },
        };
  }

  private async describeTable(): Promise<TableDescription | undefined> {
    try {
      return (await this.client.send(new DescribeTableCommand({ TableName: this.tableName }))).Table;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  private assertKeySchema(table: TableDescription): void {
    const keys = table.KeySchema ?? [];
    const keyType = table.AttributeDefinitions?.find((d) => d.AttributeName === PARTITION_KEY)?.AttributeType;
    if (keys.length !== 1 || keys[0].AttributeName !== PARTITION_KEY || keys[0].KeyType !== 'HASH' || keyType !== 'S') {
      const found = keys.map((k) => `${k.AttributeName} (${k.KeyType})`).join(', ');
      throw new StateStoreError(`table ${this.tableName} exists with key ${found}, but certwatch needs partition key ${PARTITION_KEY} (S) alone`);
    }
  }

  private stateToItem(state: WatchState): Item {
    const { certificateId, version, ...rest } = state;
    let document: string;
    try {
      document = JSON.stringify(rest, finiteNumbersOnly);
    } catch (error) {
      throw new StateStoreError(`cannot store the state of ${certificateId} in table ${this.tableName}: ${describe(error)}`, { cause: error });
    }
    return {
      [PARTITION_KEY]: { S: certificateId },
      version: { N: String(version) },
      status: { S: state.status },
      source: { S: state.source },
      target: { S: state.target },
      ...(state.expiry.stage !== null ? { stage: { S: state.expiry.stage } } : {}),
      ...(state.certificate !== null ? { notAfter: { S: state.certificate.notAfter } } : {}),
      updatedAt: { S: this.now().toISOString() },
      [STATE_ATTRIBUTE]: { S: document },
    };
  }

  private itemToState(item: Item): WatchState {
    const certificateId = item[PARTITION_KEY]?.S ?? '(no certificateId)';
    let record: Record<string, unknown>;
    try {
      const document = item[STATE_ATTRIBUTE]?.S;
      record = document === undefined ? legacyRecord(item) : { ...(JSON.parse(document) as Record<string, unknown>), certificateId, version: Number(item.version?.N) };
    } catch (error) {
      throw new UnreadableStateError(certificateId, `item ${certificateId} in table ${this.tableName} is not a certwatch state: ${describe(error)}`, rawVersion(item));
    }
    if (!Number.isInteger(record.version) || typeof record.status !== 'string' || typeof record.expiry !== 'object' || record.expiry === null) {
      throw new UnreadableStateError(certificateId, `item ${certificateId} in table ${this.tableName} is not a certwatch state (no version, status or expiry)`, rawVersion(item));
    }
    return record as unknown as WatchState;
  }

  private failure(operation: string, error: unknown, certificateId?: string): StateStoreError | UnreadableStateError {
    if (error instanceof StateStoreError || error instanceof UnreadableStateError) return error;
    const subject = certificateId === undefined ? '' : ` for ${certificateId}`;
    return new StateStoreError(`DynamoDB ${operation} on table ${this.tableName}${subject} failed: ${describe(error)}`, { cause: error });
  }
}

/** An item's `version` attribute, if it is a whole number >= 1. */
function rawVersion(item: Item): number | null {
  const version = Number(item.version?.N);
  return Number.isInteger(version) && version >= 1 ? version : null;
}

// By name too: an error from another copy of the SDK (or a test double) is still a conflict.
export function isConditionalCheckFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error instanceof Error && error.name === 'ConditionalCheckFailedException');
}

/** An item in the earlier layout: every field a top-level attribute, records as maps, projections beside them. */
function legacyRecord(item: Item): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(unmarshall(item))) if (!PROJECTION_NAMES.has(name)) record[name] = value;
  return record;
}

/** JSON would write NaN and Infinity as null, silently: refused, as DynamoDB refuses them. */
function finiteNumbersOnly(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`Special numeric value ${value} is not allowed`);
  return value;
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
