import { acknowledge } from '../../../functions/core/escalation/acknowledge';
import { CLOCK_TOLERANCE_MS, horizonOf, setAsideTheFuture } from '../../../functions/core/escalation/clock';
import { isDigestDue } from '../../../functions/core/escalation/digest';
import { foldObservation } from '../../../functions/core/escalation/fold';
import { DEFAULT_POLICY } from '../../../functions/core/escalation/policy';
import { at, BOTH, currentState, DAY, serveLong, TARGET, Watcher, type Delivery } from './harness';

// A clock that was ahead: one forward jump of the host clock, or one run with --force-now, must never mute the
// watcher. The runs after it send every alert a store without the jump would have sent.

/** Runs every 6 hours from day 340 to day 400 of the 398-day certificate (notice, warning, urgent, critical, expired). */
function realRuns(watcher: Watcher, from: number, to: number): Delivery[] {
  return watcher.runEvery(6, at(from), at(to), serveLong);
}

describe('runs after a clock that was ahead', () => {
  const undisturbed = new Watcher();
  realRuns(undisturbed, 340, 400);

  test.each([
    ['one run with --force-now 20 days ahead (its clock is right)', (watcher: Watcher) => watcher.run(at(370), serveLong(at(370)), { clock: at(350) })],
    ['the host clock jumped 20 days ahead for one run', (watcher: Watcher) => watcher.run(at(370), serveLong(at(370)))],
    ['the host clock jumped 45 days ahead, past expiry', (watcher: Watcher) => watcher.run(at(395), serveLong(at(395)))],
  ])('%s: every later alert is sent as without it, and whoever the run ahead alerted hears it is over', (_case, jump) => {
    const jumped = new Watcher();
    const before = realRuns(jumped, 340, 350);
    jump(jumped);
    const fromTheFuture = jumped.deliveries.slice(before.length);
    expect(fromTheFuture.length).toBeGreaterThan(0); // the run ahead did notify (its own time's stage)
    const after = realRuns(jumped, 350, 400);
    // The first real run after it corrects what the run ahead said (a recovery to those it told), once; every
    // other delivery is exactly the undisturbed watcher's.
    const corrections = after.filter(([time, kind]) => time === '350d' && kind === 'recovery');
    expect(corrections.map(([, , , audiences]) => audiences)).toEqual(fromTheFuture.filter(([, kind]) => kind === 'expiry').map(([, , , audiences]) => audiences));
    expect([...before, ...after.filter((delivery) => !corrections.includes(delivery))]).toEqual(undisturbed.deliveries);
  });

  test('a jump into a more severe stage: those it told hear one correction naming what they were told and the stage it really is', () => {
    const undisturbed = new Watcher();
    realRuns(undisturbed, 370, 400);
    const jumped = new Watcher();
    const before = realRuns(jumped, 370, 375); // the warning stage: owners
    jumped.run(at(396), serveLong(at(396))); // the host clock 21 days ahead for one run: critical, to owners and oncall
    expect(jumped.deliveries.slice(before.length)).toEqual([['396d', 'expiry', 'critical', BOTH]]);

    const [correction, ...others] = jumped.run(at(375), serveLong(at(375)));
    expect(others).toEqual([]);
    expect(correction).toMatchObject({ kind: 'recovery', stage: 'critical', stageNow: 'warning', audiences: ['owners', 'oncall'], corrects: { stage: 'critical', decidedAt: at(396).toISOString() } });
    // Oncall, whom the warning stage does not notify, is let go; after the correction, everything is as without the jump.
    expect(currentState(jumped).expiry.audiencesTold).toEqual(['owners']);
    const after = realRuns(jumped, 375.25, 400);
    expect([...before, ...after]).toEqual(undisturbed.deliveries.filter(([time]) => time !== '375d'));
  });

  test('a second jump after the first was corrected: corrected once more, and the stage it is in goes on without a fresh notice', () => {
    const undisturbed = new Watcher();
    realRuns(undisturbed, 384, 395);
    const jumped = new Watcher();
    const before = realRuns(jumped, 384, 385.5); // urgent from day 384, repeated daily
    jumped.run(at(396), serveLong(at(396))); // ahead: critical
    const between = realRuns(jumped, 385.5, 385.75); // the first real run corrects it: its last notice so far
    jumped.run(at(397), serveLong(at(397))); // ahead again: critical
    const after = realRuns(jumped, 385.75, 395);
    const corrections = [...between, ...after].filter(([, kind]) => kind === 'recovery');
    expect(corrections).toEqual([
      ['385d12h', 'recovery', 'critical', BOTH],
      ['385d18h', 'recovery', 'critical', BOTH],
    ]);
    // Neither correction restarts the urgent series: its daily repeats are the undisturbed watcher's.
    expect([...before, ...[...between, ...after].filter(([, kind]) => kind !== 'recovery')]).toEqual(undisturbed.deliveries);
  });

  test('an acknowledgement of the stage it is really in holds after a jump into a more severe stage cleared it', () => {
    const undisturbed = new Watcher();
    realRuns(undisturbed, 384, 385);
    undisturbed.state = acknowledge(currentState(undisturbed), { at: at(384, 1), note: 'OPS-9', by: 'alice' });
    realRuns(undisturbed, 384.25, 395);
    const jumped = new Watcher();
    realRuns(jumped, 384, 385);
    jumped.state = acknowledge(currentState(jumped), { at: at(384, 1), note: 'OPS-9', by: 'alice' });
    realRuns(jumped, 384.25, 386);
    jumped.run(at(396), serveLong(at(396))); // ahead: critical, which clears the urgent stage's acknowledgement
    const [correction, ...others] = jumped.run(at(386), serveLong(at(386)));
    expect(others).toEqual([]);
    expect(correction).toMatchObject({ kind: 'recovery', corrects: { stage: 'critical' }, stageNow: 'urgent' });
    expect(currentState(jumped).acknowledgement).toMatchObject({ stage: 'urgent', note: 'OPS-9', by: 'alice' });
    // The urgent stage stays acknowledged: no daily repeat, as without the jump.
    expect(realRuns(jumped, 386.25, 395)).toEqual(undisturbed.deliveries.filter(([time]) => Number.parseInt(time, 10) >= 386));
  });

  test('so does it when a person acknowledged the stage ahead meanwhile (an acknowledgement of a stage it is not in)', () => {
    const jumped = new Watcher();
    realRuns(jumped, 384, 385);
    jumped.state = acknowledge(currentState(jumped), { at: at(384, 1), note: 'OPS-9', by: 'alice' });
    realRuns(jumped, 384.25, 386);
    jumped.run(at(396), serveLong(at(396))); // ahead: critical
    jumped.state = acknowledge(currentState(jumped), { at: at(386, 0.5), note: 'looking', by: 'bob' }); // the critical notice, on the real clock
    jumped.run(at(386, 1), serveLong(at(386, 1)));
    expect(currentState(jumped).acknowledgement).toMatchObject({ stage: 'urgent', by: 'alice' });
    expect(realRuns(jumped, 386.25, 395).filter(([, kind, stage]) => kind === 'expiry' && stage === 'urgent')).toEqual([]);
  });

  test('a jump within the stage it is really in sends no correction', () => {
    const watcher = new Watcher();
    realRuns(watcher, 385, 386); // urgent, sent on day 385
    watcher.run(at(390), serveLong(at(390))); // still urgent, 4 days ahead: its daily repeat
    expect(watcher.run(at(385, 20), serveLong(at(385, 20)))).toEqual([]); // the repeat from day 385 is not due yet
  });

  test('the first run after it says so (aheadOfClock), and its history records it', () => {
    const watcher = new Watcher();
    realRuns(watcher, 350, 351);
    watcher.run(at(370), serveLong(at(370)));
    const outcome = foldObservation(currentState(watcher), { ...TARGET, result: serveLong(at(351)) }, DEFAULT_POLICY, at(351));
    expect(outcome.aheadOfClock).toBe(at(370).toISOString());
    expect(outcome.state.history).toContainEqual(expect.objectContaining({ event: 'clock-ahead' }));
    expect(outcome.state.history.every((entry) => Date.parse(entry.at) <= at(351).getTime())).toBe(true);
  });

  test('a run in the past, on a clock that is right, still changes nothing (an out-of-order run)', () => {
    const watcher = new Watcher();
    realRuns(watcher, 360, 361);
    const state = currentState(watcher);
    expect(foldObservation(state, { ...TARGET, result: serveLong(at(355)) }, DEFAULT_POLICY, at(355), at(361))).toEqual({ state, planned: [] });
  });

  test('runs racing within the tolerance keep their order: the later one wins, the earlier one changes nothing', () => {
    const watcher = new Watcher();
    watcher.run(at(360, 0.05), serveLong(at(360, 0.05))); // three minutes ahead
    const state = currentState(watcher);
    expect(foldObservation(state, { ...TARGET, result: serveLong(at(360)) }, DEFAULT_POLICY, at(360))).toEqual({ state, planned: [] });
  });

  test('claims and notices decided beyond the horizon are set aside; those before it stay', () => {
    const watcher = new Watcher();
    watcher.run(at(360), serveLong(at(360)), { snsUp: false });
    const claimedEarlier = currentState(watcher);
    const future = { ...claimedEarlier, pending: claimedEarlier.pending.map((notice) => ({ ...notice, claimedAt: at(380).toISOString() })), lastCheckedAt: at(380).toISOString() };
    const set = setAsideTheFuture(future, horizonOf(at(361)), at(361));
    expect(set?.pending.map((notice) => [notice.id, notice.claimedAt])).toEqual(claimedEarlier.pending.map((notice) => [notice.id, undefined]));
    expect(setAsideTheFuture(claimedEarlier, horizonOf(at(361)), at(361))).toBeNull();
  });
});

describe('the digest ledger', () => {
  const DAILY = DAY;
  const ledger = (lastDigestAt: string | null, digestSentFor: string | null = null) => ({ lastDigestAt, digestSentFor });
  const horizonAt = (time: Date) => horizonOf(time);

  test('two digests are never less than the period apart, even across a calendar boundary', () => {
    const last = at(10, 23 + 55 / 60).toISOString(); // 23:55
    expect(isDigestDue(ledger(last, 'digest#day10'), 'digest#day11', DAILY, at(11, 11 / 60), horizonAt(at(11)))).toBe(false); // 00:11, 16 minutes later
    expect(isDigestDue(ledger(last, 'digest#day10'), 'digest#day11', DAILY, at(11, 23 + 52 / 60), horizonAt(at(11, 23)))).toBe(true); // within the tolerance of a day
  });

  test('one per period as before: the period delivered is not sent again', () => {
    expect(isDigestDue(ledger(at(10).toISOString(), 'digest#day11'), 'digest#day11', DAILY, at(12), horizonAt(at(12)))).toBe(false);
    expect(isDigestDue(ledger(null), 'digest#day11', DAILY, at(12), horizonAt(at(12)))).toBe(true);
  });

  test('a run in the past sends none (and so never resets the ledger)', () => {
    expect(isDigestDue(ledger(at(10).toISOString(), 'digest#day10'), 'digest#day9', DAILY, at(9), horizonOf(at(9), at(10)))).toBe(false);
  });

  test('a last digest dated beyond the horizon (a clock that was ahead) does not hold the next one back', () => {
    expect(isDigestDue(ledger(at(30).toISOString(), 'digest#day30'), 'digest#day10', DAILY, at(10), horizonAt(at(10)))).toBe(true);
    expect(isDigestDue(ledger(new Date(at(10).getTime() + CLOCK_TOLERANCE_MS - 1).toISOString(), 'digest#day10b'), 'digest#day10', DAILY, at(10), horizonAt(at(10)))).toBe(false);
  });
});

