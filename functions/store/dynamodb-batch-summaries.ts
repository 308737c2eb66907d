import { type DynamoDBClient, GetItemCommand, PutItemCommand, type PutItemCommandInput } from '@aws-sdk/client-dynamodb';
import type { BatchSummary, ChangeJournalRecord } from '../core/batch-summary';
import { type BatchSummaryRead, type BatchSummaryStore, type ChangeJournalStore, VersionConflictError } from '../core/ports';
import type { Item } from './dynamodb-attribute-values';
import { isConditionalCheckFailure } from './dynamodb-state-store';
import { PARTITION_KEY } from './state-item-encoding';
import { StateStoreError, storeFailure } from './state-store-error';
import { itemToJournal, itemToSummary, JOURNAL_KEY, journalToItem, summaryItemKey, summaryToItem } from './summary-item-encoding';

export interface DynamoDbBatchSummariesOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

/**
 * A deployed batch's summaries and the change journal, as items of the state table (summary-item-encoding.ts says
 * how). The summary is read eventually consistent with the journal (half a read unit for each 4 KB); the journal is
 * read consistently before it is written; every write is conditional on the version read.
 */
export class DynamoDbBatchSummaries implements BatchSummaryStore, ChangeJournalStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;

  constructor(options: DynamoDbBatchSummariesOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  async readBatchSummary(key: string, options: { readonly consistent?: boolean } = {}): Promise<BatchSummaryRead> {
    const consistent = options.consistent ?? false;
    const [summaryItem, journalItem] = await Promise.all([this.getItem(summaryItemKey(key), consistent), this.getItem(JOURNAL_KEY, consistent)]);
    let journal: ChangeJournalRecord | null = null;
    let journalUnreadable: string | null = null;
    try {
      journal = itemToJournal(journalItem, this.tableName);
    } catch (error) {
      if (!(error instanceof StateStoreError)) throw error;
      journalUnreadable = error.message;
    }
    return { ...itemToSummary(key, summaryItem), journal, journalUnreadable };
  }

  async writeBatchSummary(next: BatchSummary, expectedVersion: number): Promise<BatchSummary> {
    const stored: BatchSummary = { ...next, version: expectedVersion + 1 };
    await this.putItem(summaryItemKey(next.key), summaryToItem(stored), expectedVersion);
    return stored;
  }

  async getJournal(): Promise<ChangeJournalRecord> {
    return itemToJournal(await this.getItem(JOURNAL_KEY, true), this.tableName);
  }

  async putJournal(next: ChangeJournalRecord, expectedVersion: number): Promise<ChangeJournalRecord> {
    const stored: ChangeJournalRecord = { ...next, version: expectedVersion + 1 };
    await this.putItem(JOURNAL_KEY, journalToItem(stored), expectedVersion);
    return stored;
  }

  private async getItem(key: string, consistent: boolean): Promise<Item | undefined> {
    try {
      const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { [PARTITION_KEY]: { S: key } }, ConsistentRead: consistent }));
      return Item;
    } catch (error) {
      throw storeFailure(this.tableName, 'GetItem', error, key);
    }
  }

  /** Conditional on the item's version: `expected` 0 is an item without one (none at all, or one whose version is no number). */
  private async putItem(key: string, item: Item, expected: number): Promise<void> {
    const condition: Pick<PutItemCommandInput, 'ConditionExpression' | 'ExpressionAttributeValues'> =
      expected === 0
        ? { ConditionExpression: 'attribute_not_exists(#version) OR NOT attribute_type(#version, :number)', ExpressionAttributeValues: { ':number': { S: 'N' } } }
        : { ConditionExpression: '#version = :expected', ExpressionAttributeValues: { ':expected': { N: String(expected) } } };
    try {
      await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: item, ExpressionAttributeNames: { '#version': 'version' }, ...condition }));
    } catch (error) {
      if (isConditionalCheckFailure(error)) throw new VersionConflictError(key);
      throw storeFailure(this.tableName, 'PutItem', error, key);
    }
  }
}
