import { acknowledge, acknowledgeAlert, AcknowledgementError } from '../../../functions/core/escalation/acknowledge';
import { foldObservation } from '../../../functions/core/escalation/fold';
import { DEFAULT_POLICY } from '../../../functions/core/escalation/policy';
import { at, BOTH, currentState, leaf, mismatch, OWNERS, served, serveLong, serveMisnamed, TARGET, unreachable, Watcher } from './harness';

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

  test('who and why go into the next notices: the next stage carries the acknowledgement of the stage it left', () => {
    const watcher = new Watcher();
    watcher.run(at(368), serveLong(at(368)));
    watcher.state = acknowledge(currentState(watcher), { at: at(368, 1), note: 'renewal in OPS-42', by: 'alice' });
    const [urgent] = watcher.run(at(384), serveLong(at(384)));
    expect(urgent).toMatchObject({ stage: 'urgent', acknowledgements: [{ stage: 'warning', by: 'alice', note: 'renewal in OPS-42', at: at(368, 1).toISOString() }] });
    // Cleared by the stage change: the urgent stage's own repeats carry none.
    const [repeat] = watcher.run(at(385), serveLong(at(385)));
    expect(repeat.acknowledgements).toBeUndefined();
  });

  test('a note and a name are kept as one bounded line, controls removed', () => {
    const watcher = new Watcher();
    watcher.run(at(368), serveLong(at(368)));
    const { acknowledgement } = acknowledgeAlert(currentState(watcher), { at: at(368, 1), note: `OPS-42\n\u001b[2J${'x'.repeat(500)}`, by: ' alice\t' });
    expect(acknowledgement.by).toBe('alice');
    expect(acknowledgement.note).toMatch(/^OPS-42 \[2Jx+\.\.\.$/);
    expect(acknowledgement.note?.length).toBe(300);
  });

  test('records who acknowledged what, and drops that stage\'s pending notice', () => {
    const watcher = new Watcher();
    watcher.run(at(368), serveLong(at(368)), { snsUp: false });
    const acked = acknowledge(currentState(watcher), { at: at(368, 1), note: 'on it' });
    expect(acked.pending).toEqual([]);
    expect(acked.acknowledgement).toEqual({ stage: 'warning', at: at(368, 1).toISOString(), until: null, note: 'on it', by: null, fingerprintSha256: 'AA:01' });
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
    const { state } = foldObservation(undefined, { ...TARGET, result: serveLong(at(10)) }, DEFAULT_POLICY, at(10));
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
    expect(byDefault.acknowledgement).toEqual({ stage: 'urgent', at: at(386, 13).toISOString(), until: null, note: 'OPS-9', by: null, fingerprintSha256: 'AA:01' });
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
    const { state } = foldObservation(undefined, { ...TARGET, result: serveLong(at(384)) }, DEFAULT_POLICY, at(384));
    try {
      acknowledge(state, { at: at(384), until: at(383) });
      throw new Error('expected an AcknowledgementError');
    } catch (error) {
      expect(error).toBeInstanceOf(AcknowledgementError);
      expect((error as AcknowledgementError).reason).toBe('UNTIL_NOT_AFTER_AT');
    }
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
    expect(acked.errorAlert.acknowledgement).toEqual({ stage: 'error', at: at(10, 19).toISOString(), until: null, note: 'on it', by: null, fingerprintSha256: null });
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
    const { state: inStage } = foldObservation(undefined, { ...TARGET, result: serveLong(at(384)) }, DEFAULT_POLICY, at(384));
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

describe('acknowledging the invalid alert', () => {

  function alertedAtDay10(options: { snsUp?: boolean } = {}): Watcher {
    const watcher = new Watcher();
    watcher.run(at(10), serveMisnamed(at(10)), options);
    return watcher;
  }

  test('records it on the invalid alert with the fingerprint acknowledged, and says so in the history', () => {
    const outcome = acknowledgeAlert(currentState(alertedAtDay10()), { at: at(10, 1), note: 'reissue in OPS-12' });
    expect(outcome.alert).toBe('invalid');
    expect(outcome.acknowledgement).toEqual({ stage: 'invalid', at: at(10, 1).toISOString(), until: null, note: 'reissue in OPS-12', by: null, fingerprintSha256: 'BB:01' });
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
