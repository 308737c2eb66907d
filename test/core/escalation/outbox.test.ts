import { foldObservation } from '../../../functions/core/escalation/fold';
import { markPublished, notificationId } from '../../../functions/core/escalation/outbox';
import { DEFAULT_POLICY } from '../../../functions/core/escalation/policy';
import { at, BOTH, currentState, serveLong, serveMisnamed, TARGET, unreachable, Watcher } from './harness';

describe('at least once, never twice', () => {
  test('a duplicated run (same now) plans nothing and changes nothing', () => {
    const watcher = new Watcher();
    watcher.run(at(384), serveLong(at(384)));
    const before = currentState(watcher);
    const duplicate = foldObservation(before, { ...TARGET, result: serveLong(at(384)) }, DEFAULT_POLICY, at(384));
    expect(duplicate.planned).toEqual([]);
    expect(duplicate.state).toBe(before);
  });

  test('an older observation (a slow concurrent run) is ignored', () => {
    const watcher = new Watcher();
    watcher.run(at(384), serveLong(at(384)));
    const before = currentState(watcher);
    expect(foldObservation(before, { ...TARGET, result: unreachable() }, DEFAULT_POLICY, at(383)).state).toBe(before);
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
