import { acknowledge } from '../../../functions/core/escalation/acknowledge';
import { foldObservation } from '../../../functions/core/escalation/fold';
import { afterDelivery, CLAIM_LEASE_MS, isClaimable, markPublished, notificationId, releaseClaims, withClaims } from '../../../functions/core/escalation/outbox';
import { DEFAULT_POLICY } from '../../../functions/core/escalation/policy';
import { at, BOTH, currentState, leaf, mismatch, served, serveLong, serveMisnamed, TARGET, unreachable, Watcher } from './harness';

describe('at least once, never twice', () => {
  test('a duplicated run (same now) plans nothing and changes nothing', () => {
    const watcher = new Watcher();
    watcher.run(at(384), serveLong(at(384)));
    const before = currentState(watcher);
    const duplicate = foldObservation(before, { ...TARGET, result: serveLong(at(384)) }, DEFAULT_POLICY, at(384));
    expect(duplicate.planned).toEqual([]);
    expect(duplicate.state).toBe(before);
  });

  test('an older observation (a slow concurrent run, minutes behind) is ignored', () => {
    const watcher = new Watcher();
    watcher.run(at(384), serveLong(at(384)));
    const before = currentState(watcher);
    const twoMinutesEarlier = new Date(at(384).getTime() - 2 * 60_000);
    expect(foldObservation(before, { ...TARGET, result: unreachable() }, DEFAULT_POLICY, twoMinutesEarlier).state).toBe(before);
    // A simulated run a day in the past, on a clock that is right, too.
    expect(foldObservation(before, { ...TARGET, result: unreachable() }, DEFAULT_POLICY, at(383), at(384)).state).toBe(before);
  });

  test('a run retried after the store failed to save decides the same notification ids', () => {
    const first = foldObservation(undefined, { ...TARGET, result: serveLong(at(384)) }, DEFAULT_POLICY, at(384));
    const retry = foldObservation(undefined, { ...TARGET, result: serveLong(at(384)) }, DEFAULT_POLICY, at(384));
    expect(retry.planned.map((n) => n.id)).toEqual(first.planned.map((n) => n.id));
    expect(first.planned[0].id).toBe(notificationId(TARGET.certificateId, 'expiry', 'urgent', at(384).toISOString()));
  });

  test('a failed publish stays pending, is not duplicated, and is sent once SNS answers', () => {
    const watcher = new Watcher();
    const [decided] = watcher.run(at(384), serveLong(at(384)), { snsUp: false });
    expect(currentState(watcher).pending.map((n) => n.id)).toEqual([decided.id]);
    expect(currentState(watcher).sent).toEqual([]);
    expect(currentState(watcher).expiry.audiencesTold).toEqual([]);

    expect(watcher.run(at(384, 1), serveLong(at(384, 1)), { snsUp: false })).toEqual([]);
    expect(currentState(watcher).pending.map((n) => n.id)).toEqual([decided.id]);

    expect(watcher.run(at(384, 2), serveLong(at(384, 2)))).toEqual([]);
    expect(watcher.deliveries).toEqual([['384d2h', 'expiry', 'urgent', BOTH]]);
    expect(currentState(watcher).pending).toEqual([]);
    expect(currentState(watcher).sent.map((n) => [n.id, n.decidedAt, n.messageId])).toEqual([[decided.id, at(384).toISOString(), 'message-1']]);
    // The repeat clock runs from the decision, not from the late delivery.
    expect(watcher.run(at(385), serveLong(at(385))).map((n) => n.stage)).toEqual(['urgent']);
  });

  test('a notice undelivered for a whole repeat interval is replaced by a fresh decision, not sent stale then repeated', () => {
    const watcher = new Watcher();
    watcher.run(at(384), serveLong(at(384)), { snsUp: false });
    watcher.run(at(385), serveLong(at(385)), { snsUp: false });
    const pending = currentState(watcher).pending;
    expect(pending.map((n) => [n.stage, n.decidedAt, n.daysRemaining])).toEqual([['urgent', at(385).toISOString(), 13]]);
  });

  test('a pending notice of an older stage is superseded by the new stage (no burst when SNS comes back)', () => {
    const watcher = new Watcher();
    watcher.run(at(383), serveLong(at(383)), { snsUp: false }); // warning, undelivered
    watcher.run(at(384), serveLong(at(384)), { snsUp: false }); // urgent
    expect(currentState(watcher).pending.map((n) => n.stage)).toEqual(['urgent']);
    watcher.run(at(384, 1), serveLong(at(384, 1)));
    expect(watcher.deliveries).toEqual([['384d1h', 'expiry', 'urgent', BOTH]]);
  });
});

describe('marking a notice published', () => {
  test('markPublished of a notification no longer pending changes nothing', () => {
    const watcher = new Watcher();
    const [decided] = watcher.run(at(384), serveLong(at(384)));
    const state = currentState(watcher);
    expect(markPublished(state, decided.id, 'again', at(384))).toBe(state);
    expect(markPublished(state, 'unknown', null, at(384))).toBe(state);
  });

  test('markPublished records the audiences told, the message id and a history entry; foldObservation leaves version alone', () => {
    const { state } = foldObservation(undefined, { ...TARGET, result: serveLong(at(384)) }, DEFAULT_POLICY, at(384));
    const stored = { ...state, version: 7 };
    const published = markPublished(stored, state.pending[0].id, 'sns-123', at(384, 1));
    expect(state.version).toBe(0);
    expect(published.version).toBe(7);
    expect(published.expiry.audiencesTold).toEqual(['owners', 'oncall']);
    expect(published.sent).toEqual([
      { id: state.pending[0].id, kind: 'expiry', stage: 'urgent', audiences: ['owners', 'oncall'], decidedAt: at(384).toISOString(), sentAt: at(384, 1).toISOString(), messageId: 'sns-123' },
    ]);
    expect(published.history.at(-1)).toEqual({ at: at(384, 1).toISOString(), event: 'notified', detail: 'expiry urgent to owners, oncall (message sns-123)' });
  });

  test('markPublished records who was told on the invalid alert, not on the probe-failure alert', () => {
    const { state } = foldObservation(undefined, { ...TARGET, result: serveMisnamed(at(10)) }, DEFAULT_POLICY, at(10));
    const published = markPublished(state, state.pending[0].id, 'm-1', at(10));
    expect(published.invalidAlert?.audiencesTold).toEqual(['owners']);
    expect(published.errorAlert.audiencesTold).toEqual([]);
    expect(published.expiry.audiencesTold).toEqual([]);
  });
});

describe('claiming the outbox', () => {
  /** A misnamed certificate 10 days from expiry: two notices pending, the urgent stage's and the invalid alert's. */
  const expiring = leaf('CC:10', at(-388), 398);
  const { state: decided } = foldObservation(undefined, { ...TARGET, result: served([expiring], at(0), mismatch) }, DEFAULT_POLICY, at(0));
  const [urgent, invalid] = decided.pending;
  const claimedAt = at(0).toISOString();
  const afterMs = (ms: number) => new Date(at(0).getTime() + ms);
  const claims = (state: typeof decided) => state.pending.map((n) => [n.stage, n.claimedAt]);

  test('a notice never claimed is claimable', () => {
    expect([urgent.stage, invalid.stage]).toEqual(['urgent', 'invalid']);
    expect(isClaimable(urgent, at(0))).toBe(true);
  });

  test('a claim younger than the lease is not claimable: its run may still be publishing', () => {
    const [claimed] = withClaims(decided, [urgent.id], { claimedAt }).pending;
    expect(isClaimable(claimed, at(0))).toBe(false);
    expect(isClaimable(claimed, afterMs(CLAIM_LEASE_MS - 1))).toBe(false);
  });

  test('a claim as old as the lease or older is taken over: its run died or gave up', () => {
    const [claimed] = withClaims(decided, [urgent.id], { claimedAt }).pending;
    expect(isClaimable(claimed, afterMs(CLAIM_LEASE_MS))).toBe(true);
    expect(isClaimable(claimed, at(1))).toBe(true);
  });

  test('a claim that names its end holds until then, however soon: the claiming run is past its deadline after it', () => {
    const claimedUntil = afterMs(90_000).toISOString();
    const [claimed] = withClaims(decided, [urgent.id], { claimedAt, claimedUntil }).pending;
    expect(claimed).toMatchObject({ claimedAt, claimedUntil });
    expect(isClaimable(claimed, afterMs(89_999))).toBe(false);
    expect(isClaimable(claimed, afterMs(90_000))).toBe(true);
    expect(releaseClaims(withClaims(decided, [urgent.id], { claimedAt, claimedUntil }), [urgent.id]).pending[0]).toEqual(urgent);
  });

  test('the ledger\'s digest claim follows the same lease, and no claim at all is claimable', () => {
    const digestClaim = { id: 'digest#2026-03-01T00:00:00.000Z', claimedAt };
    expect(isClaimable(null, at(0))).toBe(true);
    expect(isClaimable(digestClaim, afterMs(CLAIM_LEASE_MS - 1))).toBe(false);
    expect(isClaimable(digestClaim, afterMs(CLAIM_LEASE_MS))).toBe(true);
  });

  test('claiming marks only the notices named, and changes nothing else in the state', () => {
    const claimed = withClaims(decided, [invalid.id], { claimedAt });
    expect(claims(claimed)).toEqual([['urgent', undefined], ['invalid', claimedAt]]);
    expect({ ...claimed, pending: [] }).toEqual({ ...decided, pending: [] });
  });

  test('releasing a claim keeps the other claims', () => {
    const released = releaseClaims(withClaims(decided, [urgent.id, invalid.id], { claimedAt }), [urgent.id]);
    expect(claims(released)).toEqual([['urgent', undefined], ['invalid', claimedAt]]);
    expect('claimedAt' in released.pending[0]).toBe(false);
  });

  test('after delivery, the delivered notice is recorded sent and the undelivered one released for the next run', () => {
    const claimed = withClaims(decided, [urgent.id, invalid.id], { claimedAt });
    const next = afterDelivery(claimed, [urgent.id, invalid.id], new Map([[urgent.id, 'sns-1']]), afterMs(1_000));
    expect(next.sent.map((sent) => [sent.id, sent.messageId])).toEqual([[urgent.id, 'sns-1']]);
    expect(next.expiry.audiencesTold).toEqual(['owners', 'oncall']);
    expect(claims(next)).toEqual([['invalid', undefined]]);
    expect(isClaimable(next.pending[0], afterMs(1_000))).toBe(true);
  });

  test('after delivery, a notice dropped meanwhile (acknowledged) is not recorded sent, and the acknowledgement stays', () => {
    const claimed = withClaims(decided, [urgent.id, invalid.id], { claimedAt });
    const acknowledged = acknowledge(claimed, { at: afterMs(500), alert: 'invalid' });
    const next = afterDelivery(acknowledged, [urgent.id, invalid.id], new Map([[urgent.id, 'sns-1'], [invalid.id, 'sns-2']]), afterMs(1_000));
    expect(next.sent.map((sent) => sent.messageId)).toEqual(['sns-1']);
    expect(next.pending).toEqual([]);
    expect(next.invalidAlert).toMatchObject({ audiencesTold: [], acknowledgement: { stage: 'invalid', fingerprintSha256: 'CC:10' } });
  });
});
