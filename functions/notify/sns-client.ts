import { SNSClient, type SNSClientConfig } from '@aws-sdk/client-sns';
import { SDK_TIMEOUTS } from '../aws/sdk-client-config';

// The one place an SNS client is built. The endpoint is left to the SDK's own resolution, which honours
// AWS_ENDPOINT_URL_SNS, then AWS_ENDPOINT_URL (and the shared config file): that is how a local run or a
// test points SNS elsewhere. Setting `endpoint` here would override it away, so only a caller's explicit
// override may.

/** A new client; tests pass overrides (endpoint, credentials, request handler). */
export function createSnsClient(overrides: SNSClientConfig = {}): SNSClient {
  return new SNSClient({ requestHandler: { ...SDK_TIMEOUTS }, ...overrides });
}

let shared: SNSClient | undefined;

/** The process-wide client, built on first use and reused across Lambda invocations. */
export function sharedSnsClient(): SNSClient {
  shared ??= createSnsClient();
  return shared;
}
