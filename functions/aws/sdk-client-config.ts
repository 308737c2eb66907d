import type * as SmithyRetry from '@smithy/core/retry';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, RetryErrorInfo, RetryStrategyV2 } from '@smithy/types';

// The one way certwatch configures an AWS SDK client (DynamoDB, SNS, and every client after them): time limits on
// every call, adaptive retry of what is proven safe to retry, and nothing else unless a caller asks. The endpoint is
// left to the SDK's own resolution, which honours AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL (and the shared
// config file): that is how a local run, a test or any emulator points a client elsewhere. Setting `endpoint` here
// would override it away, so only a caller's explicit override may. Each adapter builds its client with this once (a
// Lambda once per container, the CLI once per command).

/**
 * Time limits for every SDK call (the SDK sets none: a black-holed endpoint would hang a run forever). Connecting
 * is quick or never; a request gets longer. A request that times out is not retried (see sdkFailure): the endpoint
 * answered nothing, and the run stops calling it.
 */
export const SDK_TIMEOUTS = { connectionTimeout: 3_000, requestTimeout: 10_000, throwOnRequestTimeout: true } as const;

/**
 * What a failed SDK request tells about the request:
 * - `no-answer`: the endpoint answered nothing in time (no connection, or no response): a silent dependency, and
 *   whether a request that was sent took effect is unknown;
 * - `not-sent`: it never left (connection refused, no such host): safe to send again;
 * - `refused`: the service answered that it did not do it, and trying again may work (throttling, a 5xx with the
 *   service's own error in the body);
 * - `rejected`: the service answered no, and trying again will not help (a 4xx);
 * - `unknown`: the connection broke after the request went out, or a 5xx came without the service's error (a proxy):
 *   the service may or may not have done it.
 * An error with no answer and no network code (no region, no credentials) happened before anything was sent.
 */
export type SdkFailure = 'no-answer' | 'not-sent' | 'refused' | 'rejected' | 'unknown';

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
const BROKEN_CONNECTION_CODES = new Set(['ECONNRESET', 'EPIPE']);
/** Names the SDK gives an error answer it could not read as the service's own. */
const UNREAD_ERROR_NAMES = new Set(['Unknown', 'UnknownError', 'Error']);
const THROTTLING = /Throttl|TooManyRequests|RequestLimitExceeded|SlowDown|LimitExceeded/;

/** What `error`, thrown by an SDK client's send, tells about the request (see SdkFailure). */
export function sdkFailure(error: unknown): SdkFailure {
  // Not `instanceof Error`: a socket's error can come from another realm (a test runner's sandbox, say).
  if (typeof error !== 'object' || error === null) return 'unknown';
  const { code, $metadata, $fault, name } = error as { code?: unknown; $metadata?: { httpStatusCode?: number }; $fault?: unknown; name?: unknown };
  // The SDK's HTTP handler names connect and request time-outs TimeoutError, and a broken connection too (its code says).
  if (typeof code === 'string' && BROKEN_CONNECTION_CODES.has(code)) return 'unknown';
  if (name === 'TimeoutError') return 'no-answer';
  if (typeof code === 'string' && NOT_SENT_CODES.has(code)) return 'not-sent';
  const status = $metadata?.httpStatusCode;
  // The service's own exceptions carry its answer's status, and a fault (client or server) that says whose it was.
  if (status === undefined && $fault !== 'client' && $fault !== 'server') {
    return typeof code === 'string' && /^E[A-Z]|^ERR_/.test(code) ? 'unknown' : 'not-sent';
  }
  const errorName = typeof name === 'string' ? name : '';
  if (status === 429 || THROTTLING.test(errorName)) return 'refused';
  if ((status ?? 0) >= 500 || $fault === 'server') return UNREAD_ERROR_NAMES.has(errorName) ? 'unknown' : 'refused';
  return 'rejected';
}

/** The SDK's own default (its DEFAULT_MAX_ATTEMPTS), named here so that reading it does not load the retry module. */
const SDK_DEFAULT_MAX_ATTEMPTS = 3;

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
  /** Attempts per request, the first one included. @default SDK_DEFAULT_MAX_ATTEMPTS (3, the SDK's own) */
  readonly maxAttempts?: number;
  /**
   * Whether the client's requests may take effect twice without harm (reads, and writes conditional on what they
   * read): then a request whose outcome is unknown (a broken connection) is retried too. A publish is not: only what
   * proves the service did not take it is retried, so that one notification is never sent three times.
   * @default false
   */
  readonly replaySafe?: boolean;
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
  retryStrategy: RetryStrategyV2;
  requestHandler: { connectionTimeout: number; requestTimeout: number; throwOnRequestTimeout: boolean };
  endpoint?: string;
  region?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

/** The client configuration for `service` (named in error messages): the house defaults plus explicit overrides only. */
export function sdkClientConfig(service: string, overrides: SdkClientOverrides = {}): SdkClientConfig {
  const maxAttempts = overrides.maxAttempts ?? SDK_DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new Error(`${service} maxAttempts must be a whole number of at least 1, got ${maxAttempts}`);
  const config: SdkClientConfig = {
    retryStrategy: provenRetryStrategy(overrides.retryMode ?? 'adaptive', maxAttempts, overrides.replaySafe ?? false),
    requestHandler: { ...SDK_TIMEOUTS, requestTimeout: overrides.requestTimeoutMs ?? SDK_TIMEOUTS.requestTimeout },
  };
  if (overrides.endpoint !== undefined) config.endpoint = validEndpoint(service, overrides.endpoint);
  if (overrides.region !== undefined) config.region = overrides.region;
  if (overrides.credentials !== undefined) config.credentials = overrides.credentials;
  return config;
}

/** Whether a request that failed so may be sent again (see SdkFailure and SdkClientOverrides.replaySafe). */
export function mayRetry(failure: SdkFailure, replaySafe: boolean): boolean {
  return failure === 'not-sent' || failure === 'refused' || (failure === 'unknown' && replaySafe);
}

/**
 * The SDK's own strategy (its backoff, its adaptive rate limiting, its attempt count), asked only about failures that
 * certwatch may retry: anything else ends the request with its error at once.
 */
function provenRetryStrategy(mode: 'standard' | 'adaptive', maxAttempts: number, replaySafe: boolean): RetryStrategyV2 {
  // Loaded with the first client, not with this module: the CLI loads sdkFailure (through the store's errors) for
  // every command, and the retry module costs tens of milliseconds to load.
  const { AdaptiveRetryStrategy, StandardRetryStrategy } = require('@smithy/core/retry') as typeof SmithyRetry;
  const attempts = async () => maxAttempts;
  const inner: RetryStrategyV2 = mode === 'adaptive' ? new AdaptiveRetryStrategy(attempts) : new StandardRetryStrategy(attempts);
  return {
    acquireInitialRetryToken: (scope) => inner.acquireInitialRetryToken(scope),
    refreshRetryTokenForRetry: async (token, errorInfo: RetryErrorInfo) => {
      if (!mayRetry(sdkFailure(errorInfo.error), replaySafe)) throw errorInfo.error ?? new Error('no retry');
      return inner.refreshRetryTokenForRetry(token, errorInfo);
    },
    recordSuccess: (token) => inner.recordSuccess(token),
  };
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
