import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { StoredStates, UnreadableItem } from '../core/ports';
import type { WatchState } from '../core/watch-state';
import { storedDocumentToState, type StoredDocument } from './state-item-encoding';

/**
 * Listings longer than this are kept compressed. A state's document is about 3 KB of JSON: 100,000 of them would
 * hold 300 MB until taken. Compressed against the listing's first document (a state's keys and shape repeat from
 * one certificate to the next) one takes about 200 bytes, for some 40 us of CPU to pack it and 15 us to unpack it:
 * worth it for a large fleet, not for a small one.
 */
const PACK_AFTER = 10_000;

interface PackedDocument {
  readonly bytes: Buffer;
  readonly version: number;
}

/**
 * A listing whose states stay as stored (their JSON documents) until each is taken: see StoredStates. Filled one
 * item at a time by the store's scan (add), then told what it skipped (listedAll).
 */
export class ListedStates implements StoredStates {
  private readonly documents = new Map<string, StoredDocument>();
  private readonly packed = new Map<string, PackedDocument>();
  private dictionary: Buffer | null = null;
  private skipped: readonly UnreadableItem[] = [];

  /** `packAfter`: tests set a small one. */
  constructor(private readonly packAfter = PACK_AFTER) {}

  get unreadable(): readonly UnreadableItem[] {
    return this.skipped;
  }

  add(certificateId: string, stored: StoredDocument): void {
    if (this.dictionary === null && this.documents.size >= this.packAfter) this.startPacking();
    if (this.dictionary !== null && 'document' in stored) this.packed.set(certificateId, this.pack(stored));
    else this.documents.set(certificateId, stored);
  }

  /** The scan is over: these items were skipped as unreadable. */
  listedAll(unreadable: readonly UnreadableItem[]): this {
    this.skipped = unreadable;
    return this;
  }

  async take(certificateId: string): Promise<WatchState | undefined> {
    const packed = this.packed.get(certificateId);
    if (packed !== undefined) {
      this.packed.delete(certificateId);
      const document = inflateRawSync(packed.bytes, { dictionary: this.dictionary! }).toString('utf8');
      return storedDocumentToState(certificateId, { document, version: packed.version });
    }
    const stored = this.documents.get(certificateId);
    if (stored === undefined) return undefined;
    this.documents.delete(certificateId);
    return storedDocumentToState(certificateId, stored);
  }

  async untaken(): Promise<string[]> {
    const certificateIds = [...this.documents.keys(), ...this.packed.keys()].sort();
    this.documents.clear();
    this.packed.clear();
    return certificateIds;
  }

  /** From now on documents are packed, those listed so far too, against the first one listed. */
  private startPacking(): void {
    const first = [...this.documents.values()].find((stored) => 'document' in stored);
    // (Only states in the earlier layout so far, which stay objects: the documents after them share less.)
    this.dictionary = Buffer.from(first !== undefined && 'document' in first ? first.document : '{}', 'utf8');
    for (const [certificateId, stored] of this.documents) {
      if (!('document' in stored)) continue;
      this.packed.set(certificateId, this.pack(stored));
      this.documents.delete(certificateId);
    }
  }

  private pack(stored: { readonly document: string; readonly version: number }): PackedDocument {
    return { bytes: deflateRawSync(stored.document, { level: 1, dictionary: this.dictionary! }), version: stored.version };
  }
}
