import {
  DEFAULT_LIFETIME_CAP,
  DEFAULT_POLICY,
  lifetimeMs,
  renewalOverdue,
  stageAt,
  stageThresholdMs,
  type EscalationPolicy,
  type Stage,
} from '../../../functions/core/escalation/policy';
import { at, DAY, HOUR, T0 } from './harness';

const validity = (lifetimeDays: number) => ({ notBefore: T0.toISOString(), notAfter: at(lifetimeDays).toISOString() });
/** The stage name at `elapsedDays` into a certificate of `lifetimeDays`. */
const stageName = (policy: EscalationPolicy, lifetimeDays: number, elapsedDays: number) => stageAt(policy, validity(lifetimeDays), new Date(T0.getTime() + elapsedDays * DAY))?.name ?? null;

const daysStage = (daysBefore: number): Stage => ({ name: `d${daysBefore}`, daysBefore, notify: ['owners'], repeatEveryMs: DAY });

describe('stage thresholds', () => {
  test('a daysBefore stage starts that many days before notAfter when the lifetime is long enough', () => {
    expect(stageThresholdMs(daysStage(45), 398 * DAY)).toBe(45 * DAY);
    expect(stageThresholdMs(daysStage(45), null)).toBe(45 * DAY);
  });

  test('a daysBefore stage is capped at 30% of the lifetime by default', () => {
    expect(DEFAULT_POLICY.lifetimeCap).toBe(DEFAULT_LIFETIME_CAP);
    expect(stageThresholdMs(daysStage(45), 100 * DAY)).toBe(30 * DAY);
    expect(stageThresholdMs(daysStage(45), 47 * DAY)).toBeCloseTo(14.1 * DAY, -3);
    expect(stageThresholdMs(daysStage(0), 47 * DAY)).toBe(0);
  });

  test('the cap is configurable, and 1 turns it off for thresholds within the lifetime', () => {
    expect(stageThresholdMs(daysStage(45), 100 * DAY, 0.5)).toBe(45 * DAY);
    expect(stageThresholdMs(daysStage(45), 60 * DAY, 1)).toBe(45 * DAY);
  });

  test('a lifetimeFraction stage is that fraction of the lifetime, and cannot apply without one', () => {
    const stage: Stage = { name: 'late', lifetimeFraction: 0.25, notify: ['owners'], repeatEveryMs: DAY };
    expect(stageThresholdMs(stage, 48 * DAY)).toBe(12 * DAY);
    expect(stageThresholdMs(stage, null)).toBeNull();
  });

  test('a stage with neither threshold is a configuration error, named', () => {
    expect(() => stageThresholdMs({ name: 'odd', notify: [], repeatEveryMs: DAY }, DAY)).toThrow('escalation stage "odd" sets neither daysBefore nor lifetimeFraction');
  });

  test('no lifetime when the dates are out of order or missing', () => {
    expect(lifetimeMs({ notBefore: at(10).toISOString(), notAfter: at(5).toISOString() })).toBeNull();
    expect(lifetimeMs({ notBefore: 'garbage', notAfter: at(5).toISOString() })).toBeNull();
    expect(lifetimeMs(validity(90))).toBe(90 * DAY);
  });

  test('the lifetime is the leaf\'s own, even when an intermediate expiring first governs notAfter', () => {
    const leafValidity = { notBefore: T0.toISOString(), notAfter: at(20).toISOString(), chain: [{ notAfter: at(398).toISOString() }, { notAfter: at(20).toISOString() }] };
    expect(lifetimeMs(leafValidity)).toBe(398 * DAY);
    // So the cap does not shrink to 6 days and the intermediate's expiry escalates on the usual thresholds.
    expect(stageAt(DEFAULT_POLICY, leafValidity, at(8))?.name).toBe('urgent');
  });
});

describe('stageAt: the most severe stage that applies, by time left (not rounded days)', () => {
  test.each([
    [398, 352.99, null],
    [398, 353, 'notice'],
    [398, 367.99, 'notice'],
    [398, 368, 'warning'],
    [398, 384, 'urgent'],
    [398, 394.99, 'urgent'],
    [398, 395, 'critical'],
    [398, 397.999, 'critical'],
    [398, 398, 'expired'],
    [398, 500, 'expired'],
  ])('%i-day certificate, %f days in: %s', (lifetime, elapsed, expected) => {
    expect(stageName(DEFAULT_POLICY, lifetime, elapsed)).toBe(expected);
  });

  test('one hour before the threshold is outside it, the threshold itself is inside', () => {
    const v = validity(398);
    expect(stageAt(DEFAULT_POLICY, v, new Date(at(353).getTime() - HOUR))).toBeNull();
    expect(stageAt(DEFAULT_POLICY, v, at(353))?.name).toBe('notice');
  });

  test('when several stages apply, the later (more severe) one wins', () => {
    // 100-day certificate: notice (45 d) and warning (30 d) are both capped to 30 d.
    expect(stageName(DEFAULT_POLICY, 100, 70)).toBe('warning');
  });

  test('an unparsable notAfter is in no stage', () => {
    expect(stageAt(DEFAULT_POLICY, { notBefore: T0.toISOString(), notAfter: 'never' }, T0)).toBeNull();
  });
});

describe('the default policy across CA/Browser Forum lifetimes (SC-081)', () => {
  // First day each stage applies, for 398-, 200-, 100- and 47-day certificates (days since issuance).
  test.each([
    [398, { notice: 353, warning: 368, urgent: 384, critical: 395, expired: 398 }],
    [200, { notice: 155, warning: 170, urgent: 186, critical: 197, expired: 200 }],
    [100, { notice: null, warning: 70, urgent: 86, critical: 97, expired: 100 }],
    [47, { notice: null, warning: 32.9, urgent: 33, critical: 44, expired: 47 }],
  ])('%i-day certificate', (lifetime, expected) => {
    const entered: Record<string, number | null> = { notice: null, warning: null, urgent: null, critical: null, expired: null };
    // Walk the whole life in tenths of a day and note where each stage first applies.
    for (let tenth = 0; tenth <= lifetime * 10 + 5; tenth++) {
      const name = stageName(DEFAULT_POLICY, lifetime, tenth / 10);
      if (name && entered[name] === null) entered[name] = tenth / 10;
    }
    expect(entered).toEqual(expected);
  });

  test.each([398, 200, 100, 47])('no stage on day one, nor until 70%% of a %i-day lifetime', (lifetime) => {
    expect(stageName(DEFAULT_POLICY, lifetime, 1)).toBeNull();
    expect(stageName(DEFAULT_POLICY, lifetime, lifetime * 0.69)).toBeNull();
  });

  test('without the cap a fresh 47-day certificate would be in `notice` on day 2 (the bug the cap prevents)', () => {
    expect(stageName({ ...DEFAULT_POLICY, lifetimeCap: 1 }, 47, 2.1)).toBe('notice');
    expect(stageName(DEFAULT_POLICY, 47, 2.1)).toBeNull();
  });
});

describe('lifetimeFraction stages', () => {
  const policy: EscalationPolicy = {
    ...DEFAULT_POLICY,
    stages: [
      { name: 'renew-now', lifetimeFraction: 0.25, notify: ['owners'], repeatEveryMs: DAY },
      { name: 'urgent', daysBefore: 3, notify: ['owners', 'oncall'], repeatEveryMs: 6 * HOUR },
    ],
  };

  test.each([
    [398, 298.49, null],
    [398, 298.5, 'renew-now'],
    [47, 35.24, null],
    [47, 35.25, 'renew-now'],
    [47, 44, 'urgent'],
  ])('%i-day certificate, %f days in: %s', (lifetime, elapsed, expected) => {
    expect(stageName(policy, lifetime, elapsed)).toBe(expected);
  });
});

describe('renewalOverdue', () => {
  test.each([398, 200, 100, 47])('raised once two thirds of a %i-day lifetime have passed', (lifetime) => {
    const v = validity(lifetime);
    const twoThirds = T0.getTime() + (lifetime * DAY * 2) / 3;
    expect(renewalOverdue(v, new Date(twoThirds - 60_000))).toBeNull();
    const finding = renewalOverdue(v, new Date(twoThirds));
    expect(finding).toMatchObject({ code: 'RENEWAL_OVERDUE', severity: 'warning' });
    expect(finding?.message).toContain(`${lifetime}-day lifetime`);
    expect(finding?.message).toContain(v.notAfter);
  });

  test('still raised after expiry (never replaced), and never without a lifetime', () => {
    expect(renewalOverdue(validity(90), at(120))?.code).toBe('RENEWAL_OVERDUE');
    expect(renewalOverdue({ notBefore: at(5).toISOString(), notAfter: at(5).toISOString() }, at(6))).toBeNull();
  });
});
