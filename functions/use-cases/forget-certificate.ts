import { type ChangeJournalStore, type ExpectedRevision, UnreadableStateError, type StateStore } from '../core/ports';
import { damagedStateReason, stateShapeProblems } from '../core/escalation/state-shape';
import type { WatchState } from '../core/watch-state';
import { UnknownCertificateError } from './acknowledge-certificate';
import { noteHandChange } from './note-hand-change';
import { retryOnConflict } from './retry-on-conflict';

/** What was deleted: a state, or an item that was not a readable one (why). */
export type Forgotten = { readonly state: WatchState } | { readonly unreadable: string };

/**
 * Deletes a certificate's state: its observation, alerts, notices sent and history. For a target removed from the
 * config (a run no longer probes it, so `status` would list it forever), or an unreadable item (which every run
 * reports). One still configured is watched again from scratch by the next run. A run that writes the item
 * between our read and our delete makes the delete conflict: read again and retry, a few times. Throws
 * UnknownCertificateError. `journal`: the change journal of a table deployed workers use (noteHandChange), told first:
 * their next run watches the certificate again from scratch too, instead of trusting their summary.
 */
export async function forgetCertificate(store: StateStore, certificateId: string, journal?: ChangeJournalStore): Promise<Forgotten> {
  if (journal) await noteHandChange(journal, certificateId);
  return retryOnConflict(async () => {
    let forgotten: Forgotten;
    let expected: ExpectedRevision;
    try {
      const state = await store.get(certificateId);
      if (!state) throw new UnknownCertificateError(certificateId);
      // A state of the wrong shape is deleted as the unreadable item it is (nothing of it can be told).
      const problems = stateShapeProblems(state);
      forgotten = problems === null ? { state } : { unreadable: damagedStateReason(certificateId, problems) };
      expected = state.version;
    } catch (error) {
      if (!(error instanceof UnreadableStateError)) throw error;
      forgotten = { unreadable: error.message };
      expected = error.revision;
    }
    await store.delete(certificateId, expected);
    return forgotten;
  });
}
