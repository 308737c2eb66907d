import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  type TableDescription,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { PARTITION_KEY } from './state-item-encoding';
import { storeFailure, TableShapeError } from './state-store-error';

// The state table itself: created where certwatch owns it (the local store), checked where someone else made it
// (`--store dynamodb`; in AWS the table belongs to the CDK stack). Its key is the item encoding's partition key.

/** Delays of the quick polls for a new table before the SDK waiter's (1 s and up) take over. */
const QUICK_ACTIVE_POLLS_MS = [2, 5, 10, 20, 50, 100, 200];

/** Creates the table (on-demand capacity) unless it exists, and waits until it is ACTIVE. Idempotent. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  let operation = 'DescribeTable';
  try {
    let table = await describeTable(client, tableName);
    if (table) {
      assertKeySchema(table, tableName);
    } else {
      operation = 'CreateTable';
      try {
        const created = await client.send(
          new CreateTableCommand({
            TableName: tableName,
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
      if (!(await activeWithin(client, tableName, QUICK_ACTIVE_POLLS_MS))) {
        await waitUntilTableExists({ client, maxWaitTime: 120, minDelay: 1, maxDelay: 5 }, { TableName: tableName });
      }
    }
  } catch (error) {
    throw storeFailure(tableName, operation, error);
  }
}

/**
 * Checks that a table someone else made is usable before a run relies on it: it exists and has certwatch's key.
 * Without this, a table with another key fails every write on its own, one ValidationException per certificate.
 */
export async function verifyTable(client: DynamoDBClient, tableName: string): Promise<void> {
  let table: TableDescription | undefined;
  try {
    table = await describeTable(client, tableName);
  } catch (error) {
    throw storeFailure(tableName, 'DescribeTable', error);
  }
  if (!table) throw new TableShapeError(`DynamoDB table ${tableName} does not exist: deploy the certwatch stack, or name the table with --table or CERTWATCH_TABLE`);
  assertKeySchema(table, tableName);
}

/**
 * Whether the table turns ACTIVE within a few short polls. The embedded server activates a new table within
 * milliseconds, but often just after the SDK waiter's first look, which then sleeps a whole second (its
 * minimum delay) before looking again; that second was a third of a local first run over 1,000 targets.
 */
async function activeWithin(client: DynamoDBClient, tableName: string, delaysMs: readonly number[]): Promise<boolean> {
  for (const delayMs of delaysMs) {
    await new Promise((resume) => setTimeout(resume, delayMs));
    if ((await describeTable(client, tableName))?.TableStatus === 'ACTIVE') return true;
  }
  return false;
}

async function describeTable(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

function assertKeySchema(table: TableDescription, tableName: string): void {
  const keys = table.KeySchema ?? [];
  const keyType = table.AttributeDefinitions?.find((d) => d.AttributeName === PARTITION_KEY)?.AttributeType;
  if (keys.length !== 1 || keys[0].AttributeName !== PARTITION_KEY || keys[0].KeyType !== 'HASH' || keyType !== 'S') {
    const found = keys.map((k) => `${k.AttributeName} (${k.KeyType})`).join(', ');
    throw new TableShapeError(`table ${tableName} exists with key ${found}, but certwatch needs partition key ${PARTITION_KEY} (S) alone`);
  }
}
