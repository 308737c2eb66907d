import type { BatchSummary, ChangeJournalRecord, HandChange, SummaryEntry } from '../core/batch-summary';
import type { Item } from './dynamodb-attribute-values';
import { describeError, StateStoreError } from './state-store-error';
import { INTERNAL_KEY_PREFIX, PARTITION_KEY } from './state-item-encoding';

// How a deployed batch's summary and the change journal are stored: internal items beside the states (their keys
// start with INTERNAL_KEY_PREFIX, so listings skip them). Pure: no client, no server.
// A summary: `version` (its writes' condition), `writtenAt`, `journalSequence`, `expiresAt` (DynamoDB's TTL removes
// the summaries of batches a deploy replaced) and `entries`, one JSON object, certificate id -> [observed, dueAt in
// epoch seconds, stage]: about 60 bytes and the id per certificate, a batch of 100 in two read units.
// The journal: `version`, `sequence`, and `recent`, a JSON array of [certificateId, sequence].

export const BATCH_SUMMARY_KEY_PREFIX = `${INTERNAL_KEY_PREFIX}batch#`;
export const JOURNAL_KEY = `${INTERNAL_KEY_PREFIX}changes`;

/** A summary nobody rewrites for this long goes: it belonged to a batch a deploy replaced (a live one is rewritten daily). */
export const SUMMARY_LIFETIME_SECONDS = 14 * 24 * 3600;

/** The table's TTL attribute: epoch seconds after which DynamoDB deletes the item (summaries only). */
export const SUMMARY_EXPIRY_ATTRIBUTE = 'expiresAt';

type StoredEntry = [observed: string, dueAt: number, stage: string | null];

export function summaryItemKey(key: string): string {
  return `${BATCH_SUMMARY_KEY_PREFIX}${key}`;
}

/** The item storing `summary` (its `version` as it is to be stored). */
export function summaryToItem(summary: BatchSummary): Item {
  const entries: Record<string, StoredEntry> = {};
  // Seconds, rounded down: a due time a moment early only reads a certificate once more.
  for (const [id, entry] of Object.entries(summary.entries)) entries[id] = [entry.observed, Math.floor(Date.parse(entry.dueAt) / 1000), entry.stage];
  return {
    [PARTITION_KEY]: { S: summaryItemKey(summary.key) },
    version: { N: String(summary.version) },
    writtenAt: { S: summary.writtenAt },
    journalSequence: { N: String(summary.journalSequence) },
    [SUMMARY_EXPIRY_ATTRIBUTE]: { N: String(Math.floor(Date.parse(summary.writtenAt) / 1000) + SUMMARY_LIFETIME_SECONDS) },
    entries: { S: JSON.stringify(entries) },
  };
}

/** The summary an item holds, or why it holds none; with the item's version either way (0 when it has none). */
export function itemToSummary(key: string, item: Item | undefined): { summary: BatchSummary | null; storedVersion: number; unreadable: string | null } {
  if (!item) return { summary: null, storedVersion: 0, unreadable: null };
  // Any number is the condition of the write over it; none (or not a number): the write expects 0.
  const version = Number(item.version?.N);
  const storedVersion = Number.isFinite(version) ? version : 0;
  const unreadable = (why: string) => ({ summary: null, storedVersion, unreadable: `batch summary ${summaryItemKey(key)} is not readable: ${why}` });
  const writtenAt = item.writtenAt?.S;
  const journalSequence = Number(item.journalSequence?.N);
  if (!Number.isInteger(version) || version < 1 || !writtenAt || Number.isNaN(Date.parse(writtenAt)) || !Number.isInteger(journalSequence)) {
    return unreadable('no version, writtenAt or journalSequence');
  }
  let stored: unknown;
  try {
    stored = JSON.parse(item.entries?.S ?? '');
  } catch (error) {
    return unreadable(describeError(error));
  }
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return unreadable('its entries are not an object');
  const entries: Record<string, SummaryEntry> = {};
  for (const [id, entry] of Object.entries(stored as Record<string, unknown>)) {
    if (!isStoredEntry(entry)) return unreadable(`the entry of ${id} is not [observed, dueAt, stage]`);
    entries[id] = { observed: entry[0], dueAt: new Date(entry[1] * 1000).toISOString(), stage: entry[2] };
  }
  return { summary: { key, entries, journalSequence, writtenAt, version: storedVersion }, storedVersion, unreadable: null };
}

function isStoredEntry(entry: unknown): entry is StoredEntry {
  return Array.isArray(entry) && entry.length === 3 && typeof entry[0] === 'string' && Number.isFinite(entry[1]) && (entry[2] === null || typeof entry[2] === 'string');
}

export function journalToItem(journal: ChangeJournalRecord): Item {
  return {
    [PARTITION_KEY]: { S: JOURNAL_KEY },
    version: { N: String(journal.version) },
    sequence: { N: String(journal.sequence) },
    recent: { S: JSON.stringify(journal.recent.map((change) => [change.certificateId, change.sequence])) },
  };
}

/** The journal an item holds (none yet: empty). A StateStoreError naming the table for one that is not readable. */
export function itemToJournal(item: Item | undefined, tableName: string): ChangeJournalRecord {
  if (!item) return { sequence: 0, recent: [], version: 0 };
  const version = Number(item.version?.N);
  const sequence = Number(item.sequence?.N);
  let recent: HandChange[] | null = null;
  try {
    const stored: unknown = JSON.parse(item.recent?.S ?? '');
    if (Array.isArray(stored) && stored.every((change) => Array.isArray(change) && typeof change[0] === 'string' && Number.isInteger(change[1]))) {
      recent = (stored as [string, number][]).map(([certificateId, changeSequence]) => ({ certificateId, sequence: changeSequence }));
    }
  } catch {
    recent = null;
  }
  if (!Number.isInteger(version) || version < 1 || !Number.isInteger(sequence) || recent === null) {
    throw new StateStoreError(`the change journal ${JOURNAL_KEY} in table ${tableName} is not readable: delete the item (the deployed workers then read every state once)`);
  }
  return { sequence, recent, version };
}
