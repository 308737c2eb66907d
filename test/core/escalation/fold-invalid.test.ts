import { acknowledge } from '../../../functions/core/escalation/acknowledge';
import { foldObservation } from '../../../functions/core/escalation/fold';
import { notificationId } from '../../../functions/core/escalation/outbox';
import { DEFAULT_POLICY } from '../../../functions/core/escalation/policy';
import { at, BOTH, currentState, HOUR, leaf, long, mismatch, misnamed, OWNERS, served, serveLong, serveMisnamed, series, T0, TARGET, unreachable, Watcher } from './harness';

describe('a certificate clients reject (the invalid alert)', () => {
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
    const { planned, state } = foldObservation(undefined, { ...TARGET, result: served([long], at(10), seen) }, DEFAULT_POLICY, at(10));
    expect(planned.map((n) => [n.kind, n.stage])).toEqual([['error', 'invalid']]);
    expect(state.history.find((entry) => entry.event === 'invalid')?.detail).toBe(`clients reject AA:01: ${code}`);
  });

  test('NOT_YET_VALID triggers it', () => {
    const early = leaf('FF:01', at(12), 398); // deployed two days before its notBefore
    expect(foldObservation(undefined, { ...TARGET, result: served([early], at(10)) }, DEFAULT_POLICY, at(10)).planned.map((n) => n.stage)).toEqual(['invalid']);
  });

  test('warnings (a weak key, an overdue renewal) and expiry alone do not: EXPIRED is the expiry stages\' business', () => {
    const weak = leaf('WK:01', T0, 398, { keyAlgorithm: 'RSA', keySize: 1024, signatureAlgorithm: 'sha1WithRSAEncryption' });
    const weakRun = foldObservation(undefined, { ...TARGET, result: served([weak], at(300)) }, DEFAULT_POLICY, at(300));
    expect(weakRun.state.certificate?.findings.map((finding) => finding.code).sort()).toEqual(['RENEWAL_OVERDUE', 'WEAK_KEY', 'WEAK_SIGNATURE']);
    expect(weakRun.planned).toEqual([]);
    expect('invalidAlert' in weakRun.state).toBe(false);
    const expired = foldObservation(undefined, { ...TARGET, result: serveLong(at(399)) }, DEFAULT_POLICY, at(399));
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
    const first = foldObservation(undefined, { ...TARGET, result: serveMisnamed(at(10)) }, DEFAULT_POLICY, at(10));
    const retried = foldObservation(undefined, { ...TARGET, result: serveMisnamed(at(10)) }, DEFAULT_POLICY, at(10));
    expect(retried.planned.map((n) => n.id)).toEqual(first.planned.map((n) => n.id));
    const duplicate = foldObservation(first.state, { ...TARGET, result: serveMisnamed(at(10)) }, DEFAULT_POLICY, at(10));
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

  test('a state without the member (stored before this alert existed, or never rejected) reads as inactive', () => {
    const { state: stored } = foldObservation(undefined, { ...TARGET, result: serveLong(at(10)) }, DEFAULT_POLICY, at(10));
    expect('invalidAlert' in stored).toBe(false);
    expect(foldObservation(stored, { ...TARGET, result: serveLong(at(11)) }, DEFAULT_POLICY, at(11)).state).not.toHaveProperty('invalidAlert');
    expect(() => acknowledge(stored, { at: at(10), alert: 'invalid' })).toThrow('tls:shop.example:443 is not served with a certificate clients reject: there is no invalid alert to acknowledge');
    const watcher = new Watcher();
    watcher.state = stored;
    expect(watcher.run(at(11), serveMisnamed(at(11))).map((n) => [n.kind, n.stage])).toEqual([['error', 'invalid']]);
  });
});
