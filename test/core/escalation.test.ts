import {
  acknowledge,
  acknowledgeAlert,
  AcknowledgementError,
  HISTORY_LIMIT,
  markPublished,
  notificationId,
  observe,
  SENT_LIMIT,
} from '../../functions/core/escalation';
import { DETAIL_LIMITS } from '../../functions/core/safe-text';
import { DEFAULT_POLICY, type EscalationPolicy } from '../../functions/core/escalation-policy';
import type { WatchState } from '../../functions/core/watch-state';
import { at, DAY, HOUR, leaf, served, series, T0, TARGET, unreachable, Watcher } from './escalation-harness';

const OWNERS = 'owners';
const BOTH = 'owners+oncall';

/** A 398-day certificate issued at T0: notice from day 353, warning 368, urgent 384, critical 395, expired 398. */
const long = leaf('AA:01', T0, 398);
const serveLong = (now: Date) => served([long], now);

function currentState(watcher: Watcher): WatchState {
  if (!watcher.state) throw new Error('no run yet');
  return watcher.state;
}

describe('a whole certificate life, never renewed', () => {
  test('hourly runs over a 90-day certificate: exact sequence of notices', () => {
    const cert = leaf('AA:90', T0, 90);
    const watcher = new Watcher();
    const deliveries = watcher.runEvery(1, T0, at(92), (now) => served([cert], now));
    // The 30% lifetime cap puts notice and warning at 27 days before expiry (day 63): warning wins.
    expect(deliveries).toEqual([
      ...series(at(63), 72, 5, 'expiry', 'warning', OWNERS), // 63, 66, 69, 72, 75
      ...series(at(76), 24, 11, 'expiry', 'urgent', BOTH), // 76 .. 86
      ...series(at(87), 6, 12, 'expiry', 'critical', BOTH), // 87d .. 89d18h
      ...series(at(90), 12, 4, 'expiry', 'expired', BOTH), // 90d .. 91d12h
    ]);
  });

  test('six-hourly runs (off the hour) over a 398-day certificate: exact sequence of notices', () => {
    const watcher = new Watcher();
    const deliveries = watcher.runEvery(6, at(0, 2), at(400), serveLong);
    expect(deliveries).toEqual([
      ...series(at(353, 2), 7 * 24, 3, 'expiry', 'notice', OWNERS), // 353d2h, 360d2h, 367d2h
      ...series(at(368, 2), 72, 6, 'expiry', 'warning', OWNERS), // 368d2h .. 383d2h
      ...series(at(384, 2), 24, 11, 'expiry', 'urgent', BOTH), // 384d2h .. 394d2h
      ...series(at(395, 2), 6, 12, 'expiry', 'critical', BOTH), // 395d2h .. 397d20h
      ...series(at(398, 2), 12, 4, 'expiry', 'expired', BOTH), // 398d2h .. 399d14h
    ]);
  });

  test('stage changes, first sighting and notices are in the history, in order', () => {
    const watcher = new Watcher();
    watcher.runEvery(24, at(352), at(354), serveLong);
    expect(currentState(watcher).history.map((entry) => [entry.event, entry.detail])).toEqual([
      ['first-seen', `CN=shop.example (AA:01) expires ${long.notAfter}`],
      ['stage-changed', 'none -> notice (45.0 days left)'],
      ['notified', 'expiry notice to owners (message message-1)'],
    ]);
    expect(currentState(watcher).expiry).toMatchObject({ stage: 'notice', stageEnteredAt: at(353).toISOString(), lastNotifiedAt: at(353).toISOString(), audiencesTold: ['owners'] });
  });
});

describe('missed runs: thresholds are crossed, not matched (Lemur #3853)', () => {
  test('a run that skips day 30 still warns at the next run', () => {
    const watcher = new Watcher();
    watcher.runEvery(24, at(352), at(368), serveLong); // down to 31 days left
    const afterGap = watcher.run(at(369), serveLong(at(369))); // 29 days left: day 30 was missed
    expect(afterGap.map((n) => [n.kind, n.stage])).toEqual([['expiry', 'warning']]);
  });

  test('a jump from 40 to 2 days left fires only `critical`: no catch-up burst for skipped stages', () => {
    const watcher = new Watcher();
    watcher.run(at(358), serveLong(at(358)));
    watcher.run(at(396), serveLong(at(396)));
    expect(watcher.deliveries).toEqual([
      ['358d', 'expiry', 'notice', OWNERS],
      ['396d', 'expiry', 'critical', BOTH],
    ]);
  });

  test('a certificate first watched already inside a stage notifies at once', () => {
    const watcher = new Watcher();
    expect(watcher.run(at(390), serveLong(at(390))).map((n) => n.stage)).toEqual(['urgent']);
  });

  test('after a gap of missed repeats, one notice (not one per missed repeat)', () => {
    const watcher = new Watcher();
    watcher.run(at(384), serveLong(at(384))); // urgent, repeats daily
    watcher.run(at(389, 12), serveLong(at(389, 12))); // five days of runs lost
    watcher.run(at(390), serveLong(at(390)));
    expect(watcher.deliveries).toEqual([
      ['384d', 'expiry', 'urgent', BOTH],
      ['389d12h', 'expiry', 'urgent', BOTH],
    ]);
  });

  test('a repeat a few seconds short of its interval (schedule jitter) is still due; an hour short is not', () => {
    const watcher = new Watcher();
    watcher.run(at(384), serveLong(at(384)));
    expect(watcher.run(at(385, -1), serveLong(at(385, -1)))).toEqual([]);
    const jittered = new Date(at(385).getTime() - 30_000);
    expect(watcher.run(jittered, serveLong(jittered)).map((n) => n.stage)).toEqual(['urgent']);
  });
});

describe('at least once, never twice', () => {
  test('a duplicated run (same now) plans nothing and changes nothing', () => {
    const watcher = new Watcher();
    watcher.run(at(384), serveLong(at(384)));
    const before = currentState(watcher);
    const duplicate = observe(before, { ...TARGET, result: serveLong(at(384)) }, DEFAULT_POLICY, at(384));
    expect(duplicate.planned).toEqual([]);
    expect(duplicate.state).toBe(before);
  });

  test('an older observation (a slow concurrent run) is ignored', () => {
    const watcher = new Watcher();
    watcher.run(at(384), serveLong(at(384)));
    const before = currentState(watcher);
    expect(observe(before, { ...TARGET, result: unreachable() }, DEFAULT_POLICY, at(383)).state).toBe(before);
  });

  test('a run retried after the store failed to save decides the same notification ids', () => {
    const first = observe(undefined, { ...TARGET, result: serveLong(at(384)) }, DEFAULT_POLICY, at(384));
    const retry = observe(undefined, { ...TARGET, result: serveLong(at(384)) }, DEFAULT_POLICY, at(384));
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

  test('markPublished of a notification no longer pending changes nothing', () => {
    const watcher = new Watcher();
    const [decided] = watcher.run(at(384), serveLong(at(384)));
    const state = currentState(watcher);
    expect(markPublished(state, decided.id, 'again', at(384))).toBe(state);
    expect(markPublished(state, 'unknown', null, at(384))).toBe(state);
  });

  test('markPublished records the audiences told, the message id and a history entry; observe leaves version alone', () => {
    const { state } = observe(undefined, { ...TARGET, result: serveLong(at(384)) }, DEFAULT_POLICY, at(384));
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

  test('sent notices and history stay bounded', () => {
    const watcher = new Watcher();
    watcher.runEvery(6, at(395), at(440), serveLong); // critical then expired: ~100 notices
    expect(watcher.deliveries.length).toBeGreaterThan(SENT_LIMIT + 20);
    expect(currentState(watcher).sent).toHaveLength(SENT_LIMIT);
    expect(currentState(watcher).history).toHaveLength(HISTORY_LIMIT);
    expect(currentState(watcher).sent.at(-1)?.sentAt).toBe(at(439, 12).toISOString());
  });

  test('a state cannot take another certificate\'s observation', () => {
    const { state } = observe(undefined, { ...TARGET, result: serveLong(at(1)) }, DEFAULT_POLICY, at(1));
    expect(() => observe(state, { ...TARGET, certificateId: 'tls:other:443', result: serveLong(at(2)) }, DEFAULT_POLICY, at(2))).toThrow('cannot take an observation of tls:other:443');
  });
});

describe('acknowledgement', () => {
  test('silences the current stage; the next stage still fires, with its own repeats', () => {
    const watcher = new Watcher();
    watcher.run(at(368), serveLong(at(368)));
    watcher.state = acknowledge(currentState(watcher), { at: at(368, 1), note: 'renewal ticket OPS-42' });
    watcher.runEvery(24, at(369), at(386), serveLong);
    expect(watcher.deliveries).toEqual([
      ['368d', 'expiry', 'warning', OWNERS],
      ['384d', 'expiry', 'urgent', BOTH],
      ['385d', 'expiry', 'urgent', BOTH],
    ]);
    expect(currentState(watcher).acknowledgement).toBeNull();
  });

  test('records who acknowledged what, and drops that stage\'s pending notice', () => {
    const watcher = new Watcher();
    watcher.run(at(368), serveLong(at(368)), { snsUp: false });
    const acked = acknowledge(currentState(watcher), { at: at(368, 1), note: 'on it' });
    expect(acked.pending).toEqual([]);
    expect(acked.acknowledgement).toEqual({ stage: 'warning', at: at(368, 1).toISOString(), until: null, note: 'on it', fingerprintSha256: 'AA:01' });
    expect(acked.history.at(-1)).toMatchObject({ event: 'acknowledged', detail: 'warning until the stage changes: on it' });
  });

  test('`until` snoozes: silent until then, then the repeats resume', () => {
    const watcher = new Watcher();
    watcher.run(at(384), serveLong(at(384)));
    watcher.state = acknowledge(currentState(watcher), { at: at(384, 1), until: at(387, 12) });
    watcher.runEvery(6, at(384, 6), at(389), serveLong);
    expect(watcher.deliveries).toEqual([
      ['384d', 'expiry', 'urgent', BOTH],
      ['387d12h', 'expiry', 'urgent', BOTH],
      ['388d12h', 'expiry', 'urgent', BOTH],
    ]);
  });

  test('a replacement certificate clears the acknowledgement', () => {
    const watcher = new Watcher();
    watcher.run(at(384), serveLong(at(384)));
    watcher.state = acknowledge(currentState(watcher), { at: at(384, 1) });
    const badRenewal = leaf('BB:02', at(200), 195); // replaced by one that is urgent too: 10 days left
    expect(watcher.run(at(385), served([badRenewal], at(385))).map((n) => n.stage)).toEqual(['urgent']);
    expect(currentState(watcher).acknowledgement).toBeNull();
  });

  test('nothing to acknowledge outside every stage and without a probe failure: a typed error that says so', () => {
    const { state } = observe(undefined, { ...TARGET, result: serveLong(at(10)) }, DEFAULT_POLICY, at(10));
    expect(() => acknowledge(state, { at: at(10) })).toThrow(AcknowledgementError);
    expect(() => acknowledge(state, { at: at(10) })).toThrow('tls:shop.example:443 is not in any escalation stage, has no active probe-failure alert and is not served with a certificate clients reject: there is nothing to acknowledge');
  });

  test('acknowledgeAlert tells which alert it chose and what it recorded; acknowledge returns the same state', () => {
    const watcher = new Watcher();
    watcher.run(at(385), serveLong(at(385))); // urgent
    watcher.runEvery(12, at(385, 12), at(387), () => unreachable()); // error alert too
    const request = { at: at(386, 13), note: 'OPS-9' };
    const byDefault = acknowledgeAlert(currentState(watcher), request);
    expect(byDefault.alert).toBe('expiry');
    expect(byDefault.acknowledgement).toEqual({ stage: 'urgent', at: at(386, 13).toISOString(), until: null, note: 'OPS-9', fingerprintSha256: 'AA:01' });
    expect(byDefault.state.acknowledgement).toBe(byDefault.acknowledgement);
    expect(acknowledge(currentState(watcher), request)).toEqual(byDefault.state);
    const error = acknowledgeAlert(currentState(watcher), { ...request, alert: 'error' });
    expect(error.alert).toBe('error');
    expect(error.state.errorAlert.acknowledgement).toBe(error.acknowledgement);
  });

  test('with no stage, acknowledgeAlert picks the active error alert', () => {
    const watcher = new Watcher();
    watcher.run(at(10), serveLong(at(10)));
    watcher.runEvery(6, at(10, 6), at(11), () => unreachable());
    expect(acknowledgeAlert(currentState(watcher), { at: at(11) })).toMatchObject({ alert: 'error', acknowledgement: { stage: 'error', fingerprintSha256: null } });
  });

  test('a snooze must end after it starts', () => {
    const { state } = observe(undefined, { ...TARGET, result: serveLong(at(384)) }, DEFAULT_POLICY, at(384));
    try {
      acknowledge(state, { at: at(384), until: at(383) });
      throw new Error('expected an AcknowledgementError');
    } catch (error) {
      expect(error).toBeInstanceOf(AcknowledgementError);
      expect((error as AcknowledgementError).reason).toBe('UNTIL_NOT_AFTER_AT');
    }
  });
});

describe('replacement and recovery', () => {
  test('a renewal outside every stage sends one recovery to every audience told, then silence', () => {
    const watcher = new Watcher();
    watcher.run(at(383), serveLong(at(383))); // warning: owners
    watcher.run(at(384), serveLong(at(384))); // urgent: owners + oncall
    const renewed = leaf('CC:03', at(384, 6), 398);
    watcher.runEvery(6, at(384, 12), at(390), (now) => served([renewed], now));
    expect(watcher.deliveries).toEqual([
      ['383d', 'expiry', 'warning', OWNERS],
      ['384d', 'expiry', 'urgent', BOTH],
      ['384d12h', 'recovery', 'urgent', BOTH],
    ]);
    const state = currentState(watcher);
    expect(state.expiry).toEqual({ stage: null, stageEnteredAt: null, lastNotifiedAt: null, audiencesTold: [] });
    expect(state.certificate).toMatchObject({ fingerprintSha256: 'CC:03', firstSeenAt: at(384, 12).toISOString() });
    expect(state.history.map((entry) => entry.event)).toContain('replaced');
  });

  test('nobody told, nobody gets a recovery (an undelivered notice is simply dropped)', () => {
    const watcher = new Watcher();
    watcher.run(at(384), serveLong(at(384)), { snsUp: false });
    const renewed = leaf('CC:03', at(384), 398);
    expect(watcher.run(at(385), served([renewed], at(385)))).toEqual([]);
    expect(currentState(watcher).pending).toEqual([]);
    expect(watcher.deliveries).toEqual([]);
  });

  test('a replacement still inside a stage notifies at once for the new certificate, without a recovery', () => {
    const watcher = new Watcher();
    watcher.run(at(396), serveLong(at(396))); // critical
    const shortRenewal = leaf('DD:04', at(300), 106); // 9.9 days left: urgent
    watcher.run(at(396, 2), served([shortRenewal], at(396, 2)));
    expect(watcher.deliveries).toEqual([
      ['396d', 'expiry', 'critical', BOTH],
      ['396d2h', 'expiry', 'urgent', BOTH],
    ]);
  });

  test('an expiring intermediate replaced behind the same leaf also recovers', () => {
    const watcher = new Watcher();
    const intermediate = leaf('II:01', at(-1000), 1012, { subject: 'CN=Test CA', issuer: 'CN=Root' }); // expires day 12
    const newIntermediate = leaf('II:02', at(0), 2000, { subject: 'CN=Test CA', issuer: 'CN=Root' });
    watcher.run(at(8), served([long, intermediate], at(8)));
    watcher.run(at(8, 6), served([long, newIntermediate], at(8, 6)));
    expect(watcher.deliveries).toEqual([
      ['8d', 'expiry', 'urgent', BOTH],
      ['8d6h', 'recovery', 'urgent', BOTH],
    ]);
  });
});

describe('a replacement that clients refuse (a broken renewal)', () => {
  const brokenRenewal = leaf('EE:05', at(384, 6), 398);

  test('the expiry recovery still goes to everyone told, marked as a replacement and carrying the new problems', () => {
    const watcher = new Watcher();
    watcher.run(at(384), serveLong(at(384))); // urgent: owners + oncall
    const [recovery] = watcher.run(at(384, 12), served([brokenRenewal], at(384, 12), { chainProblem: 'INCOMPLETE_CHAIN', chainProblemDetail: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }));
    expect(recovery).toMatchObject({ kind: 'recovery', stage: 'urgent', audiences: ['owners', 'oncall'], status: 'critical', replaced: true });
    expect(recovery.certificate?.findings.map((finding) => [finding.code, finding.severity])).toEqual([['INCOMPLETE_CHAIN', 'critical']]);
    expect(recovery.stageNow).toBeUndefined();
  });

  test('a recovery without a replacement (the policy changed) is not marked as one', () => {
    const watcher = new Watcher();
    watcher.run(at(384), serveLong(at(384)));
    const relaxed: EscalationPolicy = { ...DEFAULT_POLICY, stages: DEFAULT_POLICY.stages.filter((stage) => stage.name === 'expired') };
    const { planned } = observe(currentState(watcher), { ...TARGET, result: serveLong(at(384, 6)) }, relaxed, at(384, 6));
    expect(planned.map((n) => [n.kind, n.stage, n.replaced, n.stageNow])).toEqual([['recovery', 'urgent', undefined, undefined]]);
  });
});

describe('de-escalation: moving down to a stage that notifies fewer audiences', () => {
  /** Issued long ago and redeployed: 44 days left at day 396, inside `notice` (owners only). */
  const staleReplacement = leaf('DD:05', at(290), 150);

  test('critical -> notice after a replacement: oncall hears once that it eased, owners get the notice, then only owners', () => {
    const watcher = new Watcher();
    watcher.run(at(395, 12), serveLong(at(395, 12))); // critical: owners + oncall
    const [eased, notice] = watcher.run(at(396), served([staleReplacement], at(396)));
    expect(eased).toMatchObject({ kind: 'recovery', stage: 'critical', audiences: ['oncall'], stageNow: 'notice', replaced: true });
    expect(notice).toMatchObject({ kind: 'expiry', stage: 'notice', audiences: ['owners'] });
    expect(currentState(watcher).expiry).toMatchObject({ stage: 'notice', audiencesTold: ['owners'] });

    const renewed = leaf('CC:06', at(410), 398);
    watcher.runEvery(24, at(397), at(412), (now) => served([now < at(410) ? staleReplacement : renewed].flat(), now));
    expect(watcher.deliveries).toEqual([
      ['395d12h', 'expiry', 'critical', BOTH],
      ['396d', 'recovery', 'critical', 'oncall'],
      ['396d', 'expiry', 'notice', OWNERS],
      ['403d', 'expiry', 'notice', OWNERS],
      ['410d', 'recovery', 'notice', OWNERS], // the final recovery only to those still involved
    ]);
  });

  test('a policy change that moves a certificate down lets go of the audiences the lower stage does not notify', () => {
    const before: EscalationPolicy = {
      ...DEFAULT_POLICY,
      stages: [
        { name: 'notice', daysBefore: 45, notify: ['owners'], repeatEveryMs: 7 * DAY },
        { name: 'critical', daysBefore: 5, notify: ['owners', 'oncall'], repeatEveryMs: 6 * HOUR },
      ],
    };
    const after: EscalationPolicy = { ...before, stages: [before.stages[0], { ...before.stages[1], daysBefore: 1 }] };
    const watcher = new Watcher(before);
    watcher.run(at(394), serveLong(at(394))); // 4 days left: critical
    const { state, planned } = observe(currentState(watcher), { ...TARGET, result: serveLong(at(394, 1)) }, after, at(394, 1));
    expect(planned.map((n) => [n.kind, n.stage, n.audiences.join('+'), n.stageNow])).toEqual([
      ['recovery', 'critical', 'oncall', 'notice'],
      ['expiry', 'notice', OWNERS, undefined],
    ]);
    expect(state.expiry.audiencesTold).toEqual(['owners']);
  });

  test('moving up sends no recovery, and an audience whose notice was never delivered gets none', () => {
    const watcher = new Watcher();
    watcher.run(at(383), serveLong(at(383))); // warning: owners, delivered
    watcher.run(at(395, 12), serveLong(at(395, 12)), { snsUp: false }); // critical, undelivered
    watcher.run(at(396), served([staleReplacement], at(396)));
    expect(watcher.deliveries).toEqual([
      ['383d', 'expiry', 'warning', OWNERS],
      ['396d', 'expiry', 'notice', OWNERS],
    ]);
  });
});

describe('a certificate seen again unchanged is stored unchanged', () => {
  test('consecutive days inside the warning stage with no notice due: the same state apart from lastCheckedAt', () => {
    const watcher = new Watcher();
    watcher.run(at(369), serveLong(at(369))); // warning (29 days left), notified; next repeat due at day 372
    const dayOne = currentState(watcher);
    expect(dayOne.certificate?.findings.map((finding) => finding.code)).toEqual(['RENEWAL_OVERDUE']); // not EXPIRES_SOON
    for (const day of [370, 371]) {
      const { state, planned } = observe(currentState(watcher), { ...TARGET, result: serveLong(at(day)) }, DEFAULT_POLICY, at(day));
      expect(planned).toEqual([]);
      expect(state).toEqual({ ...dayOne, lastCheckedAt: at(day).toISOString() });
      watcher.state = state;
    }
  });

  test('EXPIRES_SOON and EXPIRED are not stored; the certificate\'s own findings are', () => {
    const weak = leaf('WK:01', T0, 398, { keyAlgorithm: 'RSA', keySize: 1024 });
    const { state } = observe(undefined, { ...TARGET, result: served([weak], at(399)) }, DEFAULT_POLICY, at(399));
    expect(served([weak], at(399)).findings.map((finding) => finding.code)).toEqual(['EXPIRED', 'WEAK_KEY']);
    expect(state.certificate?.findings.map((finding) => finding.code)).toEqual(['WEAK_KEY', 'RENEWAL_OVERDUE']);
  });

  test('a state stored with day-counted findings is cleaned on its next observation, also while the probe fails', () => {
    const { state } = observe(undefined, { ...TARGET, result: serveLong(at(380)) }, DEFAULT_POLICY, at(380));
    const legacy: WatchState = { ...state, certificate: state.certificate && { ...state.certificate, findings: serveLong(at(380)).findings } };
    expect(legacy.certificate?.findings.map((finding) => finding.code)).toEqual(['EXPIRES_SOON']);
    const next = observe(legacy, { ...TARGET, result: unreachable() }, DEFAULT_POLICY, at(380, 1)).state;
    expect(next.certificate?.findings.map((finding) => finding.code)).toEqual(['RENEWAL_OVERDUE']);
  });
});

describe('stored certificate data is bounded', () => {
  const names = Array.from({ length: 5000 }, (_, index) => `tenant-${String(index).padStart(4, '0')}.customers.shop.example`);
  const huge = leaf('BIG:01', T0, 398, { sans: names });
  /** Node's mismatch message quotes every SAN. */
  const mismatch = `"shop.example" is not in the certificate's names: ${names.map((name) => `DNS:${name}`).join(', ')}`;

  test('a 5000-SAN certificate keeps 100 SANs and their count, and the state stays well under 400 KB', () => {
    const watcher = new Watcher();
    // Undelivered notices pile up copies of the certificate in the outbox: expiry, the invalid alert (the name does
    // not match), then the error alert.
    watcher.run(at(396), served([huge], at(396), { hostnameMismatch: mismatch }), { snsUp: false });
    for (const hour of [1, 2, 3]) watcher.run(at(396, hour), unreachable(), { snsUp: false });
    const state = currentState(watcher);
    expect(state.certificate?.sans).toEqual(names.slice(0, DETAIL_LIMITS.sans));
    expect(state.certificate?.sanCount).toBe(5000);
    expect(state.certificate?.chain[0]).toMatchObject({ sans: names.slice(0, DETAIL_LIMITS.sans), sanCount: 5000 });
    expect(state.pending.map((n) => [n.kind, n.stage])).toEqual([['expiry', 'critical'], ['error', 'invalid'], ['error', 'error']]);
    expect(state.pending.every((n) => n.certificate?.sans.length === DETAIL_LIMITS.sans)).toBe(true);
    const mismatchFinding = state.certificate?.findings.find((finding) => finding.code === 'HOSTNAME_MISMATCH');
    expect(mismatchFinding?.message.length).toBeLessThanOrEqual(300);
    expect(mismatchFinding?.message.startsWith('"shop.example" is not in the certificate\'s names: DNS:tenant-0000')).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(state))).toBeLessThan(60_000);
  });

  test('long SANs are kept within a character budget, each clipped, and counted', () => {
    const long = Array.from({ length: 150 }, (_, index) => `${String(index).padStart(3, '0')}${'x'.repeat(250)}.example`);
    const { state } = observe(undefined, { ...TARGET, result: served([leaf('BIG:02', T0, 398, { sans: long })], at(10)) }, DEFAULT_POLICY, at(10));
    const sans = state.certificate?.sans ?? [];
    expect(sans.length).toBeLessThan(DETAIL_LIMITS.sans);
    expect(sans.join('').length).toBeLessThanOrEqual(4_000);
    expect(sans.every((name) => name.length <= 300)).toBe(true);
    expect(state.certificate?.sanCount).toBe(150);
  });

  test('a certificate with few SANs is stored as served, without a count', () => {
    const { state } = observe(undefined, { ...TARGET, result: serveLong(at(10)) }, DEFAULT_POLICY, at(10));
    expect(state.certificate?.sans).toEqual(['shop.example']);
    expect(state.certificate && 'sanCount' in state.certificate).toBe(false);
    expect(state.certificate?.chain).toEqual([long]);
  });

  test('a long served chain is cut, keeping the certificate whose notAfter governs', () => {
    const filler = Array.from({ length: 20 }, (_, index) => leaf(`CA:${index}`, T0, 2000, { subject: `CN=CA ${index}` }));
    const expiringLast = leaf('CA:late', T0, 20, { subject: 'CN=expires first' });
    const { state } = observe(undefined, { ...TARGET, result: served([long, ...filler, expiringLast], at(10)) }, DEFAULT_POLICY, at(10));
    const chain = state.certificate?.chain ?? [];
    expect(chain).toHaveLength(10);
    expect(chain[0].fingerprintSha256).toBe('AA:01');
    expect(chain.at(-1)?.subject).toBe('CN=expires first');
    expect(state.certificate?.notAfter).toBe(expiringLast.notAfter);
  });

  test('findings are kept up to a limit, the critical ones first', () => {
    const weakChain = Array.from({ length: 40 }, (_, index) => leaf(`W:${index}`, T0, 2000, { subject: `CN=weak ${index}`, keyAlgorithm: 'RSA', keySize: 1024 }));
    const result = served([long, ...weakChain], at(10), { chainProblem: 'UNTRUSTED_ROOT', chainProblemDetail: null });
    const { state } = observe(undefined, { ...TARGET, result }, DEFAULT_POLICY, at(10));
    expect(result.findings.length).toBeGreaterThan(40);
    expect(state.certificate?.findings).toHaveLength(30);
    expect(state.certificate?.findings[0].code).toBe('UNTRUSTED_ROOT');
  });

  test('a state stored before the bounds is bounded on its next observation, even while the probe fails', () => {
    const { state } = observe(undefined, { ...TARGET, result: serveLong(at(10)) }, DEFAULT_POLICY, at(10));
    const legacy: WatchState = { ...state, certificate: state.certificate && { ...state.certificate, sans: names, chain: [huge] } };
    const next = observe(legacy, { ...TARGET, result: unreachable() }, DEFAULT_POLICY, at(10, 1)).state;
    expect(next.certificate?.sans).toHaveLength(DETAIL_LIMITS.sans);
    expect(next.certificate?.sanCount).toBe(5000);
    expect(next.certificate?.chain[0].sans).toHaveLength(DETAIL_LIMITS.sans);
  });

  test('a probe error message is clipped where it is stored', () => {
    const verbose = { ...unreachable(), error: { code: 'TLS_HANDSHAKE_FAILED' as const, message: 'alert '.repeat(10_000) } };
    const { state } = observe(undefined, { ...TARGET, result: verbose }, DEFAULT_POLICY, at(10));
    expect(state.lastError?.message.length).toBeLessThanOrEqual(300);
    expect(state.history.at(-1)?.detail.length).toBeLessThan(400);
  });
});

describe('probe failures', () => {
  test('an error alert after 3 consecutive failed runs, repeated daily, recovered when the endpoint answers', () => {
    const watcher = new Watcher();
    watcher.run(at(10), serveLong(at(10)));
    watcher.runEvery(6, at(10, 6), at(12, 6), () => unreachable());
    watcher.run(at(12, 6), serveLong(at(12, 6)));
    watcher.run(at(12, 12), serveLong(at(12, 12)));
    expect(watcher.deliveries).toEqual([
      ['10d18h', 'error', 'error', OWNERS], // 3rd failed run
      ['11d18h', 'error', 'error', OWNERS],
      ['12d6h', 'recovery', 'error', OWNERS],
    ]);
    const state = currentState(watcher);
    expect(state.errorAlert).toEqual({ active: false, lastNotifiedAt: null, audiencesTold: [] });
    expect(state.consecutiveFailures).toBe(0);
    expect(state.lastError).toBeNull();
    expect(state.history.map((entry) => entry.event)).toEqual(expect.arrayContaining(['probe-failing', 'probe-recovered']));
  });

  test('two failures then an answer: no alert, no recovery', () => {
    const watcher = new Watcher();
    watcher.run(at(10), serveLong(at(10)));
    watcher.run(at(10, 1), unreachable());
    watcher.run(at(10, 2), unreachable('CONNECTION_REFUSED'));
    expect(currentState(watcher)).toMatchObject({ status: 'error', consecutiveFailures: 2, lastError: { code: 'CONNECTION_REFUSED' } });
    watcher.run(at(10, 3), serveLong(at(10, 3)));
    expect(watcher.deliveries).toEqual([]);
  });

  test('the failure count and audiences follow the policy', () => {
    const policy: EscalationPolicy = { ...DEFAULT_POLICY, errorAfterFailures: 1, errorNotify: ['oncall'], errorRepeatEveryMs: 2 * HOUR };
    const watcher = new Watcher(policy);
    watcher.runEvery(1, at(10), at(10, 4), () => unreachable());
    expect(watcher.deliveries).toEqual(series(at(10), 2, 2, 'error', 'error', 'oncall'));
  });

  test('an error alert never delivered is dropped on recovery, with no recovery notice', () => {
    const watcher = new Watcher();
    watcher.run(at(10), serveLong(at(10)));
    for (const hour of [1, 2, 3]) watcher.run(at(10, hour), unreachable(), { snsUp: false });
    expect(currentState(watcher).pending.map((n) => n.kind)).toEqual(['error']);
    watcher.run(at(10, 4), serveLong(at(10, 4)));
    expect(currentState(watcher).pending).toEqual([]);
    expect(watcher.deliveries).toEqual([]);
  });

  test('an unreachable certificate keeps escalating from its last known notAfter, and is never forgotten', () => {
    const watcher = new Watcher();
    watcher.run(at(392), serveLong(at(392))); // urgent, 6 days left
    const deliveries = watcher.runEvery(12, at(392, 12), at(399), () => unreachable());
    // Failures at 392d12h, 393d, 393d12h (the third: error alert), then daily; expiry goes on regardless.
    expect(deliveries).toEqual([
      ['393d', 'expiry', 'urgent', BOTH],
      ['393d12h', 'error', 'error', OWNERS],
      ['394d', 'expiry', 'urgent', BOTH],
      ['394d12h', 'error', 'error', OWNERS],
      ['395d', 'expiry', 'critical', BOTH],
      ['395d12h', 'expiry', 'critical', BOTH],
      ['395d12h', 'error', 'error', OWNERS],
      ['396d', 'expiry', 'critical', BOTH],
      ['396d12h', 'expiry', 'critical', BOTH],
      ['396d12h', 'error', 'error', OWNERS],
      ['397d', 'expiry', 'critical', BOTH],
      ['397d12h', 'expiry', 'critical', BOTH],
      ['397d12h', 'error', 'error', OWNERS],
      ['398d', 'expiry', 'expired', BOTH],
      ['398d12h', 'expiry', 'expired', BOTH],
      ['398d12h', 'error', 'error', OWNERS],
    ]);
    const state = currentState(watcher);
    expect(state.certificate?.fingerprintSha256).toBe('AA:01');
    expect(state.status).toBe('error');
    expect(state.expiry.stage).toBe('expired');
  });

  test('an error notice carries the error and the last known certificate', () => {
    const watcher = new Watcher();
    watcher.run(at(10), serveLong(at(10)));
    watcher.run(at(10, 1), unreachable());
    watcher.run(at(10, 2), unreachable());
    const [alert] = watcher.run(at(10, 3), unreachable());
    expect(alert).toMatchObject({
      kind: 'error',
      stage: 'error',
      audiences: ['owners'],
      status: 'error',
      consecutiveFailures: 3,
      daysRemaining: 387,
      error: { code: 'TIMEOUT' },
      certificate: { fingerprintSha256: 'AA:01' },
      owner: 'payments',
      target: 'shop.example:443',
    });
  });

  test('a target that never answered has no certificate, only error alerts', () => {
    const watcher = new Watcher();
    watcher.runEvery(1, at(0), at(0, 3), () => unreachable());
    expect(currentState(watcher)).toMatchObject({ certificate: null, expiry: { stage: null }, consecutiveFailures: 3 });
    expect(watcher.deliveries).toEqual([['0d2h', 'error', 'error', OWNERS]]);
  });
});

describe('CA/Browser Forum lifetimes with the default policy', () => {
  const lifetimes = [398, 200, 100, 47];

  test.each(lifetimes)('a %i-day certificate renewed on schedule (a day after two thirds) never alerts', (lifetime) => {
    const watcher = new Watcher();
    const renewEvery = (lifetime * 2) / 3 + 1;
    const serve = (now: Date) => {
      const generation = Math.floor((now.getTime() - T0.getTime()) / (renewEvery * DAY));
      const issuedAt = new Date(T0.getTime() + generation * renewEvery * DAY);
      return served([leaf(`GEN:${generation}`, issuedAt, lifetime)], now);
    };
    expect(watcher.runEvery(1, T0, at(lifetime * 3), serve)).toEqual([]);
    expect(currentState(watcher).history.filter((entry) => entry.event === 'replaced').length).toBeGreaterThanOrEqual(2);
  });

  test.each([
    [398, '353d', 'notice', OWNERS],
    [200, '155d', 'notice', OWNERS],
    [100, '70d', 'warning', OWNERS],
    [47, '32d22h', 'warning', OWNERS],
  ])('a %i-day certificate never renewed: first notice at %s (%s), nothing on day one', (lifetime, when, stage, audiences) => {
    const cert = leaf(`L:${lifetime}`, T0, lifetime);
    const watcher = new Watcher();
    expect(watcher.runEvery(1, T0, at(1), (now) => served([cert], now))).toEqual([]);
    const deliveries = watcher.runEvery(1, at(1), at(lifetime), (now) => served([cert], now));
    expect(deliveries[0]).toEqual([when, 'expiry', stage, audiences]);
  });

  test('RENEWAL_OVERDUE joins the known certificate\'s findings at two thirds of its lifetime, also while unreachable', () => {
    const cert = leaf('L:47', T0, 47);
    const watcher = new Watcher();
    watcher.run(at(31), served([cert], at(31)));
    expect(currentState(watcher).certificate?.findings.map((f) => f.code)).not.toContain('RENEWAL_OVERDUE');
    watcher.run(at(31, 8), served([cert], at(31, 8))); // 31.33 days = two thirds
    expect(currentState(watcher).certificate?.findings.map((f) => f.code)).toContain('RENEWAL_OVERDUE');
    watcher.run(at(32), unreachable());
    expect(currentState(watcher).certificate?.findings.filter((f) => f.code === 'RENEWAL_OVERDUE')).toHaveLength(1);
  });
});

describe('lifetimeFraction stages', () => {
  test('a stage set as a fraction of the lifetime fires at that point of any lifetime', () => {
    const policy: EscalationPolicy = {
      ...DEFAULT_POLICY,
      stages: [
        { name: 'renew-now', lifetimeFraction: 0.25, notify: ['owners'], repeatEveryMs: 2 * DAY },
        { name: 'expired', daysBefore: 0, notify: ['owners', 'oncall'], repeatEveryMs: DAY },
      ],
    };
    const short = leaf('F:48', T0, 48);
    const watcher = new Watcher(policy);
    expect(watcher.runEvery(6, T0, at(49), (now) => served([short], now))).toEqual([
      ...series(at(36), 48, 6, 'expiry', 'renew-now', OWNERS), // 25% of 48 days = 12 days left: day 36
      ['48d', 'expiry', 'expired', BOTH],
    ]);
  });
});

describe('what a notice says', () => {
  test('frozen at decision: kind, stage, audiences, days left, certificate, owner', () => {
    const [notice] = observe(undefined, { ...TARGET, result: serveLong(at(384, 12)) }, DEFAULT_POLICY, at(384, 12)).planned;
    expect(notice).toMatchObject({
      kind: 'expiry',
      stage: 'urgent',
      audiences: ['owners', 'oncall'],
      certificateId: 'tls:shop.example:443',
      decidedAt: at(384, 12).toISOString(),
      daysRemaining: 13,
      status: 'warning',
      error: null,
      consecutiveFailures: 0,
      certificate: { fingerprintSha256: 'AA:01', notAfter: long.notAfter },
    });
  });
});

describe('acknowledging a probe failure (the error alert)', () => {
  /** Answered at day 10 (no stage), then unreachable every 6 hours: the error alert fires at 10d18h. */
  function failingSinceDay10(options: { snsUp?: boolean } = {}): Watcher {
    const watcher = new Watcher();
    watcher.run(at(10), serveLong(at(10)));
    for (const hour of [6, 12, 18]) watcher.run(at(10, hour), unreachable(), options);
    return watcher;
  }

  test('silences the daily repeats until the probe answers; the recovery still reaches those told', () => {
    const watcher = failingSinceDay10();
    watcher.state = acknowledge(currentState(watcher), { at: at(10, 19), note: 'firewall change OPS-7' });
    watcher.runEvery(6, at(11), at(14), () => unreachable());
    watcher.run(at(14), serveLong(at(14)));
    expect(watcher.deliveries).toEqual([
      ['10d18h', 'error', 'error', OWNERS],
      ['14d', 'recovery', 'error', OWNERS],
    ]);
    expect(currentState(watcher).errorAlert).toEqual({ active: false, lastNotifiedAt: null, audiencesTold: [] });
  });

  test('records the acknowledgement on the error alert, not on the expiry slot', () => {
    const acked = acknowledge(currentState(failingSinceDay10()), { at: at(10, 19), note: 'on it' });
    expect(acked.errorAlert.acknowledgement).toEqual({ stage: 'error', at: at(10, 19).toISOString(), until: null, note: 'on it', fingerprintSha256: null });
    expect(acked.acknowledgement).toBeNull();
    expect(acked.history.at(-1)).toEqual({ at: at(10, 19).toISOString(), event: 'acknowledged', detail: 'error (probe failure) until the probe answers again: on it' });
  });

  test('drops the pending error notice; nobody was told, so the recovery is silent too', () => {
    const watcher = failingSinceDay10({ snsUp: false });
    expect(currentState(watcher).pending.map((n) => n.kind)).toEqual(['error']);
    watcher.state = acknowledge(currentState(watcher), { at: at(10, 19) });
    expect(currentState(watcher).pending).toEqual([]);
    watcher.runEvery(6, at(11), at(12), () => unreachable());
    watcher.run(at(12), serveLong(at(12)));
    expect(watcher.deliveries).toEqual([]);
  });

  test('`until` snoozes: silent until then, then the daily repeats resume', () => {
    const watcher = failingSinceDay10();
    watcher.state = acknowledge(currentState(watcher), { at: at(10, 19), until: at(12, 12) });
    expect(currentState(watcher).history.at(-1)?.detail).toBe(`error (probe failure) snoozed until ${at(12, 12).toISOString()}`);
    watcher.runEvery(6, at(11), at(14), () => unreachable());
    expect(watcher.deliveries).toEqual([
      ['10d18h', 'error', 'error', OWNERS],
      ['12d12h', 'error', 'error', OWNERS],
      ['13d12h', 'error', 'error', OWNERS],
    ]);
  });

  test('the probe answering again clears it: a new failure episode alerts again', () => {
    const watcher = failingSinceDay10();
    watcher.state = acknowledge(currentState(watcher), { at: at(10, 19) });
    watcher.run(at(11), serveLong(at(11)));
    expect(currentState(watcher).errorAlert.acknowledgement ?? null).toBeNull();
    watcher.runEvery(6, at(12), at(13, 18), () => unreachable());
    expect(watcher.deliveries).toEqual([
      ['10d18h', 'error', 'error', OWNERS],
      ['11d', 'recovery', 'error', OWNERS],
      ['12d12h', 'error', 'error', OWNERS], // third failure of the new episode
      ['13d12h', 'error', 'error', OWNERS],
    ]);
  });

  test('does not silence the expiry escalation of an unreachable certificate known to expire', () => {
    const watcher = new Watcher();
    watcher.run(at(392), serveLong(at(392))); // urgent, 6 days left
    watcher.runEvery(12, at(392, 12), at(393, 12), () => unreachable());
    watcher.run(at(393, 12), unreachable()); // third failure: error alert
    watcher.state = acknowledge(currentState(watcher), { at: at(393, 13), alert: 'error' });
    expect(currentState(watcher).acknowledgement).toBeNull();
    const deliveries = watcher.runEvery(12, at(394), at(396, 6), () => unreachable());
    expect(deliveries).toEqual([
      ['394d', 'expiry', 'urgent', BOTH],
      ['395d', 'expiry', 'critical', BOTH],
      ['395d12h', 'expiry', 'critical', BOTH],
      ['396d', 'expiry', 'critical', BOTH],
    ]);
  });

  test('by default a certificate inside a stage has its stage acknowledged, and the error alert keeps repeating', () => {
    const watcher = new Watcher();
    watcher.run(at(385), serveLong(at(385))); // urgent
    watcher.runEvery(12, at(385, 12), at(387), () => unreachable()); // error alert at 386d12h
    watcher.state = acknowledge(currentState(watcher), { at: at(386, 13) });
    expect(currentState(watcher).acknowledgement?.stage).toBe('urgent');
    expect(currentState(watcher).errorAlert.acknowledgement ?? null).toBeNull();
    expect(watcher.runEvery(12, at(387), at(388, 6), () => unreachable())).toEqual([['387d12h', 'error', 'error', OWNERS]]);
  });

  test('both alerts acknowledged: each keeps its own acknowledgement, and the next stage still fires', () => {
    const watcher = new Watcher();
    watcher.run(at(385), serveLong(at(385))); // urgent
    watcher.runEvery(12, at(385, 12), at(387), () => unreachable());
    watcher.state = acknowledge(currentState(watcher), { at: at(386, 13), alert: 'error' });
    watcher.state = acknowledge(currentState(watcher), { at: at(386, 14), alert: 'expiry' });
    expect(currentState(watcher)).toMatchObject({ acknowledgement: { stage: 'urgent' }, errorAlert: { acknowledgement: { stage: 'error' } } });
    expect(watcher.runEvery(12, at(387), at(395, 6), () => unreachable())).toEqual([['395d', 'expiry', 'critical', BOTH]]);
  });

  test('a state stored before error acknowledgements (no field, or null) alerts and can be acknowledged', () => {
    const stored = currentState(failingSinceDay10());
    expect('acknowledgement' in stored.errorAlert).toBe(false);
    for (const errorAlert of [stored.errorAlert, { ...stored.errorAlert, acknowledgement: null }]) {
      const watcher = new Watcher();
      watcher.state = { ...stored, errorAlert };
      expect(watcher.run(at(11, 18), unreachable()).map((n) => n.kind)).toEqual(['error']);
      watcher.state = acknowledge(currentState(watcher), { at: at(11, 19) });
      expect(watcher.run(at(12, 18), unreachable())).toEqual([]);
    }
  });

  test('nothing to acknowledge: a clear error for each alert asked for', () => {
    const notFailingYet = currentState(failingSinceDay10());
    const twoFailures = new Watcher();
    twoFailures.run(at(10), serveLong(at(10)));
    twoFailures.runEvery(1, at(10, 1), at(10, 3), () => unreachable());
    expect(() => acknowledge(currentState(twoFailures), { at: at(10, 3) })).toThrow('is not in any escalation stage, has no active probe-failure alert and is not served with a certificate clients reject: there is nothing to acknowledge');
    expect(() => acknowledge(notFailingYet, { at: at(10, 19), alert: 'expiry' })).toThrow('tls:shop.example:443 is not in any escalation stage: there is no expiry alert to acknowledge');
    const { state: inStage } = observe(undefined, { ...TARGET, result: serveLong(at(384)) }, DEFAULT_POLICY, at(384));
    try {
      acknowledge(inStage, { at: at(384), alert: 'error' });
      throw new Error('expected an AcknowledgementError');
    } catch (error) {
      expect(error).toBeInstanceOf(AcknowledgementError);
      expect(error).toMatchObject({ reason: 'NOTHING_TO_ACKNOWLEDGE', message: 'tls:shop.example:443 has no active probe-failure alert: there is no error alert to acknowledge' });
    }
  });

  test('a snooze of the error alert must end after it starts', () => {
    expect(() => acknowledge(currentState(failingSinceDay10()), { at: at(10, 19), until: at(10, 19) })).toThrow('must end after it starts');
  });
});

describe('a certificate clients reject (the invalid alert)', () => {
  /** Far from expiry (day 10 of 398): no expiry stage applies, so any notice is the invalid alert's. */
  const misnamed = leaf('BB:01', T0, 398, { sans: ['other.example'] });
  const mismatch = { hostnameMismatch: '"shop.example" is not in the certificate\'s names: DNS:other.example' };
  const serveMisnamed = (now: Date) => served([misnamed], now, mismatch);
  /** A good leaf served without its intermediate: fixed by sending the chain, with the same fingerprint. */
  const sameLeaf = leaf('BB:02', T0, 398);
  const serveIncomplete = (now: Date) => served([sameLeaf], now, { chainProblem: 'INCOMPLETE_CHAIN', chainProblemDetail: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  const serveFixed = (now: Date) => served([sameLeaf], now);
  const INACTIVE = { active: false, lastNotifiedAt: null, audiencesTold: [], acknowledgement: null };

  test('a first-seen broken certificate alerts at once: kind error, stage invalid, to errorNotify, not after errorAfterFailures', () => {
    const watcher = new Watcher();
    const [notice, ...others] = watcher.run(at(10), serveMisnamed(at(10)));
    expect(others).toEqual([]);
    expect(notice).toMatchObject({
      id: notificationId(TARGET.certificateId, 'error', 'invalid', at(10).toISOString()),
      kind: 'error',
      stage: 'invalid',
      audiences: ['owners'],
      status: 'critical',
      error: null,
      consecutiveFailures: 0,
      certificate: { fingerprintSha256: 'BB:01' },
    });
    expect(notice.certificate?.findings.map((finding) => finding.code)).toEqual(['HOSTNAME_MISMATCH']);
    const state = currentState(watcher);
    expect(state.invalidAlert).toEqual({ active: true, lastNotifiedAt: at(10).toISOString(), audiencesTold: ['owners'], acknowledgement: null });
    expect(state.errorAlert).toEqual({ active: false, lastNotifiedAt: null, audiencesTold: [] });
    expect(state.history.map((entry) => [entry.event, entry.detail])).toEqual([
      ['first-seen', `CN=shop.example (BB:01) expires ${misnamed.notAfter}`],
      ['invalid', 'clients reject BB:01: HOSTNAME_MISMATCH'],
      ['notified', 'error invalid to owners (message message-1)'],
    ]);
  });

  test.each([
    ['SELF_SIGNED', { chainProblem: 'SELF_SIGNED' as const }],
    ['UNTRUSTED_ROOT', { chainProblem: 'UNTRUSTED_ROOT' as const }],
    ['INCOMPLETE_CHAIN', { chainProblem: 'INCOMPLETE_CHAIN' as const }],
    ['CHAIN_INVALID', { chainProblem: 'CHAIN_INVALID' as const }],
    ['HOSTNAME_MISMATCH', mismatch],
  ])('%s triggers it', (code, seen) => {
    const { planned, state } = observe(undefined, { ...TARGET, result: served([long], at(10), seen) }, DEFAULT_POLICY, at(10));
    expect(planned.map((n) => [n.kind, n.stage])).toEqual([['error', 'invalid']]);
    expect(state.history.find((entry) => entry.event === 'invalid')?.detail).toBe(`clients reject AA:01: ${code}`);
  });

  test('NOT_YET_VALID triggers it', () => {
    const early = leaf('FF:01', at(12), 398); // deployed two days before its notBefore
    expect(observe(undefined, { ...TARGET, result: served([early], at(10)) }, DEFAULT_POLICY, at(10)).planned.map((n) => n.stage)).toEqual(['invalid']);
  });

  test('warnings (a weak key, an overdue renewal) and expiry alone do not: EXPIRED is the expiry stages\' business', () => {
    const weak = leaf('WK:01', T0, 398, { keyAlgorithm: 'RSA', keySize: 1024, signatureAlgorithm: 'sha1WithRSAEncryption' });
    const weakRun = observe(undefined, { ...TARGET, result: served([weak], at(300)) }, DEFAULT_POLICY, at(300));
    expect(weakRun.state.certificate?.findings.map((finding) => finding.code).sort()).toEqual(['RENEWAL_OVERDUE', 'WEAK_KEY', 'WEAK_SIGNATURE']);
    expect(weakRun.planned).toEqual([]);
    expect('invalidAlert' in weakRun.state).toBe(false);
    const expired = observe(undefined, { ...TARGET, result: serveLong(at(399)) }, DEFAULT_POLICY, at(399));
    expect(expired.planned.map((n) => [n.kind, n.stage])).toEqual([['expiry', 'expired']]);
  });

  test('repeats every errorRepeatEvery (daily by default) while it persists; a state seen again unchanged is stored unchanged', () => {
    const watcher = new Watcher();
    expect(watcher.runEvery(1, at(10), at(12, 12), serveMisnamed)).toEqual(series(at(10), 24, 3, 'error', 'invalid', OWNERS));
    const before = currentState(watcher);
    watcher.run(at(12, 12), serveMisnamed(at(12, 12))); // 12d was the last notice: none due
    expect({ ...currentState(watcher), lastCheckedAt: null, version: null }).toEqual({ ...before, lastCheckedAt: null, version: null });
  });

  test('follows errorNotify and errorRepeatEvery', () => {
    const watcher = new Watcher({ ...DEFAULT_POLICY, errorNotify: ['security'], errorRepeatEveryMs: 6 * HOUR });
    expect(watcher.runEvery(2, at(10), at(11), serveMisnamed)).toEqual(series(at(10), 6, 4, 'error', 'invalid', 'security'));
  });

  test('a duplicate run (same now) sends nothing new; a retried decision gets the same id', () => {
    const first = observe(undefined, { ...TARGET, result: serveMisnamed(at(10)) }, DEFAULT_POLICY, at(10));
    const retried = observe(undefined, { ...TARGET, result: serveMisnamed(at(10)) }, DEFAULT_POLICY, at(10));
    expect(retried.planned.map((n) => n.id)).toEqual(first.planned.map((n) => n.id));
    const duplicate = observe(first.state, { ...TARGET, result: serveMisnamed(at(10)) }, DEFAULT_POLICY, at(10));
    expect(duplicate.planned).toEqual([]);
    expect(duplicate.state).toBe(first.state);
  });

  test('fixed (the same leaf, now with its chain): one recovery to everyone told, then silence', () => {
    const watcher = new Watcher();
    watcher.runEvery(6, at(10), at(12, 6), serveIncomplete);
    watcher.runEvery(6, at(12, 6), at(15), serveFixed);
    expect(watcher.deliveries).toEqual([...series(at(10), 24, 3, 'error', 'invalid', OWNERS), ['12d6h', 'recovery', 'invalid', OWNERS]]);
    const state = currentState(watcher);
    expect(state.invalidAlert).toEqual(INACTIVE);
    expect(state.history.filter((entry) => entry.event === 'valid-again').map((entry) => entry.detail)).toEqual(['clients accept BB:02 again']);
  });

  test('replaced by a good certificate: the recovery, and no expiry notice (it is outside every stage)', () => {
    const watcher = new Watcher();
    watcher.run(at(10), serveMisnamed(at(10)));
    const [recovery, ...others] = watcher.run(at(10, 6), serveLong(at(10, 6)));
    expect(others).toEqual([]);
    expect(recovery).toMatchObject({ kind: 'recovery', stage: 'invalid', audiences: ['owners'], status: 'ok', certificate: { fingerprintSha256: 'AA:01', findings: [] } });
    expect(currentState(watcher).invalidAlert).toEqual(INACTIVE);
  });

  test('replaced by another broken certificate: still active, on the same cadence, and the next repeat describes the new one', () => {
    const watcher = new Watcher();
    watcher.run(at(10), serveMisnamed(at(10)));
    const selfSigned = leaf('BB:03', at(10), 398, { issuer: 'CN=shop.example', selfIssued: true });
    const serveSelfSigned = (now: Date) => served([selfSigned], now, { chainProblem: 'SELF_SIGNED' });
    expect(watcher.run(at(10, 6), serveSelfSigned(at(10, 6)))).toEqual([]);
    expect(currentState(watcher).invalidAlert).toMatchObject({ active: true, lastNotifiedAt: at(10).toISOString() });
    expect(watcher.runEvery(6, at(10, 12), at(11), serveSelfSigned)).toEqual([]);
    const [repeat] = watcher.run(at(11), serveSelfSigned(at(11)));
    expect(repeat).toMatchObject({ kind: 'error', stage: 'invalid', certificate: { fingerprintSha256: 'BB:03' } });
    expect(repeat.certificate?.findings.map((finding) => finding.code)).toEqual(['SELF_SIGNED']);
    expect(watcher.deliveries).toEqual([['10d', 'error', 'invalid', OWNERS], ['11d', 'error', 'invalid', OWNERS]]);
    expect(currentState(watcher).history.filter((entry) => entry.event === 'invalid')).toHaveLength(1);
  });

  test('probe failures in between neither repeat nor clear it: the error alert speaks, then the answer is judged', () => {
    const watcher = new Watcher();
    watcher.run(at(10), serveMisnamed(at(10)));
    watcher.runEvery(6, at(10, 6), at(13), () => unreachable());
    expect(currentState(watcher).invalidAlert).toMatchObject({ active: true, lastNotifiedAt: at(10).toISOString(), audiencesTold: ['owners'] });
    watcher.run(at(13), serveMisnamed(at(13))); // answers, still misnamed: due since day 11
    watcher.run(at(13, 6), serveLong(at(13, 6))); // answers with a good certificate
    expect(watcher.deliveries).toEqual([
      ['10d', 'error', 'invalid', OWNERS],
      ['10d18h', 'error', 'error', OWNERS], // third failure
      ['11d18h', 'error', 'error', OWNERS],
      ['12d18h', 'error', 'error', OWNERS],
      ['13d', 'recovery', 'error', OWNERS],
      ['13d', 'error', 'invalid', OWNERS],
      ['13d6h', 'recovery', 'invalid', OWNERS],
    ]);
  });

  test('a probe answering again with a good certificate closes both alerts at once', () => {
    const watcher = new Watcher();
    watcher.run(at(10), serveMisnamed(at(10)));
    watcher.runEvery(6, at(10, 6), at(11), () => unreachable());
    expect(watcher.run(at(11), serveLong(at(11))).map((n) => [n.kind, n.stage])).toEqual([['recovery', 'error'], ['recovery', 'invalid']]);
  });

  test('is independent of the expiry stages: a broken certificate 10 days from expiry gets the urgent notice and the invalid alert', () => {
    const expiring = leaf('CC:10', at(-388), 398); // expires at day 10
    const watcher = new Watcher();
    watcher.run(at(0), served([expiring], at(0), mismatch));
    expect(watcher.deliveries).toEqual([
      ['0d', 'expiry', 'urgent', BOTH],
      ['0d', 'error', 'invalid', OWNERS],
    ]);
    expect(currentState(watcher)).toMatchObject({ expiry: { stage: 'urgent', audiencesTold: ['owners', 'oncall'] }, invalidAlert: { active: true, audiencesTold: ['owners'] } });
  });

  test('an undelivered notice is dropped on recovery, with no recovery notice (nobody was told)', () => {
    const watcher = new Watcher();
    watcher.run(at(10), serveMisnamed(at(10)), { snsUp: false });
    expect(currentState(watcher).pending.map((n) => [n.kind, n.stage])).toEqual([['error', 'invalid']]);
    expect(watcher.run(at(10, 6), serveLong(at(10, 6)))).toEqual([]);
    expect(currentState(watcher).pending).toEqual([]);
    expect(watcher.deliveries).toEqual([]);
  });

  test('markPublished records who was told on the invalid alert, not on the probe-failure alert', () => {
    const { state } = observe(undefined, { ...TARGET, result: serveMisnamed(at(10)) }, DEFAULT_POLICY, at(10));
    const published = markPublished(state, state.pending[0].id, 'm-1', at(10));
    expect(published.invalidAlert?.audiencesTold).toEqual(['owners']);
    expect(published.errorAlert.audiencesTold).toEqual([]);
    expect(published.expiry.audiencesTold).toEqual([]);
  });

  test('a state without the member (stored before this alert existed, or never rejected) reads as inactive', () => {
    const { state: stored } = observe(undefined, { ...TARGET, result: serveLong(at(10)) }, DEFAULT_POLICY, at(10));
    expect('invalidAlert' in stored).toBe(false);
    expect(observe(stored, { ...TARGET, result: serveLong(at(11)) }, DEFAULT_POLICY, at(11)).state).not.toHaveProperty('invalidAlert');
    expect(() => acknowledge(stored, { at: at(10), alert: 'invalid' })).toThrow('tls:shop.example:443 is not served with a certificate clients reject: there is no invalid alert to acknowledge');
    const watcher = new Watcher();
    watcher.state = stored;
    expect(watcher.run(at(11), serveMisnamed(at(11))).map((n) => [n.kind, n.stage])).toEqual([['error', 'invalid']]);
  });
});

describe('acknowledging the invalid alert', () => {
  const misnamed = leaf('BB:01', T0, 398, { sans: ['other.example'] });
  const mismatch = { hostnameMismatch: '"shop.example" is not in the certificate\'s names: DNS:other.example' };
  const serveMisnamed = (now: Date) => served([misnamed], now, mismatch);

  function alertedAtDay10(options: { snsUp?: boolean } = {}): Watcher {
    const watcher = new Watcher();
    watcher.run(at(10), serveMisnamed(at(10)), options);
    return watcher;
  }

  test('records it on the invalid alert with the fingerprint acknowledged, and says so in the history', () => {
    const outcome = acknowledgeAlert(currentState(alertedAtDay10()), { at: at(10, 1), note: 'reissue in OPS-12' });
    expect(outcome.alert).toBe('invalid');
    expect(outcome.acknowledgement).toEqual({ stage: 'invalid', at: at(10, 1).toISOString(), until: null, note: 'reissue in OPS-12', fingerprintSha256: 'BB:01' });
    expect(outcome.state.invalidAlert?.acknowledgement).toBe(outcome.acknowledgement);
    expect(outcome.state.acknowledgement).toBeNull();
    expect(outcome.state.errorAlert.acknowledgement ?? null).toBeNull();
    expect(outcome.state.history.at(-1)?.detail).toBe('invalid (certificate rejected by clients) until another certificate is served or clients accept it again: reissue in OPS-12');
  });

  test('silences the repeats until another certificate is served (still broken: the repeats resume on their cadence)', () => {
    const watcher = alertedAtDay10();
    watcher.state = acknowledge(currentState(watcher), { at: at(10, 1), alert: 'invalid' });
    watcher.runEvery(6, at(10, 6), at(14), serveMisnamed);
    const selfSigned = leaf('BB:03', at(13), 398, { issuer: 'CN=shop.example', selfIssued: true });
    watcher.runEvery(6, at(14), at(15, 6), (now) => served([selfSigned], now, { chainProblem: 'SELF_SIGNED' }));
    expect(watcher.deliveries).toEqual([
      ['10d', 'error', 'invalid', OWNERS],
      ['14d', 'error', 'invalid', OWNERS],
      ['15d', 'error', 'invalid', OWNERS],
    ]);
    expect(currentState(watcher).invalidAlert?.acknowledgement).toBeNull();
  });

  test('`until` snoozes: silent until then, then the daily repeats resume', () => {
    const watcher = alertedAtDay10();
    watcher.state = acknowledge(currentState(watcher), { at: at(10, 1), alert: 'invalid', until: at(12, 12) });
    watcher.runEvery(6, at(10, 6), at(14), serveMisnamed);
    expect(watcher.deliveries).toEqual([
      ['10d', 'error', 'invalid', OWNERS],
      ['12d12h', 'error', 'invalid', OWNERS],
      ['13d12h', 'error', 'invalid', OWNERS],
    ]);
  });

  test('the certificate accepted again: the recovery still reaches those told, and the acknowledgement is cleared', () => {
    const watcher = alertedAtDay10();
    watcher.state = acknowledge(currentState(watcher), { at: at(10, 1) });
    watcher.run(at(11), serveLong(at(11)));
    expect(watcher.deliveries).toEqual([['10d', 'error', 'invalid', OWNERS], ['11d', 'recovery', 'invalid', OWNERS]]);
    expect(currentState(watcher).invalidAlert?.acknowledgement).toBeNull();
    watcher.run(at(12), serveMisnamed(at(12))); // broken again: a new alert
    expect(watcher.deliveries.at(-1)).toEqual(['12d', 'error', 'invalid', OWNERS]);
  });

  test('drops the pending invalid notice; nobody was told, so the recovery is silent too', () => {
    const watcher = alertedAtDay10({ snsUp: false });
    watcher.state = acknowledge(currentState(watcher), { at: at(10, 1) });
    expect(currentState(watcher).pending).toEqual([]);
    watcher.run(at(11), serveLong(at(11)));
    expect(watcher.deliveries).toEqual([]);
  });

  test('never silences the expiry stages, nor is silenced by their acknowledgement', () => {
    const expiring = leaf('CC:10', at(-388), 398); // expires at day 10: urgent from day 0, critical from day 7
    const serveExpiring = (now: Date) => served([expiring], now, mismatch);
    const watcher = new Watcher();
    watcher.run(at(0), serveExpiring(at(0)));
    const byDefault = acknowledgeAlert(currentState(watcher), { at: at(0, 1) });
    expect(byDefault.alert).toBe('expiry'); // the expiry stage comes first
    watcher.state = byDefault.state;
    watcher.runEvery(24, at(1), at(3), serveExpiring);
    watcher.state = acknowledge(currentState(watcher), { at: at(2, 1), alert: 'invalid' });
    watcher.runEvery(24, at(3), at(8), serveExpiring);
    expect(watcher.deliveries).toEqual([
      ['0d', 'expiry', 'urgent', BOTH],
      ['0d', 'error', 'invalid', OWNERS],
      ['1d', 'error', 'invalid', OWNERS],
      ['2d', 'error', 'invalid', OWNERS],
      ['7d', 'expiry', 'critical', BOTH],
    ]);
    expect(currentState(watcher)).toMatchObject({ acknowledgement: null, invalidAlert: { acknowledgement: { stage: 'invalid', fingerprintSha256: 'CC:10' } } });
  });

  test('never silences the probe-failure alert, nor the other way round; by default the error alert comes before it', () => {
    const watcher = alertedAtDay10();
    watcher.runEvery(6, at(10, 6), at(11), () => unreachable()); // error alert at 10d18h
    const byDefault = acknowledgeAlert(currentState(watcher), { at: at(11) });
    expect(byDefault.alert).toBe('error');
    watcher.state = byDefault.state;
    expect(watcher.runEvery(6, at(11), at(12, 6), () => unreachable())).toEqual([]);
    watcher.run(at(12, 6), serveMisnamed(at(12, 6))); // answers: error recovery; invalid due (last at day 10)
    watcher.state = acknowledge(currentState(watcher), { at: at(12, 7), alert: 'invalid' });
    watcher.runEvery(6, at(12, 12), at(16), (now) => (now.getTime() < at(14).getTime() ? serveMisnamed(now) : unreachable()));
    expect(watcher.deliveries).toEqual([
      ['10d', 'error', 'invalid', OWNERS],
      ['10d18h', 'error', 'error', OWNERS],
      ['12d6h', 'recovery', 'error', OWNERS],
      ['12d6h', 'error', 'invalid', OWNERS],
      ['14d12h', 'error', 'error', OWNERS], // a new failure episode alerts: the invalid acknowledgement does not silence it
      ['15d12h', 'error', 'error', OWNERS],
    ]);
  });

  test('a snooze of the invalid alert must end after it starts', () => {
    expect(() => acknowledge(currentState(alertedAtDay10()), { at: at(10, 1), alert: 'invalid', until: at(10, 1) })).toThrow('must end after it starts');
  });
});
