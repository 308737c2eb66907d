import { journalWith } from '../core/batch-summary';
import type { ChangeJournalStore } from '../core/ports';
import { retryOnConflict } from './retry-on-conflict';

/**
 * Records in the change journal that a person is changing `certificateId`'s state (acknowledge, forget), so that a
 * deployed worker trusting its batch's summary reads that certificate again at its next run. Called before the change
 * is written: a journal that cannot be written leaves the state as it was (the command fails and can be run again),
 * never a change the workers do not know about.
 */
export async function noteHandChange(journal: ChangeJournalStore, certificateId: string): Promise<void> {
  await retryOnConflict(async () => {
    const current = await journal.getJournal();
    await journal.putJournal(journalWith(current, certificateId), current.version);
  });
}
