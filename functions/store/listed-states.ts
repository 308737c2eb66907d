import type { StoredStates, UnreadableItem } from '../core/ports';
import type { WatchState } from '../core/watch-state';
import { storedDocumentToState, type StoredDocument } from './state-item-encoding';

interface KeptDocument {
  /** The JSON document's UTF-8 bytes: outside the JS heap, which would reserve about as much again to grow into. */
  readonly bytes: Buffer;
  readonly version: number;
}

/**
 * A listing whose states stay as stored (their JSON documents) until each is taken: see StoredStates. Filled one
 * item at a time by the store's scan (add), then told what it skipped (listedAll).
 */
export class ListedStates implements StoredStates {
  private readonly documents = new Map<string, KeptDocument | { readonly state: WatchState }>();
  private skipped: readonly UnreadableItem[] = [];

  get unreadable(): readonly UnreadableItem[] {
    return this.skipped;
  }

  add(certificateId: string, stored: StoredDocument): void {
    // allocUnsafeSlow: a buffer of its own, not a slice of a shared pool slab that it would keep alive.
    const keep = (document: string) => {
      const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(document, 'utf8'));
      bytes.write(document, 'utf8');
      return bytes;
    };
    this.documents.set(certificateId, 'document' in stored ? { bytes: keep(stored.document), version: stored.version } : stored);
  }

  /** The scan is over: these items were skipped as unreadable. */
  listedAll(unreadable: readonly UnreadableItem[]): this {
    this.skipped = unreadable;
    return this;
  }

  async take(certificateId: string): Promise<WatchState | undefined> {
    const kept = this.documents.get(certificateId);
    if (kept === undefined) return undefined;
    this.documents.delete(certificateId);
    return storedDocumentToState(certificateId, 'bytes' in kept ? { document: kept.bytes.toString('utf8'), version: kept.version } : kept);
  }

  async untaken(): Promise<string[]> {
    const certificateIds = [...this.documents.keys()].sort();
    this.documents.clear();
    return certificateIds;
  }
}
