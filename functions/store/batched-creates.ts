import { BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Item } from './dynamodb-attribute-values';
import { PARTITION_KEY } from './state-item-encoding';

// The creates of an exclusive store (see DynamoDbStateStoreOptions.exclusive), sent together: a certificate that a
// complete listing did not find, and that this store has not written since, cannot be created by anyone else, so
// its create needs no condition and shares a BatchWriteItem request (up to 25 items) with others instead of costing
// one conditional PutItem: most of a first run's store work.

/** DynamoDB's limit of items per BatchWriteItem. */
const BATCH_WRITE_ITEMS = 25;
/** Requests per batch while DynamoDB leaves items unprocessed (throttling), before each left item is written alone. */
const BATCH_WRITE_ATTEMPTS = 3;
const BATCH_RETRY_DELAY_MS = 50;

export interface BatchedCreatesOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** How long a create waits for others to share its request, in ms. See DynamoDbStateStoreOptions.batchLingerMs. */
  readonly lingerMs: number;
  /** Called for every BatchWriteItem request sent (the store counts its writes). */
  readonly onRequest: () => void;
  /** A create written alone, conditionally, when its batch could not write it; rejects naming the certificate. */
  readonly createAlone: (certificateId: string, item: Item) => Promise<void>;
}

/** A create waiting for its batch. */
interface QueuedCreate {
  readonly certificateId: string;
  readonly item: Item;
  readonly settle: (outcome: Error | null) => void;
}

export class BatchedCreates {
  /** Every key the last complete listing saw (states, unreadable items, the ledger); null before any. */
  private listedKeys: ReadonlySet<string> | null = null;
  /** Keys the store has written since: never batch-created (again). */
  private readonly keysWritten = new Set<string>();
  /** Keys queued or in a batch request: a second create of one is a conflict, not a second batched write. */
  private readonly queuedKeys = new Set<string>();
  private queue: QueuedCreate[] = [];
  private lingerTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: BatchedCreatesOptions) {}

  /** A complete listing saw these keys. */
  listed(keys: ReadonlySet<string>): void {
    this.listedKeys = keys;
  }

  /** The store wrote this key (by any request): it exists, whatever the listing said. */
  written(certificateId: string): void {
    this.keysWritten.add(certificateId);
  }

  /** A create of this key is queued or being sent: another create of it now must conflict. */
  isQueued(certificateId: string): boolean {
    return this.queuedKeys.has(certificateId);
  }

  /** Absent from a complete listing and from everything written since: nobody else can create it. */
  canBatch(certificateId: string): boolean {
    return this.listedKeys !== null && !this.listedKeys.has(certificateId) && !this.keysWritten.has(certificateId);
  }

  /** Resolves once the item is written: a full batch goes at once, a partial one after the linger. */
  create(certificateId: string, item: Item): Promise<void> {
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
      else this.lingerTimer ??= setTimeout(() => this.flushQueue(), this.options.lingerMs);
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
        this.options.createAlone(entry.certificateId, entry.item).then(
          () => entry.settle(null),
          (error: unknown) => entry.settle(error as Error),
        ),
      ),
    );
  }
}
