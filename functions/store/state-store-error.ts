import { UnreadableStateError } from '../core/ports';

// The DynamoDB adapter's own failures: every message names the table, and the certificate where there is one.

/** A DynamoDB failure other than a version conflict, naming the table and, where there is one, the certificate. */
export class StateStoreError extends Error {
  constructor(message: string, options?: { cause: unknown }) {
    super(message, options);
    this.name = 'StateStoreError';
  }
}

/** `error` from DynamoDB `operation`, as a StateStoreError; the adapter's own errors pass through as they are. */
export function storeFailure(tableName: string, operation: string, error: unknown, certificateId?: string): StateStoreError | UnreadableStateError {
  if (error instanceof StateStoreError || error instanceof UnreadableStateError) return error;
  const subject = certificateId === undefined ? '' : ` for ${certificateId}`;
  return new StateStoreError(`DynamoDB ${operation} on table ${tableName}${subject} failed: ${describeError(error)}`, { cause: error });
}

/** `Name: message` of an error, for messages that say what went wrong underneath. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
