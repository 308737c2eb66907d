import type { Context } from 'aws-lambda';

/** Kept from an invocation's time for the run's wrap-up (releasing claims, recording deliveries) and the reply. */
export const INVOCATION_MARGIN_MS = 20_000;

/**
 * When a run inside this invocation starts no more work: Lambda's remaining time, less a margin for the run's
 * wrap-up. Without a context (a test calling the handler), the run's own default.
 */
export function invocationDeadline(context: Pick<Context, 'getRemainingTimeInMillis'> | undefined): Date | undefined {
  return context ? new Date(Date.now() + Math.max(0, context.getRemainingTimeInMillis() - INVOCATION_MARGIN_MS)) : undefined;
}
