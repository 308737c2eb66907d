import { foldObservation } from '../../../functions/core/escalation/fold';
import { DEFAULT_POLICY } from '../../../functions/core/escalation/policy';
import { HISTORY_LIMIT, SENT_LIMIT } from '../../../functions/core/escalation/stored-state';
import { DETAIL_LIMITS } from '../../../functions/core/safe-text';
import type { WatchState } from '../../../functions/core/watch-state';
import { at, currentState, leaf, long, served, serveLong, T0, TARGET, unreachable, Watcher } from './harness';

describe('a certificate seen again unchanged is stored unchanged', () => {
  test('consecutive days inside the warning stage with no notice due: the same state apart from lastCheckedAt', () => {
    const watcher = new Watcher();
    watcher.run(at(369), serveLong(at(369))); // warning (29 days left), notified; next repeat due at day 372
    const dayOne = currentState(watcher);
    expect(dayOne.certificate?.findings.map((finding) => finding.code)).toEqual(['RENEWAL_OVERDUE']); // not EXPIRES_SOON
    for (const day of [370, 371]) {
      const { state, planned } = foldObservation(currentState(watcher), { ...TARGET, result: serveLong(at(day)) }, DEFAULT_POLICY, at(day));
      expect(planned).toEqual([]);
      expect(state).toEqual({ ...dayOne, lastCheckedAt: at(day).toISOString() });
      watcher.state = state;
    }
  });

  test('EXPIRES_SOON and EXPIRED are not stored; the certificate\'s own findings are', () => {
    const weak = leaf('WK:01', T0, 398, { keyAlgorithm: 'RSA', keySize: 1024 });
    const { state } = foldObservation(undefined, { ...TARGET, result: served([weak], at(399)) }, DEFAULT_POLICY, at(399));
    expect(served([weak], at(399)).findings.map((finding) => finding.code)).toEqual(['EXPIRED', 'WEAK_KEY']);
    expect(state.certificate?.findings.map((finding) => finding.code)).toEqual(['WEAK_KEY', 'RENEWAL_OVERDUE']);
  });

  test('a state stored with day-counted findings is cleaned on its next observation, also while the probe fails', () => {
    const { state } = foldObservation(undefined, { ...TARGET, result: serveLong(at(380)) }, DEFAULT_POLICY, at(380));
    const legacy: WatchState = { ...state, certificate: state.certificate && { ...state.certificate, findings: serveLong(at(380)).findings } };
    expect(legacy.certificate?.findings.map((finding) => finding.code)).toEqual(['EXPIRES_SOON']);
    const next = foldObservation(legacy, { ...TARGET, result: unreachable() }, DEFAULT_POLICY, at(380, 1)).state;
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
    const { state } = foldObservation(undefined, { ...TARGET, result: served([leaf('BIG:02', T0, 398, { sans: long })], at(10)) }, DEFAULT_POLICY, at(10));
    const sans = state.certificate?.sans ?? [];
    expect(sans.length).toBeLessThan(DETAIL_LIMITS.sans);
    expect(sans.join('').length).toBeLessThanOrEqual(4_000);
    expect(sans.every((name) => name.length <= 300)).toBe(true);
    expect(state.certificate?.sanCount).toBe(150);
  });

  test('a certificate with few SANs is stored as served, without a count', () => {
    const { state } = foldObservation(undefined, { ...TARGET, result: serveLong(at(10)) }, DEFAULT_POLICY, at(10));
    expect(state.certificate?.sans).toEqual(['shop.example']);
    expect(state.certificate && 'sanCount' in state.certificate).toBe(false);
    expect(state.certificate?.chain).toEqual([long]);
  });

  test('a long served chain is cut, keeping the certificate whose notAfter governs', () => {
    const filler = Array.from({ length: 20 }, (_, index) => leaf(`CA:${index}`, T0, 2000, { subject: `CN=CA ${index}` }));
    const expiringLast = leaf('CA:late', T0, 20, { subject: 'CN=expires first' });
    const { state } = foldObservation(undefined, { ...TARGET, result: served([long, ...filler, expiringLast], at(10)) }, DEFAULT_POLICY, at(10));
    const chain = state.certificate?.chain ?? [];
    expect(chain).toHaveLength(10);
    expect(chain[0].fingerprintSha256).toBe('AA:01');
    expect(chain.at(-1)?.subject).toBe('CN=expires first');
    expect(state.certificate?.notAfter).toBe(expiringLast.notAfter);
  });

  test('findings are kept up to a limit, the critical ones first', () => {
    const weakChain = Array.from({ length: 40 }, (_, index) => leaf(`W:${index}`, T0, 2000, { subject: `CN=weak ${index}`, keyAlgorithm: 'RSA', keySize: 1024 }));
    const result = served([long, ...weakChain], at(10), { chainProblem: 'UNTRUSTED_ROOT', chainProblemDetail: null });
    const { state } = foldObservation(undefined, { ...TARGET, result }, DEFAULT_POLICY, at(10));
    expect(result.findings.length).toBeGreaterThan(40);
    expect(state.certificate?.findings).toHaveLength(30);
    expect(state.certificate?.findings[0].code).toBe('UNTRUSTED_ROOT');
  });

  test('a state stored before the bounds is bounded on its next observation, even while the probe fails', () => {
    const { state } = foldObservation(undefined, { ...TARGET, result: serveLong(at(10)) }, DEFAULT_POLICY, at(10));
    const legacy: WatchState = { ...state, certificate: state.certificate && { ...state.certificate, sans: names, chain: [huge] } };
    const next = foldObservation(legacy, { ...TARGET, result: unreachable() }, DEFAULT_POLICY, at(10, 1)).state;
    expect(next.certificate?.sans).toHaveLength(DETAIL_LIMITS.sans);
    expect(next.certificate?.sanCount).toBe(5000);
    expect(next.certificate?.chain[0].sans).toHaveLength(DETAIL_LIMITS.sans);
  });

  test('a probe error message is clipped where it is stored', () => {
    const verbose = { ...unreachable(), error: { code: 'TLS_HANDSHAKE_FAILED' as const, message: 'alert '.repeat(10_000) } };
    const { state } = foldObservation(undefined, { ...TARGET, result: verbose }, DEFAULT_POLICY, at(10));
    expect(state.lastError?.message.length).toBeLessThanOrEqual(300);
    expect(state.history.at(-1)?.detail.length).toBeLessThan(400);
  });
});

describe('remembered lists are bounded', () => {
  test('sent notices and history stay bounded', () => {
    const watcher = new Watcher();
    watcher.runEvery(6, at(395), at(440), serveLong); // critical then expired: ~100 notices
    expect(watcher.deliveries.length).toBeGreaterThan(SENT_LIMIT + 20);
    expect(currentState(watcher).sent).toHaveLength(SENT_LIMIT);
    expect(currentState(watcher).history).toHaveLength(HISTORY_LIMIT);
    expect(currentState(watcher).sent.at(-1)?.sentAt).toBe(at(439, 12).toISOString());
  });
});
