import { acknowledge } from '../../../functions/core/escalation/acknowledge';
import { foldObservation } from '../../../functions/core/escalation/fold';
import { planDigest, soonestExpiryFirst } from '../../../functions/core/escalation/digest';
import { DEFAULT_POLICY } from '../../../functions/core/escalation/policy';
import type { WatchState } from '../../../functions/core/watch-state';
import { at, DAY, leaf, served, TARGET, unreachable } from './harness';

const NOW = at(100);
const SCHEDULE = { notify: ['owners', 'security'], everyMs: DAY };

/** A watched certificate with `daysLeft` at NOW, as the state after one run at NOW. */
function watched(name: string, daysLeft: number, lifetimeDays = 398): WatchState {
  const notAfter = NOW.getTime() + daysLeft * DAY;
  const cert = leaf(`FP:${name}`, new Date(notAfter - lifetimeDays * DAY), lifetimeDays, { subject: `CN=${name}` });
  return foldObservation(undefined, { ...TARGET, certificateId: `tls:${name}:443`, target: `${name}:443`, result: served([cert], NOW) }, DEFAULT_POLICY, NOW).state;
}

function failing(name: string, base?: WatchState): WatchState {
  const input = { ...TARGET, certificateId: base?.certificateId ?? `tls:${name}:443`, target: base?.target ?? `${name}:443`, result: unreachable() };
  return foldObservation(base, input, DEFAULT_POLICY, new Date(NOW.getTime() + 1)).state;
}

describe('planDigest', () => {
  test('lists everything inside a stage or failing, soonest first, unknown expiry last', () => {
    const states = [watched('later', 40), failing('never-answered'), watched('fine', 200), watched('soon', 2), failing('down', watched('down', 20)), watched('gone', -1)];
    const digest = planDigest(states, DEFAULT_POLICY, NOW, SCHEDULE);
    expect(digest?.digest?.map((line) => [line.target, line.daysRemaining, line.stage, line.status])).toEqual([
      ['gone:443', -1, 'expired', 'expired'],
      ['soon:443', 2, 'critical', 'critical'],
      ['down:443', 20, 'warning', 'error'],
      ['later:443', 40, 'notice', 'ok'],
      ['never-answered:443', null, null, 'error'],
    ]);
  });

  test('is one notification of kind digest to the digest audiences, summarising the worst', () => {
    const digest = planDigest([watched('later', 40), watched('soon', 2)], DEFAULT_POLICY, NOW, SCHEDULE);
    expect(digest).toMatchObject({ kind: 'digest', stage: 'digest', audiences: ['owners', 'security'], status: 'critical', daysRemaining: 2, decidedAt: NOW.toISOString(), certificate: null });
    expect(digest?.digest?.[0]).toEqual({ certificateId: 'tls:soon:443', target: 'soon:443', subject: 'CN=soon', notAfter: at(102).toISOString(), daysRemaining: 2, stage: 'critical', status: 'critical', acknowledged: false });
  });

  test('days left and stages are judged at `now`, not at the last check', () => {
    const digest = planDigest([watched('later', 40)], DEFAULT_POLICY, at(130), SCHEDULE);
    expect(digest?.digest?.[0]).toMatchObject({ daysRemaining: 10, stage: 'urgent' });
  });

  test('the first stage follows the lifetime cap: a 47-day certificate 20 days out is not listed yet', () => {
    expect(planDigest([watched('short', 20, 47)], DEFAULT_POLICY, NOW, SCHEDULE)).toBeNull();
    expect(planDigest([watched('short', 14, 47)], DEFAULT_POLICY, NOW, SCHEDULE)?.digest).toHaveLength(1);
  });

  test('marks acknowledged certificates (a snooze that ended no longer counts)', () => {
    const acked = acknowledge(watched('acked', 10), { at: NOW, until: at(101) });
    expect(planDigest([acked], DEFAULT_POLICY, NOW, SCHEDULE)?.digest?.[0].acknowledged).toBe(true);
    expect(planDigest([acked], DEFAULT_POLICY, at(101), SCHEDULE)?.digest?.[0].acknowledged).toBe(false);
  });

  test('marks a failing certificate in no stage acknowledged when its error alert is (until the snooze ends)', () => {
    let down = watched('down', 200);
    for (const minutes of [1, 2, 3]) down = foldObservation(down, { ...TARGET, certificateId: down.certificateId, target: down.target, result: unreachable() }, DEFAULT_POLICY, new Date(NOW.getTime() + minutes * 60_000)).state;
    expect(down.errorAlert.active).toBe(true);
    expect(planDigest([down], DEFAULT_POLICY, at(100, 1), SCHEDULE)?.digest?.[0]).toMatchObject({ stage: null, status: 'error', acknowledged: false });
    const acked = acknowledge(down, { at: at(100, 1), until: at(101) });
    expect(planDigest([acked], DEFAULT_POLICY, at(100, 1), SCHEDULE)?.digest?.[0].acknowledged).toBe(true);
    expect(planDigest([acked], DEFAULT_POLICY, at(101), SCHEDULE)?.digest?.[0].acknowledged).toBe(false);
  });

  test('lists a certificate clients reject even outside every stage, saying why, in the same soonest-first order', () => {
    const misnamed = (name: string, daysLeft: number) => {
      const notAfter = NOW.getTime() + daysLeft * DAY;
      const cert = leaf(`FP:${name}`, new Date(notAfter - 398 * DAY), 398, { subject: `CN=${name}` });
      const result = served([cert], NOW, { hostnameMismatch: `"${name}" is not in the certificate's names`, chainProblem: 'UNTRUSTED_ROOT' });
      return foldObservation(undefined, { ...TARGET, certificateId: `tls:${name}:443`, target: `${name}:443`, result }, DEFAULT_POLICY, NOW).state;
    };
    const states = [watched('fine', 200), misnamed('broken', 300), watched('later', 40), misnamed('broken-soon', 20)];
    const lines = planDigest(states, DEFAULT_POLICY, NOW, SCHEDULE)?.digest ?? [];
    expect(lines.map((line) => [line.target, line.stage, line.status, line.rejectedFor])).toEqual([
      ['broken-soon:443', 'warning', 'critical', ['HOSTNAME_MISMATCH', 'UNTRUSTED_ROOT']],
      ['later:443', 'notice', 'ok', undefined],
      ['broken:443', null, 'critical', ['HOSTNAME_MISMATCH', 'UNTRUSTED_ROOT']],
    ]);
    expect(lines.map((line) => line.certificateId)).toEqual([...lines].sort(soonestExpiryFirst).map((line) => line.certificateId));

    // Acknowledged: marked so while the acknowledgement holds; accepted again: no longer listed.
    const broken = states[1];
    const acked = acknowledge(broken, { at: NOW, alert: 'invalid', until: at(101) });
    expect(planDigest([acked], DEFAULT_POLICY, at(100, 1), SCHEDULE)?.digest?.[0].acknowledged).toBe(true);
    expect(planDigest([acked], DEFAULT_POLICY, at(101), SCHEDULE)?.digest?.[0].acknowledged).toBe(false);
    const good = leaf('FP:broken', new Date(NOW.getTime() - 98 * DAY), 398, { subject: 'CN=broken' });
    const fixed = foldObservation(broken, { ...TARGET, certificateId: broken.certificateId, target: broken.target, result: served([good], at(100, 1)) }, DEFAULT_POLICY, at(100, 1)).state;
    expect(planDigest([fixed], DEFAULT_POLICY, at(100, 1), SCHEDULE)).toBeNull();
  });

  test('nothing to list: no digest', () => {
    expect(planDigest([watched('fine', 200)], DEFAULT_POLICY, NOW, SCHEDULE)).toBeNull();
    expect(planDigest([], DEFAULT_POLICY, NOW, SCHEDULE)).toBeNull();
  });

  test('one id per schedule period: runs within a day decide the same digest, the next day a new one', () => {
    const states = [watched('soon', 2)];
    const morning = planDigest(states, DEFAULT_POLICY, at(100, 1), SCHEDULE);
    const evening = planDigest(states, DEFAULT_POLICY, at(100, 23), SCHEDULE);
    const tomorrow = planDigest(states, DEFAULT_POLICY, at(101, 1), SCHEDULE);
    expect(morning?.id).toBe(evening?.id);
    expect(morning?.id).toBe(`digest#${at(100).toISOString()}`);
    expect(tomorrow?.id).not.toBe(morning?.id);
  });

  test('without a schedule: daily, to the first stage\'s audiences', () => {
    const digest = planDigest([watched('soon', 2)], DEFAULT_POLICY, at(100, 5));
    expect(digest?.audiences).toEqual(['owners']);
    expect(digest?.id).toContain(at(100).toISOString());
  });
});

describe('soonestExpiryFirst: the one soonest-first order, for the digest and anything else listing certificates', () => {
  const row = (certificateId: string, notAfter: string | null) => ({ certificateId, notAfter, extra: 'any row shape with these two fields' });

  test('earliest notAfter first; unknown and unreadable expiry last; ties by certificate id in code-unit order', () => {
    const rows = [row('tls:d', null), row('tls:c', at(5).toISOString()), row('tls:b', 'garbage'), row('tls:a', at(5).toISOString()), row('tls:Z', at(5).toISOString()), row('tls:e', at(1).toISOString())];
    expect(rows.sort(soonestExpiryFirst).map((r) => r.certificateId)).toEqual(['tls:e', 'tls:Z', 'tls:a', 'tls:c', 'tls:b', 'tls:d']);
  });

  test('the same instant written two ways is a tie, broken by certificate id', () => {
    expect(soonestExpiryFirst(row('tls:b', '2026-06-01T00:00:00Z'), row('tls:a', '2026-06-01T00:00:00.000Z'))).toBeGreaterThan(0);
  });

  test('is the order planDigest lists its lines in', () => {
    const states = [watched('b', 20), watched('a', 20), watched('c', 3), failing('down')];
    const lines = planDigest(states, DEFAULT_POLICY, NOW, SCHEDULE)?.digest ?? [];
    expect(lines.map((line) => line.certificateId)).toEqual([...lines].sort(soonestExpiryFirst).map((line) => line.certificateId));
    expect(lines.map((line) => line.certificateId)).toEqual(['tls:c:443', 'tls:a:443', 'tls:b:443', 'tls:down:443']);
  });
});
