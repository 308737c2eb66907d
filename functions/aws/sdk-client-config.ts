/**
 * Time limits for every AWS SDK call (the SDK sets none: a black-holed endpoint would hang a run forever).
 * Connecting is quick or never; a request gets longer, and the SDK's retries still apply on top.
 */
export const SDK_TIMEOUTS = { connectionTimeout: 3_000, requestTimeout: 30_000, throwOnRequestTimeout: true } as const;
