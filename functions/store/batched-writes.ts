import { BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Item } from './dynamodb-attribute-values';
import { INTERNAL_KEY_PREFIX, PARTITION_KEY } from './state-item-encoding';

// The writes of an exclusive store (see DynamoDbStateStoreOptions.exclusive), sent together. Nobody else writes to
// its table, so after a complete listing the store knows each certificate's stored version: absent (0) for a key
// the listing did not find, the listed version for one it found, what it wrote itself since. A write expecting
// exactly that version would pass its condition, so it needs none: it shares a BatchWriteItem request (up to 25
// items) with others instead of costing one conditional PutItem. That is a first run's creates, and every later
// run's updates (a failing target's count of failures, a stage entered, a renewal seen). Every other write stays
// conditional: a version the store does not know (before any listing; an item it could not read; a key whose last
// write failed, or that it deleted), or one it knows to differ, which then fails as a conflict, as it would have.

/** DynamoDB's limit of items per BatchWriteItem. */
const BATCH_WRITE_ITEMS = 25;
/** Requests per batch while DynamoDB leaves items unprocessed (throttling), before each left item is written alone. */
const BATCH_WRITE_ATTEMPTS = 3;
const BATCH_RETRY_DELAY_MS = 50;

export interface BatchedWritesOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** How long a write waits for others to share its request, in ms. See DynamoDbStateStoreOptions.batchLingerMs. */
  readonly lingerMs: number;
  /** Called for every BatchWriteItem request sent (the store counts its writes). */
  readonly onRequest: () => void;
  /** A write sent alone, conditionally on `expected`, when its batch could not write it; rejects naming the certificate. */
  readonly writeAlone: (certificateId: string, item: Item, expected: number) => Promise<void>;
}

/** A write waiting for its batch. */
interface QueuedWrite {
  readonly certificateId: string;
  readonly item: Item;
  readonly expected: number;
  readonly settle: (outcome: Error | null) => void;
}

export class BatchedWrites {
  /** The version of every key the last complete listing saw (`listedVersion`: null where a batch must not write). Null before any listing. */
  private listedVersions: ReadonlyMap<string, number | null> | null = null;
  /**
   * Keys the store has written, or is writing, or deleted, since it opened: the version it wrote, or null (a write in
   * flight or failed, a delete). These win over any listing, which may have been read while the write was under way.
   */
  private readonly ownVersions = new Map<string, number | null>();
  /** Keys queued or in a batch request: another write of one now is a conflict, not a second batched write. */
  private readonly queuedKeys = new Set<string>();
  private queue: QueuedWrite[] = [];
  private lingerTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: BatchedWritesOptions) {}

  /** A complete listing found these keys, with their versions as `listedVersion` reads them. */
  listed(versions: ReadonlyMap<string, number | null>): void {
    this.listedVersions = versions;
  }

  /** The store is about to write or delete this key by a conditional request: its version is unknown until `written`. */
  writing(certificateId: string): void {
    this.ownVersions.set(certificateId, null);
  }

  /** The store wrote this version of the key (by any request). */
  written(certificateId: string, version: number): void {
    this.ownVersions.set(certificateId, version);
  }

  /** A write of this key is queued or being sent: another write of it now must conflict. */
  isQueued(certificateId: string): boolean {
    return this.queuedKeys.has(certificateId);
  }

  /** The store knows that the key's stored version is `expected` (0: absent): the write's condition would hold. */
  canBatch(certificateId: string, expected: number): boolean {
    return this.knownVersion(certificateId) === expected;
  }

  /** Resolves once the item is written: a full batch goes at once, a partial one after the linger. */
  write(certificateId: string, item: Item, expected: number): Promise<void> {
    this.queuedKeys.add(certificateId);
    this.ownVersions.set(certificateId, null);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({
        certificateId,
        item,
        expected,
        settle: (outcome) => {
          this.queuedKeys.delete(certificateId);
          if (outcome) return reject(outcome);
          this.ownVersions.set(certificateId, expected + 1);
          resolve();
        },
      });
      if (this.queue.length >= BATCH_WRITE_ITEMS) this.flushQueue();
      else this.lingerTimer ??= setTimeout(() => this.flushQueue(), this.options.lingerMs);
    });
  }

  /** The stored version as far as this store knows it: 0 for absent, null when it does not know. */
  private knownVersion(certificateId: string): number | null {
    if (this.ownVersions.has(certificateId)) return this.ownVersions.get(certificateId) as number | null;
    if (this.listedVersions === null) return null;
    return this.listedVersions.has(certificateId) ? (this.listedVersions.get(certificateId) as number | null) : 0;
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
  private async writeBatch(batch: readonly QueuedWrite[]): Promise<void> {
    const { client, tableName } = this.options;
    let left = batch;
    for (let attempt = 1; attempt <= BATCH_WRITE_ATTEMPTS && left.length > 0; attempt++) {
      if (attempt > 1) await new Promise((resume) => setTimeout(resume, BATCH_RETRY_DELAY_MS * 2 ** (attempt - 2)));
      this.options.onRequest();
      let unprocessed: ReadonlySet<string | undefined>;
      try {
        const { UnprocessedItems } = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: left.map(({ item }) => ({ PutRequest: { Item: item } })) } }));
        unprocessed = new Set((UnprocessedItems?.[tableName] ?? []).map((request) => request.PutRequest?.Item?.[PARTITION_KEY]?.S));
      } catch {
        break;
      }
      for (const entry of left) if (!unprocessed.has(entry.certificateId)) entry.settle(null);
      left = left.filter((entry) => unprocessed.has(entry.certificateId));
    }
    await Promise.all(
      left.map((entry) =>
        this.options.writeAlone(entry.certificateId, entry.item, entry.expected).then(
          () => entry.settle(null),
          (error: unknown) => entry.settle(error as Error),
        ),
      ),
    );
  }
}

/**
 * A listed item's version, where a write's condition would compare it equal to that number: a whole number >= 1
 * written in digits; null for certwatch's own items (the ledger) and for any other version (missing, a fraction,
 * text, an exponent): those keys are never written by a batch.
 */
export function listedVersion(key: string, item: Item): number | null {
  const text = item.version?.N;
  // Digits only, as certwatch writes them, and few enough to be exact: DynamoDB compares "1.0000000000000000001"
  // exactly, and it is not 1, though Number() reads it so.
  return !key.startsWith(INTERNAL_KEY_PREFIX) && text !== undefined && EXACT_VERSION.test(text) ? Number(text) : null;
}

/** A version as certwatch writes it, within the integers a JavaScript number holds exactly. */
const EXACT_VERSION = /^[1-9]\d{0,14}$/;
