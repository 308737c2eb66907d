import { describeAddresses } from '../../../functions/core/escalation/addresses-seen';
import { foldObservation } from '../../../functions/core/escalation/fold';
import { DEFAULT_POLICY } from '../../../functions/core/escalation/policy';
import { DETAIL_LIMITS } from '../../../functions/core/safe-text';
import type { CertificateInfo } from '../../../functions/core/certificate';
import { at, BOTH, currentState, leaf, long, misnamed, mismatch, OWNERS, pool, series, T0, TARGET, Watcher, type PoolNode } from './harness';

// The watcher on a name served by several addresses: the state follows the target, judged by its worst address.

/** The renewal of `long` (AA:01, expires day 398), deployed node by node. */
const renewed = leaf('CC:01', at(383), 398);
const NODES = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];

/** The three nodes, each serving `renewed` from its renewal time on (never: `long` throughout). */
function rollout(renewedAt: Record<string, Date | null>, order: readonly string[] = NODES) {
  return (now: Date) => pool(now, order.map((address): PoolNode => ({ address, chain: [renewedAt[address] && now >= renewedAt[address]! ? renewed : long] })));
}

describe('a renewal that reaches the nodes one by one', () => {
  test('the stage and its repeats go on while one node is stale; one recovery, after the last node is renewed', () => {
    const watcher = new Watcher();
    const deliveries = watcher.runEvery(12, at(384), at(388), rollout({ '10.0.0.1': at(384, 12), '10.0.0.2': at(385, 12), '10.0.0.3': at(386, 12) }));
    expect(deliveries).toEqual([...series(at(384), 24, 3, 'expiry', 'urgent', BOTH), ['386d12h', 'recovery', 'urgent', BOTH]]);
    const state = currentState(watcher);
    expect(state.certificate?.fingerprintSha256).toBe('CC:01');
    expect(state.history.filter((entry) => ['replaced', 'stage-changed', 'addresses-changed'].includes(entry.event)).map((entry) => [entry.at, entry.event, entry.detail])).toEqual([
      [at(384).toISOString(), 'stage-changed', 'none -> urgent (14.0 days left)'],
      [at(384, 12).toISOString(), 'addresses-changed', '1 of 3 addresses serve the renewed certificate; 10.0.0.2 and 10.0.0.3 still serve the one expiring 2027-04-03'],
      [at(385, 12).toISOString(), 'addresses-changed', '2 of 3 addresses serve the renewed certificate; 10.0.0.3 still serves the one expiring 2027-04-03'],
      [at(386, 12).toISOString(), 'replaced', `AA:01 (expires ${long.notAfter}) -> CC:01 (expires ${renewed.notAfter})`],
      [at(386, 12).toISOString(), 'addresses-changed', 'all 3 addresses serve the certificate expiring 2028-04-20'],
      [at(386, 12).toISOString(), 'stage-changed', 'urgent -> none (394.5 days left)'],
    ]);
  });

  test('each notice while a node is stale names the stale addresses', () => {
    const watcher = new Watcher();
    const serve = rollout({ '10.0.0.1': at(0), '10.0.0.2': at(0), '10.0.0.3': null });
    watcher.run(at(384), serve(at(384)));
    const planned = watcher.run(at(385), serve(at(385)));
    expect(planned.map((n) => [n.kind, n.stage])).toEqual([['expiry', 'urgent']]);
    expect(describeAddresses(planned[0])).toBe('2 of 3 addresses serve the renewed certificate; 10.0.0.3 still serves the one expiring 2027-04-03');
    expect(planned[0].certificate?.fingerprintSha256).toBe('AA:01');
  });

  test('answers in another order every run: the same state, no notice besides the stage\'s own', () => {
    const orders = [NODES, [...NODES].reverse(), ['10.0.0.2', '10.0.0.3', '10.0.0.1']];
    const renewedAt = { '10.0.0.1': at(0), '10.0.0.2': at(0), '10.0.0.3': null };
    const watcher = new Watcher();
    let run = 0;
    const deliveries = watcher.runEvery(6, at(384), at(386), (now) => rollout(renewedAt, orders[run++ % orders.length])(now));
    expect(deliveries).toEqual(series(at(384), 24, 2, 'expiry', 'urgent', BOTH));
    // Between two quiet runs nothing but the time of the check changes: the store is not rewritten.
    const quiet = foldObservation(currentState(watcher), { ...TARGET, result: rollout(renewedAt, orders[1])(at(386)) }, DEFAULT_POLICY, at(386));
    const again = foldObservation(quiet.state, { ...TARGET, result: rollout(renewedAt, orders[2])(at(386, 1)) }, DEFAULT_POLICY, at(386, 1));
    expect(again.state).toEqual({ ...quiet.state, lastCheckedAt: at(386, 1).toISOString() });
    expect(currentState(watcher).history.filter((entry) => entry.event === 'addresses-changed')).toHaveLength(1);
  });

  test('a stale node that stops answering is not taken as renewed: no recovery, and no new series when it answers again', () => {
    const watcher = new Watcher();
    const renewedAt = { '10.0.0.1': at(0), '10.0.0.2': at(0), '10.0.0.3': at(386) };
    const serve = (now: Date) =>
      now.getTime() === at(385, 12).getTime()
        ? pool(now, [{ address: '10.0.0.1', chain: [renewed] }, { address: '10.0.0.2', chain: [renewed] }, { address: '10.0.0.3', error: 'TIMEOUT' }])
        : rollout(renewedAt)(now);
    const deliveries = watcher.runEvery(12, at(384), at(387), serve);
    expect(deliveries).toEqual([...series(at(384), 24, 2, 'expiry', 'urgent', BOTH), ['386d', 'recovery', 'urgent', BOTH]]);
    const history = currentState(watcher).history;
    expect(history.filter((entry) => entry.event === 'replaced').map((entry) => entry.at)).toEqual([at(386).toISOString()]);
    expect(history.find((entry) => entry.at === at(385, 12).toISOString() && entry.event === 'addresses-changed')?.detail).toBe(
      '2 of 3 addresses serve the renewed certificate; 10.0.0.3 could not be checked (TIMEOUT) and last served the one expiring 2027-04-03',
    );
  });

  test('a stale node taken out of the name (DNS no longer answers it) ends the alert', () => {
    const watcher = new Watcher();
    watcher.run(at(384), rollout({ '10.0.0.1': at(0), '10.0.0.2': at(0), '10.0.0.3': null })(at(384)));
    const planned = watcher.run(at(384, 6), pool(at(384, 6), [{ address: '10.0.0.1', chain: [renewed] }, { address: '10.0.0.2', chain: [renewed] }]));
    expect(planned.map((n) => [n.kind, n.stage])).toEqual([['recovery', 'urgent']]);
  });
});

describe('nodes serving certificates clients reject, or merely different ones', () => {
  test('one node with a certificate for another name fires the invalid alert, naming the node', () => {
    const watcher = new Watcher();
    const nodes: PoolNode[] = [
      { address: '10.0.0.1', chain: [long] },
      { address: '10.0.0.2', chain: [long] },
      { address: '10.0.0.3', chain: [misnamed], seen: mismatch },
    ];
    const planned = watcher.run(at(10), pool(at(10), nodes));
    expect(planned.map((n) => [n.kind, n.stage, n.audiences.join('+')])).toEqual([['error', 'invalid', OWNERS]]);
    expect(planned[0].certificate?.findings.filter((finding) => finding.code === 'HOSTNAME_MISMATCH').map((finding) => finding.message)).toEqual([
      `10.0.0.3: ${mismatch.hostnameMismatch}`,
    ]);
    expect(currentState(watcher).status).toBe('critical');
  });

  test('different certificates alone, none rejected and none near expiry, notify nobody', () => {
    const other = leaf('DD:01', T0, 398);
    const watcher = new Watcher();
    const planned = watcher.run(at(10), pool(at(10), [{ address: '10.0.0.1', chain: [long] }, { address: '10.0.0.2', chain: [other] }]));
    expect(planned).toEqual([]);
    expect(currentState(watcher).status).toBe('warning');
    expect(currentState(watcher).certificate?.findings.map((finding) => finding.code)).toEqual(['MIXED_CERTIFICATES']);
  });
});

describe('what is remembered of the addresses is bounded', () => {
  test('a name with 500 addresses: 32 remembered, the stale and failing ones first, and the state far below 400 KB', () => {
    const names = Array.from({ length: 100 }, (_, index) => `tenant-${index}.shop.example`);
    const big = (fingerprint: string, issued: Date): CertificateInfo => leaf(fingerprint, issued, 398, { sans: names });
    const [stale, fresh] = [big('AA:FF', T0), big('CC:FF', at(383))];
    const address = (index: number) => `10.${Math.floor(index / 250)}.${index % 250}.1`;
    const nodes = Array.from({ length: 500 }, (_, index): PoolNode =>
      index % 50 === 7 ? { address: address(index), chain: [stale] } : index % 100 === 9 ? { address: address(index), error: 'TIMEOUT' } : { address: address(index), chain: [fresh] },
    );
    const watcher = new Watcher();
    for (const hour of [0, 1, 2, 3]) watcher.run(at(396, hour), pool(at(396, hour), nodes), { snsUp: false });
    const state = currentState(watcher);
    expect(state.addresses).toHaveLength(DETAIL_LIMITS.addresses);
    expect(state.addressCount).toBe(500);
    expect(state.addresses?.filter((entry) => entry.fingerprintSha256 === 'CC:FF' && entry.errorCode === null)).toHaveLength(DETAIL_LIMITS.addresses - 15);
    expect(describeAddresses(state)).toBe(
      '485 of 500 addresses serve the renewed certificate; 10.0.7.1, 10.0.57.1, 10.0.107.1, 10.0.157.1, 10.0.207.1 and 5 more still serve the one expiring 2027-04-03; ' +
        '10.0.9.1, 10.0.109.1, 10.0.209.1, 10.1.59.1 and 10.1.159.1 could not be checked (TIMEOUT)',
    );
    expect(state.pending.length).toBeGreaterThan(0);
    expect(state.pending.every((notice) => notice.addresses?.length === DETAIL_LIMITS.addresses)).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(state))).toBeLessThan(100_000);
  });

  test('when more addresses differ than are remembered, the count says "at most" and the rest are said to be unlisted', () => {
    const fresh = leaf('CC:01', at(383), 398);
    const nodes = Array.from({ length: 100 }, (_, index): PoolNode => ({ address: `10.0.0.${index + 1}`, chain: [index < 60 ? long : fresh] }));
    const { state } = foldObservation(undefined, { ...TARGET, result: pool(at(384), nodes) }, DEFAULT_POLICY, at(384));
    expect(state.addresses).toHaveLength(DETAIL_LIMITS.addresses);
    expect(describeAddresses(state)).toMatch(/^at most 69 of 100 addresses serve the renewed certificate; .* and 26 more still serve the one expiring 2027-04-03; 68 more addresses are not listed/);
  });

  test('a target served by one address stores no addresses (its state is as before pools)', () => {
    const { state } = foldObservation(undefined, { ...TARGET, result: pool(at(10), [{ address: '10.0.0.1', chain: [long] }]) }, DEFAULT_POLICY, at(10));
    expect('addresses' in state).toBe(false);
    expect(state.history.map((entry) => entry.event)).toEqual(['first-seen']);
  });

  test('a run whose name did not resolve keeps the addresses known', () => {
    const watcher = new Watcher();
    watcher.run(at(10), pool(at(10), [{ address: '10.0.0.1', chain: [long] }, { address: '10.0.0.2', chain: [renewed] }]));
    const known = currentState(watcher).addresses;
    const notFound = { ...pool(at(10, 1), []), status: 'error' as const, error: { code: 'DNS_NOT_FOUND' as const, message: 'shop.example: host name not found' } };
    watcher.run(at(10, 1), notFound);
    expect(currentState(watcher).addresses).toEqual(known);
  });
});
