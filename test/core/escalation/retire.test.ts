import { CHECK_DEFAULTS } from '../../../functions/core/check-settings';
import { foldObservation } from '../../../functions/core/escalation/fold';
import { markPublished } from '../../../functions/core/escalation/outbox';
import { DEFAULT_POLICY } from '../../../functions/core/escalation/policy';
import { foldDisappearance, foldListingRecovered } from '../../../functions/core/escalation/retire';
import { resultFromLastReading } from '../../../functions/core/last-known-result';
import type { WatchState } from '../../../functions/core/watch-state';
import { at, leaf, served, T0, unreachable } from './harness';

// Tier 1: the end of an ACM or IAM certificate's watch (gone from its listing) and of a failing listing's own alert.

const ARN = 'arn:aws:acm:eu-west-1:111122223333:certificate/abc';
const ACM = { certificateId: ARN, source: 'acm', target: ARN, owner: null, tags: {}, scope: 'acm:eu-west-1' } as const;
const SCOPE = { certificateId: 'acm:eu-west-1', source: 'acm', target: 'acm:eu-west-1', owner: null, tags: {}, scope: 'acm:eu-west-1' } as const;

/** An ACM certificate watched since T0, 200 days left; `notInUse` adds the listing's NOT_IN_USE finding. */
function watched(now: Date, { notInUse = false, lifetimeDays = 398 } = {}): WatchState {
  const result = served([leaf('AC:01', new Date(T0.getTime() - 198 * 86_400_000), lifetimeDays)], now);
  const findings = notInUse ? [...result.findings, { code: 'NOT_IN_USE' as const, severity: 'info' as const, message: 'associated with no AWS resource' }] : result.findings;
  return foldObservation(undefined, { ...ACM, result: { ...result, target: ARN, findings } }, DEFAULT_POLICY, now).state;
}

describe('a certificate gone from its listing', () => {
  test('in use and not expired: one `disappeared` notice to errorNotify and everyone told, and the state retired', () => {
    const before = { ...watched(at(0)), expiry: { stage: 'urgent', stageEnteredAt: null, lastNotifiedAt: null, audiencesTold: ['owners', 'oncall'] } };
    const outcome = foldDisappearance(before, DEFAULT_POLICY, at(1))!;
    expect(outcome.planned.map((n) => [n.kind, n.stage, n.audiences, n.daysRemaining])).toEqual([['error', 'disappeared', ['owners', 'oncall'], 199]]);
    expect(outcome.state).toMatchObject({ retiredAt: at(1).toISOString(), pending: outcome.planned });
    expect(outcome.state.history.at(-1)).toEqual({ at: at(1).toISOString(), event: 'retired', detail: 'no longer listed by acm:eu-west-1' });
    // Decided again (a retried run): nothing new.
    expect(foldDisappearance(outcome.state, DEFAULT_POLICY, at(2))).toEqual({ state: outcome.state, planned: [] });
  });

  test('not in use, or expired, or never read: dropped quietly', () => {
    expect(foldDisappearance(watched(at(0), { notInUse: true }), DEFAULT_POLICY, at(1))).toBeNull();
    expect(foldDisappearance(watched(at(0)), DEFAULT_POLICY, at(250))).toBeNull();
    const neverRead = foldObservation(undefined, { ...ACM, result: { ...unreachable(), target: ARN } }, DEFAULT_POLICY, at(0)).state;
    expect(foldDisappearance(neverRead, DEFAULT_POLICY, at(1))).toBeNull();
  });
});

describe("a failing listing's own state, once the listing works again", () => {
  test('whoever was told it fails hears it works again, once; nobody told: nothing to say', () => {
    let state = foldObservation(undefined, { ...SCOPE, result: { ...unreachable(), target: 'acm:eu-west-1' } }, DEFAULT_POLICY, at(0)).state;
    expect(foldListingRecovered(state, at(1))).toBeNull();
    for (const day of [1, 2]) state = foldObservation(state, { ...SCOPE, result: { ...unreachable(), target: 'acm:eu-west-1' } }, DEFAULT_POLICY, at(day)).state;
    const alert = state.pending.find((n) => n.kind === 'error')!;
    state = markPublished(state, alert.id, 'm-1', at(2));
    const outcome = foldListingRecovered(state, at(3))!;
    expect(outcome.planned.map((n) => [n.kind, n.stage, n.audiences])).toEqual([['recovery', 'error', ['owners']]]);
    expect(outcome.state.retiredAt).toBe(at(3).toISOString());
  });
});

describe('the last reading, judged again while its listing fails', () => {
  test('the clock moves the expiry findings and status; the listing\'s own findings are kept as listed', () => {
    const state = watched(at(0), { notInUse: true });
    const later = resultFromLastReading(state, CHECK_DEFAULTS, at(180))!;
    expect(later).toMatchObject({ target: ARN, status: 'warning', daysRemaining: 20, error: null });
    expect(later.findings.map((f) => f.code)).toEqual(['EXPIRES_SOON', 'NOT_IN_USE']);
    expect(resultFromLastReading(state, CHECK_DEFAULTS, at(201))?.status).toBe('expired');
  });

  test('nothing ever read: no result', () => {
    const neverRead = foldObservation(undefined, { ...ACM, result: { ...unreachable(), target: ARN } }, DEFAULT_POLICY, at(0)).state;
    expect(resultFromLastReading(neverRead, CHECK_DEFAULTS, at(1))).toBeNull();
  });
});
