import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { sdkClientConfig, type SdkClientOverrides, withoutLoggerMiddleware } from '../aws/sdk-client-config';

// The one place that builds a DynamoDBClient: a Lambda once per container with no overrides; the CLI's embedded store
// and the tests pass an endpoint and fake credentials.

export type DynamoDbClientOverrides = SdkClientOverrides;

export function createDynamoDbClient(overrides: DynamoDbClientOverrides = {}): DynamoDBClient {
  return withoutLoggerMiddleware(new DynamoDBClient(sdkClientConfig('DynamoDB', overrides)));
}
