import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbStateStore } from '../../functions/store/dynamodb-state-store';
import { ensureTable, verifyTable } from '../../functions/store/dynamodb-table';
import { type DynaliteHarness, startDynalite, uniqueTableName } from '../support/dynalite';
import { unreachableState } from './watch-state-fixture';

// The state table: created for the local store, checked for a table made elsewhere; against dynalite on loopback.

let dynamo: DynaliteHarness;

beforeAll(async () => {
  dynamo = await startDynalite();
});

afterAll(() => dynamo.close());

describe('ensureTable', () => {
  test('creates an on-demand table keyed by certificateId, and is idempotent', async () => {
    const store = new DynamoDbStateStore({ client: dynamo.client, tableName: uniqueTableName() });
    await ensureTable(dynamo.client, store.tableName);
    await ensureTable(dynamo.client, store.tableName);
    const { Table } = await dynamo.client.send(new DescribeTableCommand({ TableName: store.tableName }));
    expect(Table).toMatchObject({
      TableStatus: 'ACTIVE',
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
      KeySchema: [{ AttributeName: 'certificateId', KeyType: 'HASH' }],
    });
    await expect(store.put(unreachableState(), 0)).resolves.toMatchObject({ version: 1 });
  });

  test.each(['ensureTable', 'verifyTable'] as const)('%s refuses an existing table with another key, naming it', async (method) => {
    const tableName = uniqueTableName();
    await dynamo.client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const table = { ensureTable, verifyTable };
    await expect(table[method](dynamo.client, tableName)).rejects.toThrow(`table ${tableName} exists with key id (HASH), but certwatch needs partition key certificateId (S) alone`);
  });
});

describe('verifyTable (a table made elsewhere, for --store dynamodb)', () => {
  test('passes for a table with certwatch key, and creates nothing', async () => {
    await expect(verifyTable(dynamo.client, dynamo.tableName)).resolves.toBeUndefined();
  });

  test('a missing table is one sentence naming it and what to do', async () => {
    await expect(verifyTable(dynamo.client, 'certwatch-missing-table')).rejects.toThrow(
      'DynamoDB table certwatch-missing-table does not exist: deploy the certwatch stack, or name the table with --table or CERTWATCH_TABLE',
    );
  });
});
