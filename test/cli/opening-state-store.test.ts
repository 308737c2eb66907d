import type { StateStore } from '../../functions/core/ports';
import type { WatchState } from '../../functions/core/watch-state';
import { runWatch } from '../../functions/use-cases/run-watch';
import { OpeningStateStore } from '../../functions/cli/opening-state-store';
import { day, notingProbe, RecordingNotifier, watchRunSuite } from '../support/watch-run';
import { createResolver } from '../../functions/probes/dns/create-resolver';

// The CLI's store while it opens: a run probes meanwhile, through the real probe (TLS servers on loopback) and the
// real DynamoDB adapter (dynalite), and comes out as on a store open from the start; one that fails to open stops it.

const suite = watchRunSuite();
const { serverExpiringIn, configFor, run } = suite;

describe('a store still opening', () => {
  test.each([
    ['the first', 1],
    ['the last', 3],
  ])('opening after %s target answered, the run comes out as on an open store', async (_, openAfter) => {
    const soon = await serverExpiringIn(10, 'run.test');
    const later = await serverExpiringIn(200, 'run.test');
    const config = configFor([`127.0.0.1:${soon.port}`, `127.0.0.1:${later.port}`, 'not a target'], { digest: { notify: ['owners'], every: '1d' } });
    const openStore = await suite.dynamo.createStore();
    const openNotifier = new RecordingNotifier();
    const expected = await run(config, openStore, openNotifier, day(0));

    const store = await suite.dynamo.createStore();
    const notifier = new RecordingNotifier();
    const events: string[] = [];
    let open!: () => void;
    const opening = new OpeningStateStore(new Promise<StateStore>((resolve) => (open = () => resolve(store))));
    const onProgress = (done: number, total: number) => {
      events.push(`answered ${done}/${total}`);
      if (done === openAfter) {
        events.push('store open');
        open();
      }
    };
    const probe = notingProbe((target) => events.push(`probing ${target}`));
    const summary = await runWatch(config, { probe, resolver: createResolver(), store: opening, notifier, now: day(0), onProgress });

    const answered = ['answered 1/3', 'answered 2/3', 'answered 3/3'];
    const probing = [`probing 127.0.0.1:${soon.port}`, `probing 127.0.0.1:${later.port}`];
    expect(events).toEqual([...probing, ...answered.slice(0, openAfter), 'store open', ...answered.slice(openAfter)]);
    expect(summary).toEqual(expected);
    expect(notifier.take()).toEqual(openNotifier.take());
    const sorted = (states: WatchState[]) => [...states].sort((a, b) => a.certificateId.localeCompare(b.certificateId));
    expect(sorted((await store.list()).states)).toEqual(sorted((await openStore.list()).states));
    expect(await store.getLedger()).toEqual(await openStore.getLedger());
  });

  test('that fails to open stops the run: no further probe, the store\'s error, nothing published', async () => {
    const targets = await Promise.all([1, 2, 3, 4].map(() => serverExpiringIn(10, 'run.test')));
    const config = configFor(targets.map((s) => `127.0.0.1:${s.port}`), { check: { timeoutMs: 2000, concurrency: 1 } });
    const probed: string[] = [];
    const notifier = new RecordingNotifier();
    const failure = new Error('cannot use the local store: disk full');
    let fail!: () => void;
    const opening = new OpeningStateStore(new Promise<StateStore>((_, reject) => (fail = () => reject(failure))));

    const running = runWatch(config, { probe: notingProbe((target) => probed.push(target)), resolver: createResolver(), store: opening, notifier, now: day(0), onProgress: (done) => done === 1 && fail() });

    await expect(running).rejects.toBe(failure);
    // At most the target taken while the failure was being reported was probed after it.
    expect(probed.length).toBeLessThanOrEqual(2);
    expect(notifier.sent).toEqual([]);
  });
});

describe('its calls', () => {
  test('wait for the store to open, and count only the writes made through it', async () => {
    const store = await suite.dynamo.createStore();
    await store.putLedger({ lastRunAt: null, digestSentFor: null, digestClaim: null, lastDigestAt: null, lastClockRunAt: null, version: 0 }, 0);
    let open!: () => void;
    const opening = new OpeningStateStore(new Promise<StateStore>((resolve) => (open = () => resolve(store))));
    const listing = opening.list();
    const ledger = opening.getLedger();
    expect(opening.writeCount).toBe(0);
    open();
    await expect(listing).resolves.toEqual({ states: [], unreadable: [] });
    const written = await opening.putLedger({ ...(await ledger), lastRunAt: day(0).toISOString() }, 1);
    expect(written.version).toBe(2);
    expect(opening.writeCount).toBe(1);
    expect(store.writeCount).toBe(2);
  });

  test('each fail with why the store could not open', async () => {
    const failure = new Error('cannot use the local store: disk full');
    const opening = new OpeningStateStore(Promise.reject(failure));
    await expect(opening.get('tls:a.example:443')).rejects.toBe(failure);
    await expect(opening.delete('tls:a.example:443', 1)).rejects.toBe(failure);
    expect(opening.writeCount).toBe(0);
  });
});
