import { VersionConflictError } from '../core/ports';

/** Attempts at one conditional write before a conflict is the caller's: the writers it races (a run, an ack, a forget) are few. */
export const CONFLICT_ATTEMPTS = 3;

/**
 * Runs `attempt`, and again after a VersionConflictError (another writer changed the item between our read and our
 * write), at most CONFLICT_ATTEMPTS times in all. Any other error, and the conflict of the last attempt, is thrown.
 * `attempt` re-reads what it needs itself, or `beforeRetry` does (e.g. the item as the other writer left it); what
 * `beforeRetry` throws ends the retries.
 */
export async function retryOnConflict<T>(attempt: () => Promise<T>, beforeRetry?: (conflict: VersionConflictError) => Promise<void>): Promise<T> {
  for (let attempted = 1; ; attempted++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof VersionConflictError) || attempted >= CONFLICT_ATTEMPTS) throw error;
      await beforeRetry?.(error);
    }
  }
}
