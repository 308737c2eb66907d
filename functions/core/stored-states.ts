import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { StateListing, StoredDocument, StoredStates, UnreadableItem } from './ports';
import type { WatchState } from './watch-state';

// A listing kept as stored (StoredStates), a Scan page at a time (DocumentPage): each state's JSON document as bytes
// until it is read. Outside the JS heap, because the garbage collector lets a heap grow to a few times what it holds;
// past the first RAW_DOCUMENTS of a listing, compressed against the first document of its page, because states are
// alike (the same intermediates and roots, the same fields): about 200-700 bytes a state instead of 3 KB, and about
// 15 us to read one back. A listing of a few thousand states is kept as written: deflating and inflating each would
// cost more CPU (about 0.1 ms a state, on both threads of a local run) than its few MB are worth.

/** A document's state: what the store wrote, with its key and version put back. */
export function stateFromDocument(certificateId: string, version: number, document: string): WatchState {
  return { ...(JSON.parse(document) as Omit<WatchState, 'certificateId' | 'version'>), certificateId, version };
}

/**
 * A page of stored documents in one buffer (which can cross to another thread without a copy): the first document as
 * UTF-8, each other as UTF-8 too or, `deflated`, deflated against the first. Items in the earlier layout (rare) are
 * kept as states.
 */
export interface DocumentPage {
  readonly certificateIds: readonly string[];
  readonly versions: readonly number[];
  /** Where each document ends in `bytes` (each starts where the one before ends). */
  readonly ends: readonly number[];
  readonly bytes: ArrayBuffer;
  readonly deflated: boolean;
  readonly states: readonly WatchState[];
}

/** Documents of a listing kept as written before its pages are deflated: about 15 MB at most. */
export const RAW_DOCUMENTS = 5_000;

/**
 * Deflate for a few KB against a dictionary of a few KB: a 4 KB window and small state (allocated for every document)
 * read twice as fast as zlib's defaults for the same size here; its output buffer, garbage once copied into the page,
 * 1 KB instead of 16.
 */
const DEFLATE = { windowBits: 12, memLevel: 5, level: 3, chunkSize: 1024 } as const;

/** The pages of one listing, in order: the first RAW_DOCUMENTS documents as written, the pages after deflated. */
export class PagePacker {
  private packed = 0;

  pack(documents: readonly StoredDocument[]): DocumentPage {
    const page = packPage(documents, { deflate: this.packed >= RAW_DOCUMENTS });
    this.packed += documents.length;
    return page;
  }
}

export function packPage(documents: readonly StoredDocument[], { deflate = true }: { readonly deflate?: boolean } = {}): DocumentPage {
  const texts = documents.flatMap((stored) => ('document' in stored ? [stored] : []));
  const parts: Uint8Array[] = [];
  let dictionary: Buffer | undefined;
  for (const { document } of texts) {
    const raw = Buffer.from(document, 'utf8');
    parts.push(dictionary ? deflateRawSync(raw, { ...DEFLATE, dictionary }) : raw);
    if (deflate) dictionary ??= raw;
  }
  // A buffer of its own (allocUnsafeSlow), all of it this page's: a pooled one would share its memory.
  const bytes = Buffer.allocUnsafeSlow(parts.reduce((total, part) => total + part.length, 0));
  const ends: number[] = [];
  let end = 0;
  for (const part of parts) {
    bytes.set(part, end);
    ends.push((end += part.length));
  }
  return {
    certificateIds: texts.map((stored) => stored.certificateId),
    versions: texts.map((stored) => stored.version),
    ends,
    bytes: bytes.buffer as ArrayBuffer,
    deflated: deflate,
    states: documents.flatMap((stored) => ('state' in stored ? [stored.state] : [])),
  };
}

/** A document as kept: a view of its page's buffer, and the page's first document (null: this is it). */
type Kept = { readonly bytes: Uint8Array; readonly version: number; readonly dictionary: Uint8Array | null } | { readonly state: WatchState };

export class ListedStates implements StoredStates {
  private readonly kept = new Map<string, Kept>();
  private skipped: readonly UnreadableItem[] = [];

  /** A listing already read as objects (kept as they are). */
  static of(listing: StateListing): ListedStates {
    const listed = new ListedStates();
    for (const state of listing.states) listed.kept.set(state.certificateId, { state });
    return listed.listedAll(listing.unreadable);
  }

  get unreadable(): readonly UnreadableItem[] {
    return this.skipped;
  }

  /** A page's documents, kept in its buffer as they are (the buffer goes once all of them are taken). */
  addPage(page: DocumentPage): void {
    let start = 0;
    let dictionary: Uint8Array | null = null;
    page.certificateIds.forEach((certificateId, index) => {
      const bytes = new Uint8Array(page.bytes, start, page.ends[index] - start);
      this.kept.set(certificateId, { bytes, version: page.versions[index], dictionary });
      if (page.deflated) dictionary ??= bytes;
      start = page.ends[index];
    });
    for (const state of page.states) this.kept.set(state.certificateId, { state });
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
  if ('state' in kept) return kept.state;
  const { bytes, dictionary, version } = kept;
  const document = dictionary === null ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : inflateRawSync(bytes, { windowBits: DEFLATE.windowBits, dictionary });
  return stateFromDocument(certificateId, version, document.toString('utf8'));
}
