import { foldObservation } from '../../../functions/core/escalation/fold';
import { DEFAULT_POLICY, type EscalationPolicy } from '../../../functions/core/escalation/policy';
import { at, BOTH, currentState, DAY, HOUR, leaf, long, OWNERS, served, serveLong, series, T0, TARGET, unreachable, Watcher } from './harness';

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
    const { planned } = foldObservation(currentState(watcher), { ...TARGET, result: serveLong(at(384, 6)) }, relaxed, at(384, 6));
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
    const { state, planned } = foldObservation(currentState(watcher), { ...TARGET, result: serveLong(at(394, 1)) }, after, at(394, 1));
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
    const [notice] = foldObservation(undefined, { ...TARGET, result: serveLong(at(384, 12)) }, DEFAULT_POLICY, at(384, 12)).planned;
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

describe('a state belongs to one certificate', () => {
  test('a state cannot take another certificate\'s observation', () => {
    const { state } = foldObservation(undefined, { ...TARGET, result: serveLong(at(1)) }, DEFAULT_POLICY, at(1));
    expect(() => foldObservation(state, { ...TARGET, certificateId: 'tls:other:443', result: serveLong(at(2)) }, DEFAULT_POLICY, at(2))).toThrow('cannot take an observation of tls:other:443');
  });
});
