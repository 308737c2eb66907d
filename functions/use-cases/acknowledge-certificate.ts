import { AcknowledgementError, acknowledgeAlert, type AcknowledgeRequest } from '../core/escalation/acknowledge';
import { damagedStateReason, stateShapeProblems } from '../core/escalation/state-shape';
import type { ChangeJournalStore, StateStore } from '../core/ports';
import type { Acknowledgement, WatchState } from '../core/watch-state';
import { noteHandChange } from './note-hand-change';
import { retryOnConflict } from './retry-on-conflict';

export class UnknownCertificateError extends Error {
  constructor(readonly certificateId: string) {
    super(`no watched certificate ${certificateId} (certwatch status lists them)`);
    this.name = 'UnknownCertificateError';
  }
}

/**
 * Acknowledges a certificate's current alert. A run that writes the item between our read and our write makes
 * the write conflict: read again and re-apply, a few times. Throws UnknownCertificateError or the engine's
 * AcknowledgementError (nothing to acknowledge, a snooze that ends before it starts). `journal`: the change journal of
 * a table deployed workers use (noteHandChange), told first.
 */
export async function acknowledgeCertificate(
  store: StateStore,
  certificateId: string,
  request: AcknowledgeRequest,
  journal?: ChangeJournalStore,
): Promise<{ state: WatchState; acknowledgement: Acknowledgement }> {
  if (journal) await noteHandChange(journal, certificateId);
  return retryOnConflict(async () => {
    const state = await store.get(certificateId);
    if (!state) throw new UnknownCertificateError(certificateId);
    const problems = stateShapeProblems(state);
    if (problems !== null) {
      const remedy = `\`certwatch forget ${certificateId}\` deletes it, and the next run watches the certificate afresh`;
      throw new AcknowledgementError(certificateId, 'STATE_DAMAGED', `${damagedStateReason(certificateId, problems)}: ${remedy}`);
    }
    const outcome = acknowledgeAlert(state, request);
    return { state: await store.put(outcome.state, state.version), acknowledgement: outcome.acknowledgement };
  });
}

