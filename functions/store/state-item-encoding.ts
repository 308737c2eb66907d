import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { type RunLedger, type StoredDocument, UnreadableStateError } from '../core/ports';
import { stateFromDocument } from '../core/stored-states';
import type { WatchState } from '../core/watch-state';
import { type Item, itemSizeBytes, MAX_ITEM_BYTES } from './dynamodb-attribute-values';
import { describeError, StateStoreError } from './state-store-error';
import { unreadableRevision } from './unreadable-revision';

// How a state is stored: one item per watched certificate, partition key `certificateId`. Pure: no client, no server.
// Item layout: the key, `version` (the write condition's), and projections for operators, filters and a future
// index: `status`, `source`, `target`, `stage` (expiry.stage) and `notAfter` (certificate.notAfter), both left out
// when null so that an index on them stays sparse, and `updatedAt` (time of the write); the whole state is one
// JSON document in `state`. One string attribute instead of ~100 nested ones costs the SDK and the server (and the
// local store) far less to write and to read back: a run reads every item. Items stored in the earlier layout (every
// field a top-level attribute, records as maps) are still read, and take this one on their next write.

export const PARTITION_KEY = 'certificateId';
/** Keys of certwatch's own items beside the states: certificate ids start with `tls:` or `arn:`, never with this. */
export const INTERNAL_KEY_PREFIX = 'certwatch#';
/** The run ledger's key. */
export const LEDGER_KEY = `${INTERNAL_KEY_PREFIX}ledger`;

/** The attribute holding the state as JSON. */
const STATE_ATTRIBUTE = 'state';
/** Attributes derived from the state; never read back into it (an item in the earlier layout has these too). */
const PROJECTION_NAMES: ReadonlySet<string> = new Set(['stage', 'notAfter', 'updatedAt']);

/** Where and when an item is written: the table for messages, the time for `updatedAt`. */
export interface ItemContext {
  readonly tableName: string;
  readonly updatedAt: Date;
}

/**
 * The item storing `state`. Throws a StateStoreError, naming the certificate and the table, for a state DynamoDB
 * would refuse: a value it cannot hold (NaN, Infinity) or an item over its 400 KB.
 */
export function stateToItem(state: WatchState, context: ItemContext): Item {
  const { certificateId, version, ...rest } = state;
  let document: string;
  try {
    document = JSON.stringify(rest, finiteNumbersOnly);
  } catch (error) {
    throw new StateStoreError(`cannot store the state of ${certificateId} in table ${context.tableName}: ${describeError(error)}`, { cause: error });
  }
  const item: Item = {
    [PARTITION_KEY]: { S: certificateId },
    version: { N: String(version) },
    status: { S: state.status },
    source: { S: state.source },
    target: { S: state.target },
    ...(state.expiry.stage !== null ? { stage: { S: state.expiry.stage } } : {}),
    ...(state.certificate !== null ? { notAfter: { S: state.certificate.notAfter } } : {}),
    updatedAt: { S: context.updatedAt.toISOString() },
    [STATE_ATTRIBUTE]: { S: document },
  };
  const size = itemSizeBytes(item);
  if (size > MAX_ITEM_BYTES) {
    throw new StateStoreError(
      `state of ${certificateId} would be a ${size}-byte item, over DynamoDB's ${MAX_ITEM_BYTES}-byte limit ` +
        `(table ${context.tableName}): pending ${state.pending.length}, sent ${state.sent.length}, history ${state.history.length} entries`,
    );
  }
  return item;
}

/** The state an item holds, in either layout; an UnreadableStateError (with the item's version) when it holds none. */
export function itemToState(item: Item, tableName: string): WatchState {
  const certificateId = item[PARTITION_KEY]?.S ?? '(no certificateId)';
  let record: Record<string, unknown>;
  try {
    const document = item[STATE_ATTRIBUTE]?.S;
    record = document === undefined ? legacyRecord(item) : (stateFromDocument(certificateId, Number(item.version?.N), document) as unknown as Record<string, unknown>);
  } catch (error) {
    throw new UnreadableStateError(certificateId, `item ${certificateId} in table ${tableName} is not a certwatch state: ${describeError(error)}`, unreadableRevision(item));
  }
  if (!Number.isInteger(record.version) || typeof record.status !== 'string' || typeof record.expiry !== 'object' || record.expiry === null) {
    throw new UnreadableStateError(certificateId, `item ${certificateId} in table ${tableName} is not a certwatch state (no whole-number version, status or expiry)`, unreadableRevision(item));
  }
  return record as unknown as WatchState;
}

/** The state an item holds as stored: its document as written, checked as itemToState checks it (the same errors). */
export function itemToStoredDocument(item: Item, tableName: string): StoredDocument {
  const state = itemToState(item, tableName);
  const document = item[STATE_ATTRIBUTE]?.S;
  return document === undefined ? { certificateId: state.certificateId, state } : { certificateId: state.certificateId, version: state.version, document };
}

/** The run ledger's item: its fields as attributes, under LEDGER_KEY. */
export function ledgerToItem(ledger: RunLedger): Item {
  return marshall({ [PARTITION_KEY]: LEDGER_KEY, ...ledger });
}

/** The ledger an item holds; fields it lacks read as never set. */
export function itemToLedger(item: Item): RunLedger {
  const { lastRunAt = null, digestSentFor = null, digestClaim = null, lastDigestAt = null, lastClockRunAt = null, version } = unmarshall(item) as Partial<RunLedger>;
  return { lastRunAt, digestSentFor, digestClaim, lastDigestAt, lastClockRunAt, version: version ?? 0 };
}

/** An item in the earlier layout: every field a top-level attribute, records as maps, projections beside them. */
function legacyRecord(item: Item): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(unmarshall(item))) if (!PROJECTION_NAMES.has(name)) record[name] = value;
  return record;
}

/** JSON would write NaN and Infinity as null, silently: refused, as DynamoDB refuses them. */
function finiteNumbersOnly(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`Special numeric value ${value} is not allowed`);
  return value;
}
