import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoDbClient } from '../../functions/store/dynamodb-client';
import { DynamoDbStateStore, type DynamoDbStateStoreOptions } from '../../functions/store/dynamodb-state-store';
import { ensureTable } from '../../functions/store/dynamodb-table';
import { startEmbeddedDynamoDb } from '../../functions/cli/local-store/embedded-dynamodb';

// A real DynamoDB-compatible server for adapter tests: in-memory dynalite on loopback, with a uniquely named table.
// Start it in beforeAll, close it in afterAll.

/** Fake region and static credentials: loopback only, never AWS. */
export const LOOPBACK_CLIENT_SETTINGS = {
  region: 'eu-west-1',
  credentials: { accessKeyId: 'certwatch-test', secretAccessKey: 'certwatch-test' },
} as const;

export type StoreOptions = Omit<DynamoDbStateStoreOptions, 'client' | 'tableName'>;

export interface DynaliteHarness {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  /** Created and ACTIVE. */
  readonly tableName: string;
  readonly store: DynamoDbStateStore;
  /** A store over another new, uniquely named table on the same server: a test's own items, its own writeCount. */
  createStore(options?: StoreOptions): Promise<DynamoDbStateStore>;
  close(): Promise<void>;
}

export async function startDynalite(options: StoreOptions = {}): Promise<DynaliteHarness> {
  const server = await startEmbeddedDynamoDb();
  // One attempt: a failing request fails the test at once instead of after backoff.
  const client = createDynamoDbClient({ endpoint: server.endpoint, ...LOOPBACK_CLIENT_SETTINGS, maxAttempts: 1 });
  const createStore = async (storeOptions: StoreOptions = options) => {
    const store = new DynamoDbStateStore({ client, tableName: uniqueTableName(), ...storeOptions });
    await ensureTable(client, store.tableName);
    return store;
  };
  const store = await createStore();
  return {
    endpoint: server.endpoint,
    client,
    tableName: store.tableName,
    store,
    createStore,
    close: async () => {
      client.destroy();
      await server.close();
    },
  };
}

export function uniqueTableName(): string {
  return `certwatch-test-${randomUUID().slice(0, 8)}`;
}
