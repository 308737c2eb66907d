import { marshall } from '@aws-sdk/util-dynamodb';
import { EMPTY_LEDGER, UnreadableStateError } from '../../functions/core/ports';
import type { WatchState } from '../../functions/core/watch-state';
import { itemToLedger, itemToState, LEDGER_KEY, ledgerToItem, stateToItem } from '../../functions/store/state-item-encoding';
import { StateStoreError } from '../../functions/store/state-store-error';
import { unreadableRevision } from '../../functions/store/unreadable-revision';
import { fullState, unreachableState } from './watch-state-fixture';

// How a state becomes an item and back: pure, no server (the store's own tests write and read them through dynalite).

const context = { tableName: 'certwatch-encoding', updatedAt: new Date('2026-03-19T08:00:02.000Z') };
const stored = (state: WatchState, version = 1): WatchState => ({ ...state, version });

describe('a state and its item', () => {
  test.each([
    ['a full state', fullState('tls:a.example:443')],
    ['nulls, empty lists and an empty tags map', unreachableState('tls:b.example:443')],
  ])('%s decodes to the state encoded', (_, state) => {
    expect(itemToState(stateToItem(stored(state, 3), context), context.tableName)).toStrictEqual(stored(state, 3));
  });

  test('the item holds the key, the version, the projections and the rest of the state as JSON', () => {
    const item = stateToItem(stored(fullState('tls:a.example:443')), context);
    expect(Object.keys(item).sort()).toEqual(['certificateId', 'notAfter', 'source', 'stage', 'state', 'status', 'target', 'updatedAt', 'version']);
    expect(item).toMatchObject({ certificateId: { S: 'tls:a.example:443' }, version: { N: '1' }, stage: { S: 'urgent' }, updatedAt: { S: '2026-03-19T08:00:02.000Z' } });
    expect(JSON.parse(item.state.S as string)).not.toHaveProperty('certificateId');
    expect(JSON.parse(item.state.S as string)).not.toHaveProperty('version');
  });

  test('no stage and no certificate: no stage or notAfter projection (an index on them stays sparse)', () => {
    const item = stateToItem(stored(unreachableState()), context);
    expect(item).not.toHaveProperty('stage');
    expect(item).not.toHaveProperty('notAfter');
  });

  test('an item in the earlier layout decodes without its projections', () => {
    const state = stored(fullState('tls:legacy.example:443'), 4);
    const legacy = marshall({ ...state, stage: 'urgent', notAfter: state.certificate?.notAfter, updatedAt: '2026-03-19T08:00:02.000Z' }, { removeUndefinedValues: true });
    expect(itemToState(legacy, context.tableName)).toStrictEqual(state);
  });
});

describe('what DynamoDB would refuse is refused before any request, naming the certificate and the table', () => {
  test('a value JSON would turn into null', () => {
    const state = { ...stored(unreachableState('tls:inf.example:443')), consecutiveFailures: Number.POSITIVE_INFINITY };
    expect(() => stateToItem(state, context)).toThrow(StateStoreError);
    expect(() => stateToItem(state, context)).toThrow('cannot store the state of tls:inf.example:443 in table certwatch-encoding: Error: Special numeric value Infinity is not allowed');
  });

  test('an item over 400 KB, with the sizes of what makes it grow', () => {
    const state = stored(fullState('tls:huge.example:443'));
    const huge = { ...state, history: [...state.history, { at: state.lastCheckedAt, event: 'notified' as const, detail: 'x'.repeat(400 * 1024) }] };
    expect(() => stateToItem(huge, context)).toThrow(/^state of tls:huge\.example:443 would be a \d+-byte item, over DynamoDB's 409600-byte limit \(table certwatch-encoding\): pending 2, sent 1, history 3 entries$/);
  });
});

describe('an item that is not a state is unreadable, with the revision to delete it by', () => {
  test.each([
    ['a state document that is not JSON', { certificateId: { S: 'tls:x.example:443' }, version: { N: '2' }, state: { S: '{' } }, /is not a certwatch state: SyntaxError/],
    ['no version, status or expiry', { certificateId: { S: 'tls:x.example:443' }, note: { S: 'foreign' } }, /is not a certwatch state \(no whole-number version, status or expiry\)$/],
    ['a version that is not a whole number', { certificateId: { S: 'tls:x.example:443' }, version: { N: '1.5' }, state: { S: '{"status":"ok","expiry":{}}' } }, /no whole-number version/],
    ['a version that is not a number at all', { certificateId: { S: 'tls:x.example:443' }, version: { S: 'seven' }, state: { S: '{"status":"ok","expiry":{}}' } }, /no whole-number version/],
  ])('%s', (_, item, message) => {
    const thrown = thrownBy(() => itemToState(item, 'certwatch-encoding'));
    expect(thrown).toBeInstanceOf(UnreadableStateError);
    expect(thrown).toMatchObject({ certificateId: 'tls:x.example:443', revision: unreadableRevision(item), message: expect.stringMatching(/^item tls:x\.example:443 in table certwatch-encoding /) });
    expect((thrown as Error).message).toMatch(message);
  });
});

describe('the run ledger', () => {
  test('round-trips under its own key', () => {
    const ledger = { lastRunAt: '2026-11-21T06:00:00.000Z', digestSentFor: 'digest#x', digestClaim: { id: 'digest#y', claimedAt: '2026-11-21T06:00:00.000Z' }, lastDigestAt: '2026-11-20T06:00:00.000Z', lastClockRunAt: '2026-11-21T06:00:00.000Z', version: 3 };
    const item = ledgerToItem(ledger);
    expect(item.certificateId).toEqual({ S: LEDGER_KEY });
    expect(itemToLedger(item)).toStrictEqual(ledger);
  });

  test('fields an item lacks read as never set', () => {
    expect(itemToLedger({ certificateId: { S: LEDGER_KEY } })).toStrictEqual(EMPTY_LEDGER);
  });
});

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}
