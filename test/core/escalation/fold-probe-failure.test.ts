import { DEFAULT_POLICY, type EscalationPolicy } from '../../../functions/core/escalation/policy';
import { at, BOTH, currentState, HOUR, OWNERS, serveLong, series, unreachable, Watcher } from './harness';

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
