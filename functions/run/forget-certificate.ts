import { VersionConflictError, type StateStore } from '../core/ports';
import type { WatchState } from '../core/watch-state';
import { UnknownCertificateError } from './acknowledge-certificate';

/**
 * Deletes a certificate's state: its observation, alerts, notices sent and history. For a target removed from the
 * config (a run no longer probes it, so `status` would list it forever); one still configured is watched again from
 * scratch by the next run. A run that writes the item between our read and our delete makes the delete conflict:
 * read again and retry, a few times. Returns the state as it was; throws UnknownCertificateError.
 */
export async function forgetCertificate(store: StateStore, certificateId: string): Promise<WatchState> {
  for (let attempt = 1; ; attempt++) {
    const state = await store.get(certificateId);
    if (!state) throw new UnknownCertificateError(certificateId);
    try {
      await store.delete(certificateId, state.version);
      return state;
    } catch (error) {
      if (error instanceof VersionConflictError && attempt < 3) continue;
      throw error;
    }
  }
}
