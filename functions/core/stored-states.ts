import type { StateListing, StoredDocument, StoredStates, UnreadableItem } from './ports';
import type { WatchState } from './watch-state';

// A listing kept as stored (StoredStates): each state's JSON document as UTF-8 bytes until it is read. Bytes outside
// the JS heap, rather than strings in it: the garbage collector lets a heap grow to a few times what it holds, so a
// large listing inside it would cost several times its size.

/** A document's state: what the store wrote, with its key and version put back. */
export function stateFromDocument(certificateId: string, version: number, document: string): WatchState {
  return { ...(JSON.parse(document) as Omit<WatchState, 'certificateId' | 'version'>), certificateId, version };
}

type Kept = { readonly bytes: Buffer; readonly version: number } | { readonly state: WatchState };

export class ListedStates implements StoredStates {
  private readonly kept = new Map<string, Kept>();
  private skipped: readonly UnreadableItem[] = [];

  /** A listing already read as objects (kept as they are). */
  static of(listing: StateListing): ListedStates {
    const listed = new ListedStates();
    for (const state of listing.states) listed.add({ certificateId: state.certificateId, state });
    return listed.listedAll(listing.unreadable);
  }

  get unreadable(): readonly UnreadableItem[] {
    return this.skipped;
  }

  add(stored: StoredDocument): void {
    if ('state' in stored) {
      this.kept.set(stored.certificateId, { state: stored.state });
      return;
    }
    // A buffer of its own (allocUnsafeSlow): a slice of a shared pool slab would keep the whole slab alive.
    const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(stored.document, 'utf8'));
    bytes.write(stored.document, 'utf8');
    this.kept.set(stored.certificateId, { bytes, version: stored.version });
  }

  /** The listing is complete; these items were skipped as unreadable. */
  listedAll(unreadable: readonly UnreadableItem[]): this {
    this.skipped = unreadable;
    return this;
  }

  has(certificateId: string): boolean {
    return this.kept.has(certificateId);
  }

  get(certificateId: string): WatchState | undefined {
    const kept = this.kept.get(certificateId);
    return kept && read(certificateId, kept);
  }

  take(certificateId: string): WatchState | undefined {
    const state = this.get(certificateId);
    this.kept.delete(certificateId);
    return state;
  }

  keys(): IterableIterator<string> {
    return this.kept.keys();
  }

  *values(): IterableIterator<WatchState> {
    for (const [certificateId, kept] of this.kept) yield read(certificateId, kept);
  }
}

function read(certificateId: string, kept: Kept): WatchState {
  return 'state' in kept ? kept.state : stateFromDocument(certificateId, kept.version, kept.bytes.toString('utf8'));
}
