import type { StoredStates, UnreadableItem } from '../core/ports';
import type { WatchState } from '../core/watch-state';
import { storedDocumentToState, type StoredDocument } from './state-item-encoding';

/** A listing whose states stay as stored (their JSON documents) until each is taken: see StoredStates. */
export class ListedStates implements StoredStates {
  constructor(
    private readonly documents: Map<string, StoredDocument>,
    readonly unreadable: readonly UnreadableItem[],
  ) {}

  async take(certificateId: string): Promise<WatchState | undefined> {
    const stored = this.documents.get(certificateId);
    if (stored === undefined) return undefined;
    this.documents.delete(certificateId);
    return storedDocumentToState(certificateId, stored);
  }

  async untaken(): Promise<string[]> {
    const certificateIds = [...this.documents.keys()].sort();
    this.documents.clear();
    return certificateIds;
  }
}
