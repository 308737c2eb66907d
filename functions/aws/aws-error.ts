import type { ErrorCode } from '../core/check-result';
import { ProbeError } from '../core/ports';

// What an AWS call's failure means for a listing, after the SDK's own retries: a stable code and a short message.

/** Thrown by an assumed role's credential provider: the role, not the service, refused. */
export class AssumeRoleError extends Error {
  constructor(
    readonly roleArn: string,
    readonly cause: unknown,
  ) {
    super(`cannot assume ${roleArn}: ${describeAwsError(cause)}`);
    this.name = 'AssumeRoleError';
  }
}

const ACCESS_DENIED_NAMES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'ExpiredToken',
  'ExpiredTokenException',
  'CredentialsProviderError',
]);

/** The ProbeError for a failed call of `operation`: ASSUME_ROLE_FAILED, ACCESS_DENIED or AWS_REQUEST_FAILED. */
export function toAwsProbeError(error: unknown, operation: string): ProbeError {
  if (error instanceof ProbeError) return error;
  if (error instanceof AssumeRoleError) return new ProbeError('ASSUME_ROLE_FAILED', error.message);
  const name = (error as Error)?.name ?? '';
  const code: ErrorCode = ACCESS_DENIED_NAMES.has(name) ? 'ACCESS_DENIED' : 'AWS_REQUEST_FAILED';
  return new ProbeError(code, `${operation} failed: ${describeAwsError(error)}`);
}

/** `ThrottlingException: Rate exceeded (after 3 attempts)`, `connect ECONNREFUSED 127.0.0.1:9 (after 3 attempts)`. */
export function describeAwsError(error: unknown): string {
  const err = error as Error & { $metadata?: { attempts?: number }; code?: string };
  const message = err?.message || err?.code || String(error);
  const named = err?.name && err.name !== 'Error' && !message.startsWith(err.name) ? `${err.name}: ${message}` : message;
  const attempts = err?.$metadata?.attempts;
  return attempts && attempts > 1 ? `${named} (after ${attempts} attempts)` : named;
}
