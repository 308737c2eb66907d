import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

// The one way certwatch configures an AWS SDK client (DynamoDB, SNS, and every client after them): time limits on
// every call, adaptive retry, and nothing else unless a caller asks. The endpoint is left to the SDK's own
// resolution, which honours AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL (and the shared config file): that is
// how a local run, a test or any emulator points a client elsewhere. Setting `endpoint` here would override it
// away, so only a caller's explicit override may. Each adapter builds its client with this once (a Lambda once per
// container, the CLI once per command).

/**
 * Time limits for every SDK call (the SDK sets none: a black-holed endpoint would hang a run forever). Connecting
 * is quick or never; a request gets longer, and the SDK's retries still apply on top.
 */
export const SDK_TIMEOUTS = { connectionTimeout: 3_000, requestTimeout: 30_000, throwOnRequestTimeout: true } as const;

export interface SdkClientOverrides {
  /**
   * Endpoint URL, e.g. the embedded store's `http://127.0.0.1:<port>`.
   * @default the SDK's resolution: AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, then the regional AWS endpoint
   */
  readonly endpoint?: string;
  /** @default the SDK's resolution (AWS_REGION, the profile) */
  readonly region?: string;
  /** @default the SDK's default credential chain */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Attempts per request, the first one included. @default the SDK's (3, or AWS_MAX_ATTEMPTS) */
  readonly maxAttempts?: number;
  /**
   * `adaptive` adds client-side rate limiting once a service throttles: a run sends many requests in a burst, and
   * backing off the whole client beats retrying each request on its own.
   * @default 'adaptive'
   */
  readonly retryMode?: 'standard' | 'adaptive';
  /** Limit for one request, in ms. @default SDK_TIMEOUTS.requestTimeout (30 s) */
  readonly requestTimeoutMs?: number;
}

/** What every certwatch SDK client is built with: assignable to any v3 client's configuration. */
export interface SdkClientConfig {
  retryMode: 'standard' | 'adaptive';
  requestHandler: { connectionTimeout: number; requestTimeout: number; throwOnRequestTimeout: boolean };
  endpoint?: string;
  region?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  maxAttempts?: number;
}

/** The client configuration for `service` (named in error messages): the house defaults plus explicit overrides only. */
export function sdkClientConfig(service: string, overrides: SdkClientOverrides = {}): SdkClientConfig {
  const config: SdkClientConfig = {
    retryMode: overrides.retryMode ?? 'adaptive',
    requestHandler: { ...SDK_TIMEOUTS, requestTimeout: overrides.requestTimeoutMs ?? SDK_TIMEOUTS.requestTimeout },
  };
  if (overrides.endpoint !== undefined) config.endpoint = validEndpoint(service, overrides.endpoint);
  if (overrides.region !== undefined) config.region = overrides.region;
  if (overrides.credentials !== undefined) config.credentials = overrides.credentials;
  if (overrides.maxAttempts !== undefined) {
    if (!Number.isInteger(overrides.maxAttempts) || overrides.maxAttempts < 1) {
      throw new Error(`${service} maxAttempts must be a whole number of at least 1, got ${overrides.maxAttempts}`);
    }
    config.maxAttempts = overrides.maxAttempts;
  }
  return config;
}

/**
 * No logger is configured, yet the SDK's logger middleware still copies every input and output through its
 * sensitive-data filter for the no-op logger, walking whole items: about 0.2 ms of CPU per PutItem of a state.
 */
export function withoutLoggerMiddleware<T extends { middlewareStack: { remove(name: string): boolean } }>(client: T): T {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}

function validEndpoint(service: string, endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`${service} endpoint must be a URL such as http://127.0.0.1:8000, got ${JSON.stringify(endpoint)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`${service} endpoint must be an http(s) URL, got ${JSON.stringify(endpoint)}`);
  }
  return endpoint;
}
