import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { sdkClientConfig, type SdkClientOverrides, withoutLoggerMiddleware } from '../aws/sdk-client-config';

// The one place that builds a DynamoDBClient: a Lambda once per container with no overrides; the CLI's embedded store
// and the tests pass an endpoint and fake credentials.

export type DynamoDbClientOverrides = SdkClientOverrides;

/**
 * certwatch's DynamoDB requests are reads and writes conditional on the version read: sent twice, the second does no
 * harm (a conflict at worst), so a broken connection is retried (replaySafe). A time-out never is.
 */
export function createDynamoDbClient(overrides: DynamoDbClientOverrides = {}): DynamoDBClient {
  return withoutLoggerMiddleware(new DynamoDBClient(sdkClientConfig('DynamoDB', { replaySafe: true, ...overrides })));
}
