import { EVERY_CERTIFICATE } from '../core/batch-summary';
import type { ChangeJournalStore, StateStore } from '../core/ports';
import { noteHandChange } from './note-hand-change';

/** A state store whose writes are told to a change journal first; `finish` tells it again after the last. */
export interface JournalledStateStore extends StateStore {
  /**
   * Once the run has written its last state: tells the journal again (a deployed batch that read the journal while
   * the run was writing wrote a summary that did not know of it). Nothing when the run wrote no state. Rejects when the
   * journal could not be told.
   */
  finish(): Promise<void>;
}

/**
 * `store`, for a run from outside the deployment on a table deployed workers use (`certwatch run --store dynamodb`):
 * its first state write (put, delete) waits until the change journal has been told that the run changes any
 * certificate (EVERY_CERTIFICATE), so that no batch trusts a summary over what the run changes. When the journal cannot
 * be told, every state write fails with its error, and so does every later write of the run ledger: the run changes
 * nothing and sends nothing (not the digest). Reads, and the ledger of a run that wrote no state, go straight through.
 */
export function journalledStore(store: StateStore, journal: ChangeJournalStore): JournalledStateStore {
  let told: Promise<void> | null = null;
  const tellFirst = () => (told ??= noteHandChange(journal, EVERY_CERTIFICATE));
  const listStored = store.listStored?.bind(store);
  return {
    get: (id) => store.get(id),
    list: () => store.list(),
    ...(listStored ? { listStored } : {}),
    put: async (state, expected) => {
      await tellFirst();
      return store.put(state, expected);
    },
    delete: async (id, expected) => {
      await tellFirst();
      return store.delete(id, expected);
    },
    getLedger: () => store.getLedger(),
    // No change to a certificate: straight through, unless the journal could not be told of the run's state writes.
    // The run then records nothing (no run, no digest claimed or sent): it wrote no state and sends nothing.
    putLedger: async (ledger, expected) => {
      if (told) await told;
      return store.putLedger(ledger, expected);
    },
    get writeCount() {
      return store.writeCount;
    },
    finish: async () => {
      const wrote = told && (await told.then(() => true, () => false));
      if (wrote) await noteHandChange(journal, EVERY_CERTIFICATE);
    },
  };
}
