import { checkTargets, checkTargetsInOrder } from '../../functions/use-cases/check-targets';
import { CHECK_DEFAULTS } from '../../functions/core/check-settings';
import { ProbeError, type CertificateProbe, type NameResolver } from '../../functions/core/ports';
import type { Target } from '../../functions/core/target';
import { TlsProbe } from '../../functions/probes/tls-probe';
import { closedPort } from '../support/servers';
import { createResolver } from '../../functions/probes/dns/create-resolver';

// Tier 2: the check use case's worker pool, probing real (refusing) loopback ports; and its handshake budget, with
// fakes of its two ports (a resolver and a slow probe) to count what is in flight.

let refused: number;
const targets = (count: number) => Array.from({ length: count }, () => ({ target: `127.0.0.1:${refused}` }));
const settings = { ...CHECK_DEFAULTS, timeoutMs: 2000, concurrency: 1 };

/** The real probe, counting the targets it was asked to probe. */
function countingProbe(): CertificateProbe & { count: number } {
  const tlsProbe = new TlsProbe();
  return {
    count: 0,
    probe(target, probeSettings, address) {
      this.count++;
      return tlsProbe.probe(target, probeSettings, address);
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
    const onResult = (index: number) => {
      if (index === 1) controller.abort(new Error('too late'));
    };
    const results = await checkTargets(targets(2), settings, { probe, resolver: createResolver(), now: () => new Date(), onResult, signal: controller.signal });
    expect(results.map((r) => r.error?.code)).toEqual(['CONNECTION_REFUSED', 'CONNECTION_REFUSED']);
  });
});

describe('a consumer that falls behind', () => {
  test('a promise from onResult holds that worker back from its next target until it settles', async () => {
    const probe = countingProbe();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const probedWhenReported: number[] = [];
    const onResult = (index: number) => {
      probedWhenReported.push(probe.count);
      return index === 0 ? held : undefined;
    };
    const checking = checkTargets(targets(3), settings, { probe, resolver: createResolver(), now: () => new Date(), onResult });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(probe.count).toBe(1); // the one worker waits on the first result's consumer
    release();
    expect((await checking).map((r) => r.error?.code)).toEqual(['CONNECTION_REFUSED', 'CONNECTION_REFUSED', 'CONNECTION_REFUSED']);
    expect(probedWhenReported).toEqual([1, 2, 3]);
  });
});

describe('--concurrency counts handshakes, each address behind a name one of them', () => {
  // Our own ports' fakes: a name with four addresses, and a probe that takes a moment and finds nothing listening.
  const resolver: NameResolver = { resolve: async () => ['127.0.0.5', '127.0.0.2', '127.0.0.4', '127.0.0.3'] };
  let inFlight = 0;
  let most = 0;
  let probed: string[] = [];
  beforeEach(() => {
    [inFlight, most, probed] = [0, 0, []];
  });

  const probe: CertificateProbe = {
    async probe(target, _settings, address) {
      probed.push(`${target.host} ${address}`);
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 10));
      inFlight--;
      throw new ProbeError('CONNECTION_REFUSED', `${target.target}: connection refused`);
    },
  };

  test('one name of four addresses at a concurrency of 3: its addresses are probed 3 at once', async () => {
    await checkTargets([{ target: 'a.test' }], { ...settings, concurrency: 3 }, { probe, resolver, now: () => new Date() });
    expect(most).toBe(3);
    expect(probed).toHaveLength(4);
  });

  test('three names of four addresses at a concurrency of 3: every address probed, never more than 3 at once', async () => {
    const names = ['a.test', 'b.test', 'c.test'].map((name) => ({ target: name }));
    const results = await checkTargets(names, { ...settings, concurrency: 3 }, { probe, resolver, now: () => new Date() });
    expect(most).toBe(3);
    expect(probed).toHaveLength(12);
    expect(results.map((result) => result.addresses.map((entry) => entry.address))).toEqual(Array(3).fill(['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5']));
  });
});

describe('results in input order as they arrive', () => {
  /** The real probe, each target's answer held back until the test releases it. */
  function gatedProbe(): CertificateProbe & { release: (port: number) => void } {
    const tlsProbe = new TlsProbe();
    const gates = new Map<number, () => void>();
    const opened = new Map<number, Promise<void>>();
    const gateFor = (port: number) => {
      if (!opened.has(port)) opened.set(port, new Promise<void>((open) => gates.set(port, open)));
      return opened.get(port)!;
    };
    return {
      async probe(target: Target, probeSettings, address) {
        await gateFor(target.port);
        return tlsProbe.probe(target, probeSettings, address);
      },
      release: (port) => {
        void gateFor(port);
        gates.get(port)!();
      },
    };
  }

  test('a result finished early waits only for those before it, and goes out with them', async () => {
    const probe = gatedProbe();
    // Three targets told apart by port (each refused): the third answers first, then the first, then the second.
    const ports = [await closedPort(), await closedPort(), await closedPort()];
    const events: string[] = [];
    const done = checkTargetsInOrder(
      ports.map((port) => ({ target: `127.0.0.1:${port}` })),
      { ...settings, concurrency: 3 },
      {
        probe,
        resolver: createResolver([]),
        now: () => new Date(),
        onResult: (index) => {
          events.push(`judged ${index}`);
        },
      },
      (result, index) => events.push(`emitted ${index} ${result.target === `127.0.0.1:${ports[index]}` ? 'right' : 'wrong'} target`),
    );
    const judged = async (index: number) => {
      while (!events.includes(`judged ${index}`)) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    probe.release(ports[2]);
    await judged(2);
    probe.release(ports[0]);
    await judged(0);
    probe.release(ports[1]);
    await done;
    expect(events).toEqual(['judged 2', 'judged 0', 'emitted 0 right target', 'judged 1', 'emitted 1 right target', 'emitted 2 right target']);
  });
});
