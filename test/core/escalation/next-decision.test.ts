import { observationDigest } from '../../../functions/core/batch-summary';
import type { CheckResult } from '../../../functions/core/check-result';
import { CHECK_DEFAULTS, type Thresholds } from '../../../functions/core/check-settings';
import { acknowledge, type AcknowledgeRequest } from '../../../functions/core/escalation/acknowledge';
import { foldObservation } from '../../../functions/core/escalation/fold';
import { nextDecisionAt } from '../../../functions/core/escalation/next-decision';
import { DEFAULT_POLICY, type EscalationPolicy } from '../../../functions/core/escalation/policy';
import type { WatchState } from '../../../functions/core/watch-state';
import { at, DAY, HOUR, label, leaf, long, misnamed, mismatch, pool, served, serveLong, serveMisnamed, T0, TARGET, Watcher } from './harness';

// Tier 1: the promise a deployed batch's summary rests on. Between a run and nextDecisionAt, a run that sees the same
// certificates (judged at its own time) must find nothing to decide and nothing to write: that is what lets a worker
// skip reading and folding it. Checked over whole certificate lives, at the edges (just after the run, just before the
// time it names) and in between.

interface Scenario {
  readonly serve: (now: Date) => CheckResult;
  readonly from: Date;
  readonly to: Date;
  readonly stepHours: number;
  readonly policy?: EscalationPolicy;
  readonly thresholds?: Thresholds;
  /** Acknowledgements made between runs, at their `at`. */
  readonly acks?: readonly AcknowledgeRequest[];
}

/** A seeded generator: the same sample times on every run of the suite. */
function randomFrom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** What the store compares: the state without when it was checked and its version. */
const asStored = (state: WatchState) => ({ ...state, lastCheckedAt: null, version: null });

/** `changes the state's certificate, status` when they differ; null when they are the same. */
function changedMembers(before: Record<string, unknown>, after: Record<string, unknown>): string | null {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((name) => JSON.stringify(before[name]) !== JSON.stringify(after[name]));
  return names.length > 0 ? `changes the state's ${names.join(', ')}` : null;
}

/**
 * Runs the scenario; after each run, folds the same certificates, judged later, at times before the state's next
 * decision. Returns what went wrong, and how many runs named a time after their own (not every run at once).
 */
function quietUntilNextDecision(scenario: Scenario): { failures: string[]; checked: number; deferred: number } {
  const policy = scenario.policy ?? DEFAULT_POLICY;
  const thresholds = scenario.thresholds ?? CHECK_DEFAULTS;
  const watcher = new Watcher(policy);
  const random = randomFrom(scenario.from.getTime() % 100_003);
  const failures: string[] = [];
  const acks = [...(scenario.acks ?? [])];
  let checked = 0;
  let deferred = 0;
  for (let time = scenario.from.getTime(); time < scenario.to.getTime(); time += scenario.stepHours * HOUR) {
    const now = new Date(time);
    while (acks.length > 0 && acks[0].at.getTime() <= time) watcher.state = acknowledge(watcher.state!, acks.shift()!);
    watcher.run(now, scenario.serve(now));
    const state = watcher.state!;
    const input = { ...TARGET, result: scenario.serve(now) };
    const next = nextDecisionAt(state, input, policy, thresholds, now);
    if (next?.getTime() === time) continue; // due at every run
    deferred++;
    const until = next?.getTime() ?? time + 400 * DAY;
    const samples = [time + 1, until - 1, (time + until) / 2, ...[random(), random()].map((r) => time + r * (until - time))];
    for (const sample of samples.filter((instant) => instant > time && instant < until && instant < scenario.to.getTime() + 30 * DAY)) {
      const later = new Date(Math.floor(sample));
      const seen = { ...TARGET, result: scenario.serve(later) };
      checked++;
      if (observationDigest(seen) !== observationDigest(input)) failures.push(`${label(now)}: the same certificates judged at ${later.toISOString()} digest differently`);
      const { state: folded, planned } = foldObservation(state, seen, policy, later);
      const what = planned.length > 0 ? `decides ${planned.map((n) => `${n.kind}/${n.stage}`).join(', ')}` : changedMembers(asStored(state), asStored(folded));
      if (what) failures.push(`run at ${now.toISOString()} named ${next?.toISOString() ?? 'no time'}, but a run at ${later.toISOString()} ${what}`);
    }
  }
  return { failures, checked, deferred };
}

function expectQuiet(scenario: Scenario): void {
  const { failures, checked, deferred } = quietUntilNextDecision(scenario);
  expect(failures.slice(0, 5)).toEqual([]);
  expect(checked).toBeGreaterThan(0);
  expect(deferred).toBeGreaterThan(0);
}

describe('between a run and the next decision it names, the same observation changes nothing', () => {
  test('a 90-day certificate, never renewed, from issue to past expiry (lifetime-capped stages, renewal overdue)', () => {
    const cert = leaf('AA:90', T0, 90);
    expectQuiet({ serve: (now) => served([cert], now), from: T0, to: at(95), stepHours: 5 });
  });

  test('a 398-day certificate through every default stage to expiry', () => {
    expectQuiet({ serve: serveLong, from: T0, to: at(401), stepHours: 13 });
  });

  test('a 47-day and a 24-hour certificate', () => {
    const short = leaf('AA:47', T0, 47);
    expectQuiet({ serve: (now) => served([short], now), from: T0, to: at(50), stepHours: 3 });
    const day = leaf('AA:24H', T0, 1);
    expectQuiet({ serve: (now) => served([day], now), from: T0, to: at(2), stepHours: 1 });
  });

  test('stages acknowledged with and without a snooze', () => {
    expectQuiet({
      serve: serveLong,
      from: at(380),
      to: at(400),
      stepHours: 4,
      acks: [
        { at: at(385), until: at(387, 5) }, // urgent, snoozed: its daily repeat resumes when the snooze ends
        { at: at(396), note: 'on it' }, // critical, until the stage changes
      ],
    });
  });

  test('a certificate clients reject: the invalid alert repeats, and its acknowledgement snoozes it', () => {
    expectQuiet({ serve: serveMisnamed, from: T0, to: at(12), stepHours: 5, acks: [{ at: at(4), alert: 'invalid', until: at(6, 3) }] });
  });

  test('a pool whose nodes serve different certificates (MIXED_CERTIFICATES turns critical with the worst node)', () => {
    const old = leaf('AA:OLD', T0, 100);
    const renewed = leaf('AA:NEW', at(50), 90);
    expectQuiet({
      serve: (now) => pool(now, [{ address: '192.0.2.11', chain: [renewed] }, { address: '192.0.2.10', chain: [old] }]),
      from: at(50),
      to: at(105),
      stepHours: 7,
    });
  });

  test('a pool with a node that does not answer', () => {
    expectQuiet({ serve: (now) => pool(now, [{ address: '192.0.2.10', chain: [long] }, { address: '192.0.2.11', error: 'TIMEOUT' }]), from: at(340), to: at(400), stepHours: 11 });
  });

  test('an intermediate that expires before the leaf governs', () => {
    const leafCert = leaf('AA:LEAF', T0, 398);
    const intermediate = leaf('AA:INT', at(-300), 500, { subject: 'CN=Test CA', issuer: 'CN=Root' }); // expires day 200
    expectQuiet({ serve: (now) => served([leafCert, intermediate], now), from: at(100), to: at(210), stepHours: 9 });
  });

  test('a policy of lifetime fractions, no cap, hourly error repeats, and other thresholds', () => {
    const policy: EscalationPolicy = {
      ...DEFAULT_POLICY,
      stages: [
        { name: 'early', lifetimeFraction: 0.5, notify: ['owners'], repeatEveryMs: 10 * DAY },
        { name: 'late', lifetimeFraction: 0.1, notify: ['owners', 'oncall'], repeatEveryMs: 2 * HOUR },
      ],
      errorRepeatEveryMs: HOUR,
      lifetimeCap: 1,
    };
    const thresholds = { warningDays: 60, criticalDays: 20 };
    const cert = leaf('AA:F', T0, 120);
    expectQuiet({ serve: (now) => pool(now, [{ address: '192.0.2.10', chain: [cert] }], [], thresholds), from: T0, to: at(125), stepHours: 6, policy, thresholds });
    expectQuiet({ serve: (now) => pool(now, [{ address: '192.0.2.10', chain: [misnamed], seen: mismatch }], [], thresholds), from: T0, to: at(2), stepHours: 1, policy, thresholds });
  });
});

describe('what the next decision is', () => {
  const input = (now: Date, result = serveLong(now)) => ({ ...TARGET, result });
  const after = (watcher: Watcher, now: Date, result = serveLong(now)) => {
    watcher.run(now, result);
    return nextDecisionAt(watcher.state!, input(now, result), DEFAULT_POLICY, CHECK_DEFAULTS, now);
  };

  test('far from expiry: two thirds of the lifetime (RENEWAL_OVERDUE), and at that time the state does change', () => {
    const watcher = new Watcher();
    const next = after(watcher, at(10))!;
    expect(next.getTime()).toBe(T0.getTime() + (398 * DAY * 2) / 3);
    const { state } = foldObservation(watcher.state, input(next, serveLong(new Date(next.getTime() + 1))), DEFAULT_POLICY, new Date(next.getTime() + 1));
    expect(state.certificate?.findings.map((finding) => finding.code)).toEqual(['RENEWAL_OVERDUE']);
  });

  test('inside a stage: its repeat (less the tolerance), or the next stage when that comes first', () => {
    const watcher = new Watcher();
    // The notice repeats weekly (5 minutes early, as isDue counts) before warning starts (day 368).
    expect(after(watcher, at(353, 12))).toEqual(new Date(at(360, 12).getTime() - 5 * 60_000));
    expect(label(after(watcher, at(367))!)).toBe('368d'); // warning starts before the next weekly notice
    // A threshold at the run's own instant: the judge's strict comparisons change the status just after it.
    expect(after(new Watcher(), at(368))).toEqual(at(368));
  });

  test('at every run while a notice is pending, the probe fails, or a certificate is not yet valid', () => {
    const undelivered = new Watcher();
    undelivered.run(at(353), serveLong(at(353)), { snsUp: false });
    expect(nextDecisionAt(undelivered.state!, input(at(353)), DEFAULT_POLICY, CHECK_DEFAULTS, at(353))).toEqual(at(353));

    const failing = new Watcher();
    failing.run(at(10), serveLong(at(10)));
    const down = pool(at(11), [{ address: '192.0.2.10', error: 'TIMEOUT' }]);
    expect(after(failing, at(11), down)).toEqual(at(11));

    const early = leaf('AA:EARLY', at(5), 90);
    const notYet = new Watcher();
    expect(after(notYet, at(1), served([early], at(1)))).toEqual(at(1));
  });

  test('an expired certificate: its 12-hourly repeat', () => {
    const watcher = new Watcher();
    expect(label(after(watcher, at(450))!)).toBe('450d12h');
  });
});

describe('observationDigest', () => {
  const digestOf = (result: CheckResult, rest: Partial<typeof TARGET> = {}) => observationDigest({ ...TARGET, ...rest, result });

  test('the same certificates judged at another time, in another address order, probed faster: the same digest', () => {
    const nodes = [
      { address: '192.0.2.10', chain: [long] },
      { address: '192.0.2.11', chain: [leaf('AA:02', at(300), 398)] },
    ];
    const early = pool(at(360), nodes);
    const late = { ...pool(at(397), [...nodes].reverse()), elapsedMs: 999 };
    expect(early.status).not.toBe(late.status);
    expect(digestOf(late)).toBe(digestOf(early));
  });

  test('another certificate, another owner, a node that stops answering: another digest', () => {
    const base = digestOf(serveLong(at(10)));
    expect(digestOf(served([leaf('AA:99', T0, 398)], at(10)))).not.toBe(base);
    expect(digestOf(serveLong(at(10)), { owner: 'another-team' })).not.toBe(base);
    expect(digestOf(pool(at(10), [{ address: '192.0.2.10', chain: [long] }, { address: '192.0.2.11', error: 'TIMEOUT' }]))).not.toBe(base);
  });
});
