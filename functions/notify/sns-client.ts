import { SNSClient } from '@aws-sdk/client-sns';
import { sdkClientConfig, type SdkClientOverrides } from '../aws/sdk-client-config';

// The one place that builds an SNSClient: the endpoint is the SDK's resolution (AWS_ENDPOINT_URL_SNS, then
// AWS_ENDPOINT_URL) unless a caller overrides it.

export function createSnsClient(overrides: SdkClientOverrides = {}): SNSClient {
  return new SNSClient(sdkClientConfig('SNS', overrides));
}
