import { checkTargets } from '../../functions/use-cases/check-targets';
import { CHECK_DEFAULTS } from '../../functions/core/check-settings';
import type { CertificateProbe } from '../../functions/core/ports';
import { TlsProbe } from '../../functions/probes/tls-probe';
import { closedPort } from '../support/servers';
import { createResolver } from '../../functions/probes/dns/create-resolver';

// Tier 2: the check use case's worker pool, probing real (refusing) loopback ports.

let refused: number;
const targets = (count: number) => Array.from({ length: count }, () => ({ target: `127.0.0.1:${refused}` }));
const settings = { ...CHECK_DEFAULTS, timeoutMs: 2000, concurrency: 1 };

/** The real probe, counting the targets it was asked to probe. */
function countingProbe(): CertificateProbe & { count: number } {
  const tlsProbe = new TlsProbe();
  return {
    count: 0,
    probe(target, probeSettings) {
      this.count++;
      return tlsProbe.probe(target, probeSettings);
    },
  };
}

beforeAll(async () => {
  refused = await closedPort();
});

describe('an abort signal', () => {
  test('already aborted: no target is taken, and the check rejects with its reason', async () => {
    const probe = countingProbe();
    const reason = new Error('the store is gone');
    await expect(checkTargets(targets(3), settings, { probe, resolver: createResolver(), now: () => new Date(), signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(probe.count).toBe(0);
  });

  test('aborted mid-way: the workers take no further target, the one in flight is reported', async () => {
    const probe = countingProbe();
    const controller = new AbortController();
    const reported: number[] = [];
    const onResult = (index: number) => {
      reported.push(index);
      if (index === 1) controller.abort(new Error('stop'));
    };
    await expect(checkTargets(targets(5), settings, { probe, resolver: createResolver(), now: () => new Date(), onResult, signal: controller.signal })).rejects.toThrow('stop');
    expect(probe.count).toBe(2);
    expect(reported).toEqual([0, 1]);
  });

  test('aborted once every target was taken: the check completes', async () => {
    const probe = countingProbe();
    const controller = new AbortController();
    const onResult = (index: number) => index === 1 && controller.abort(new Error('too late'));
    const results = await checkTargets(targets(2), settings, { probe, resolver: createResolver(), now: () => new Date(), onResult, signal: controller.signal });
    expect(results.map((r) => r.error?.code)).toEqual(['CONNECTION_REFUSED', 'CONNECTION_REFUSED']);
  });
});
