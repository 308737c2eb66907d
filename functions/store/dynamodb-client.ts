import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { SDK_TIMEOUTS } from '../aws/sdk-client-config';

// The one place that builds a DynamoDBClient. Lambdas build theirs once per container with no overrides; the CLI's
// embedded store and the tests pass an endpoint and fake credentials.

export interface DynamoDbClientOverrides {
  /**
   * Endpoint URL, e.g. the embedded store's `http://127.0.0.1:<port>`.
   * @default the SDK's resolution: AWS_ENDPOINT_URL_DYNAMODB, then AWS_ENDPOINT_URL, then the regional AWS endpoint
   */
  readonly endpoint?: string;
  /** @default the SDK's resolution (AWS_REGION, the profile) */
  readonly region?: string;
  /** @default the SDK's default credential chain */
  readonly credentials?: DynamoDBClientConfig['credentials'];
  /** Attempts per request, the first one included. @default the SDK's (3, or AWS_MAX_ATTEMPTS) */
  readonly maxAttempts?: number;
  /**
   * `adaptive` adds client-side rate limiting once DynamoDB throttles: a run writes many items in a burst, and
   * backing off the whole client beats retrying each request on its own.
   * @default 'adaptive'
   */
  readonly retryMode?: 'standard' | 'adaptive';
  /** Limit for one request, in ms. @default SDK_TIMEOUTS.requestTimeout (30 s) */
  readonly requestTimeoutMs?: number;
}

export function createDynamoDbClient(overrides: DynamoDbClientOverrides = {}): DynamoDBClient {
  const config: DynamoDBClientConfig = {
    retryMode: overrides.retryMode ?? 'adaptive',
    requestHandler: { ...SDK_TIMEOUTS, requestTimeout: overrides.requestTimeoutMs ?? SDK_TIMEOUTS.requestTimeout },
  };
  // Only explicit values are set, so that everything else (AWS_ENDPOINT_URL_DYNAMODB included) stays the SDK's.
  if (overrides.endpoint !== undefined) config.endpoint = validEndpoint(overrides.endpoint);
  if (overrides.region !== undefined) config.region = overrides.region;
  if (overrides.credentials !== undefined) config.credentials = overrides.credentials;
  if (overrides.maxAttempts !== undefined) {
    if (!Number.isInteger(overrides.maxAttempts) || overrides.maxAttempts < 1) {
      throw new Error(`DynamoDB maxAttempts must be a whole number of at least 1, got ${overrides.maxAttempts}`);
    }
    config.maxAttempts = overrides.maxAttempts;
  }
  const client = new DynamoDBClient(config);
  // No logger is configured, yet the SDK's logger middleware still copies every input and output through its
  // sensitive-data filter for the no-op logger, walking whole items: about 0.2 ms of CPU per PutItem of a state.
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}

function validEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`DynamoDB endpoint must be a URL such as http://127.0.0.1:8000, got ${JSON.stringify(endpoint)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`DynamoDB endpoint must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
  }
  return endpoint;
}
