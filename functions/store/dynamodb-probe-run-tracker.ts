import { type DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { ProbeRun, ProbeRunTracker } from '../core/ports';
import { isConditionalCheckFailure } from './dynamodb-state-store';
import { INTERNAL_KEY_PREFIX, PARTITION_KEY } from './state-item-encoding';
import { describeError, StateStoreError } from './state-store-error';

/** The one item that holds the current probe run's progress, beside the states and the ledger. */
export const PROBE_RUN_KEY = `${INTERNAL_KEY_PREFIX}probe-run`;

export interface DynamoDbProbeRunTrackerOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

/**
 * A deployed run's progress in one small item of the state table: the run's id, its number of batches, how many are
 * done, and when the last one finished. A batch counts with one UpdateItem (ADD, on the condition that the item
 * is still its run's), which is one write unit whatever the fleet's size; the batch that brings the count to the
 * total then marks the run finished, on the condition that nobody has, so exactly one worker learns that the run is
 * complete. A new run replaces the item: the batches of a superseded run no longer count.
 */
export class DynamoDbProbeRunTracker implements ProbeRunTracker {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;

  constructor(options: DynamoDbProbeRunTrackerOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  async begin(run: ProbeRun): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            [PARTITION_KEY]: { S: PROBE_RUN_KEY },
            runId: { S: run.runId },
            batches: { N: String(run.batches) },
            done: { N: '0' },
            startedAt: { S: run.startedAt },
          },
        }),
      );
    } catch (error) {
      throw this.failure('PutItem', error);
    }
  }

  async batchDone(runId: string, at: Date): Promise<ProbeRun | null> {
    const key = { [PARTITION_KEY]: { S: PROBE_RUN_KEY } };
    let run: ProbeRun;
    try {
      const { Attributes } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'ADD done :one',
          ConditionExpression: 'runId = :runId',
          ExpressionAttributeValues: { ':one': { N: '1' }, ':runId': { S: runId } },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const batches = Number(Attributes?.batches?.N);
      if (Number(Attributes?.done?.N) < batches) return null;
      run = { runId, batches, startedAt: Attributes?.startedAt?.S ?? '' };
      // The count may pass the total (a batch retried after its count was written): finishing is claimed once.
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET finishedAt = :at',
          ConditionExpression: 'runId = :runId AND attribute_not_exists(finishedAt)',
          ExpressionAttributeValues: { ':at': { S: at.toISOString() }, ':runId': { S: runId } },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailure(error)) return null; // superseded, or finished by another worker
      throw this.failure('UpdateItem', error);
    }
    return run;
  }

  private failure(operation: string, error: unknown): StateStoreError {
    return new StateStoreError(`DynamoDB ${operation} on table ${this.tableName} for the probe run failed: ${describeError(error)}`, { cause: error });
  }
}
