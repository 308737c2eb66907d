import { createDynamoDbClient } from '../../functions/store/dynamodb-client';
import { DynamoDbStateStore } from '../../functions/store/dynamodb-state-store';
import { type DynaliteHarness, LOOPBACK_CLIENT_SETTINGS, startDynalite } from '../support/dynalite';
import { unreachableState } from './watch-state-fixture';
import { startTcpServer } from '../support/servers';

// The DynamoDB client's settings: its time limit, and its endpoint from the environment, against dynalite on loopback.

let dynamo: DynaliteHarness;

beforeAll(async () => {
  dynamo = await startDynalite();
});

afterAll(() => dynamo.close());

describe('request time limit', () => {
  test('a DynamoDB endpoint that accepts and never answers fails the request instead of hanging the run', async () => {
    const silent = await startTcpServer(() => undefined);
    const client = createDynamoDbClient({ endpoint: `http://127.0.0.1:${silent.port}`, ...LOOPBACK_CLIENT_SETTINGS, maxAttempts: 1, requestTimeoutMs: 200 });
    const store = new DynamoDbStateStore({ client, tableName: 'certwatch-silent' });
    try {
      await expect(store.get('tls:a.example:443')).rejects.toThrow(/GetItem on table certwatch-silent .*(timeout|TimeoutError)/i);
    } finally {
      client.destroy();
      await silent.close();
    }
  });
});

describe('client endpoint from the standard environment variables', () => {
  const names = ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL', 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'] as const;
  let saved: Record<string, string | undefined>;

  beforeEach(() => {
    saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
    for (const name of names) delete process.env[name];
  });

  afterEach(() => {
    for (const name of names) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  test.each(['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL'])('%s alone steers a client built without an endpoint', async (name) => {
    process.env[name] = dynamo.endpoint;
    const client = createDynamoDbClient({ ...LOOPBACK_CLIENT_SETTINGS, maxAttempts: 1 });
    try {
      const store = new DynamoDbStateStore({ client, tableName: dynamo.tableName });
      const certificateId = `tls:${name.toLowerCase()}.example:443`;
      await store.put(unreachableState(certificateId), 0);
      // Written through the harness's server: read back with the harness's own, explicitly pointed store.
      expect(await dynamo.store.get(certificateId)).toMatchObject({ certificateId, version: 1 });
    } finally {
      client.destroy();
    }
  });

  test('an explicit endpoint that is not a URL is refused', () => {
    expect(() => createDynamoDbClient({ endpoint: 'localhost:8000' })).toThrow(/DynamoDB endpoint must be/);
  });
});
