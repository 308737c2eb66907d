import type { StateStore } from '../../functions/core/ports';

/** `store` with some of its calls replaced (fault injection, races); the rest, and its write count, are its own. */
export function storeWith(store: StateStore, overrides: Partial<Omit<StateStore, 'writeCount'>>): StateStore {
  return {
    get: (id) => store.get(id),
    list: () => store.list(),
    put: (state, version) => store.put(state, version),
    delete: (id, version) => store.delete(id, version),
    getLedger: () => store.getLedger(),
    putLedger: (ledger, version) => store.putLedger(ledger, version),
    ...overrides,
    get writeCount() {
      return store.writeCount;
    },
  };
}
