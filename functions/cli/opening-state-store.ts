import type { ExpectedRevision, RunLedger, StateListing, StateStore, StoredStates } from '../core/ports';
import { ListedStates } from '../core/stored-states';
import type { WatchState } from '../core/watch-state';

// The CLI's store while it is still opening (the local store's thread loading the SDK and checking its table; a
// DynamoDB table being checked): usable at once, so that a run probes meanwhile. Each call waits for the open
// store; once the store has failed to open, every call fails with why, so the run stops (see runWatch).

export class OpeningStateStore implements StateStore {
  private open: StateStore | null = null;
  /** The open store's count when it opened: writeCount is this store's own. */
  private writesBefore = 0;

  constructor(private readonly opening: Promise<StateStore>) {
    opening.then(
      (store) => {
        this.open = store;
        this.writesBefore = store.writeCount;
      },
      () => undefined, // each call reports it
    );
  }

  /** Writes through this store since it opened (none before). */
  get writeCount(): number {
    return this.open ? this.open.writeCount - this.writesBefore : 0;
  }

  async get(certificateId: string): Promise<WatchState | undefined> {
    return (await this.opening).get(certificateId);
  }

  async list(): Promise<StateListing> {
    return (await this.opening).list();
  }

  async listStored(): Promise<StoredStates> {
    const store = await this.opening;
    return store.listStored ? store.listStored() : ListedStates.of(await store.list());
  }

  async put(next: WatchState, expected: ExpectedRevision): Promise<WatchState> {
    return (await this.opening).put(next, expected);
  }

  async delete(certificateId: string, expected: ExpectedRevision): Promise<void> {
    return (await this.opening).delete(certificateId, expected);
  }

  async getLedger(): Promise<RunLedger> {
    return (await this.opening).getLedger();
  }

  async putLedger(next: RunLedger, expectedVersion: number): Promise<RunLedger> {
    return (await this.opening).putLedger(next, expectedVersion);
  }
}
