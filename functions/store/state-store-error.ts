import { NoAnswerError, UnreadableStateError } from '../core/ports';
import { sdkFailure } from '../aws/sdk-client-config';

// The DynamoDB adapter's own failures: every message names the table, and the certificate where there is one.

/** A DynamoDB failure other than a version conflict, naming the table and, where there is one, the certificate. */
export class StateStoreError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'StateStoreError';
  }
}

/**
 * A table that is not certwatch's to use as it is (missing, or keyed otherwise): a configuration mistake, where other
 * StateStoreErrors are a store that failed.
 */
export class TableShapeError extends StateStoreError {
  constructor(message: string) {
    super(message);
    this.name = 'TableShapeError';
  }
}

/**
 * `error` from DynamoDB `operation`, as a StateStoreError, or a NoAnswerError when the table answered nothing in time
 * (the run stops calling it); the adapter's own errors pass through as they are.
 */
export function storeFailure(tableName: string, operation: string, error: unknown, certificateId?: string): StateStoreError | UnreadableStateError | NoAnswerError {
  if (error instanceof StateStoreError || error instanceof UnreadableStateError || error instanceof NoAnswerError) return error;
  const subject = certificateId === undefined ? '' : ` for ${certificateId}`;
  if (sdkFailure(error) === 'no-answer') {
    return new NoAnswerError(`DynamoDB table ${tableName}`, `DynamoDB ${operation} on table ${tableName}${subject} got no answer in time: ${describeError(error)}`, { cause: error });
  }
  return new StateStoreError(`DynamoDB ${operation} on table ${tableName}${subject} failed: ${describeError(error)}`, { cause: error });
}

/** `Name: message` of an error, for messages that say what went wrong underneath. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
