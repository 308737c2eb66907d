import { DAY_MS } from '../../functions/core/duration';
import { createResolver } from '../../functions/probes/dns/create-resolver';
import { TlsProbe } from '../../functions/probes/tls-probe';
import { runWatch } from '../../functions/use-cases/run-watch';
import type { StateStore } from '../../functions/core/ports';
import type { CertwatchConfig } from '../../functions/core/config';
import { day, RecordingNotifier, watchRunSuite } from '../support/watch-run';

// The run's time against the store's: the digest never goes out twice within its period, a run in the past never
// resets the ledger, and a ledger or state written by a clock that was ahead does not mute later runs. Real probe,
// dynalite, a recording notifier.

const suite = watchRunSuite();
const { serverExpiringIn, configFor } = suite;
const minutes = (n: number) => n * 60_000;

/** One run at `now` on a wall clock `clock` (a simulation when they differ). */
function runAt(config: CertwatchConfig, store: StateStore, notifier: RecordingNotifier, now: Date, clock: Date = now) {
  return runWatch(config, { probe: new TlsProbe(), resolver: createResolver(), store, notifier, now, clock });
}

const digests = (notifier: RecordingNotifier) => notifier.take().filter((sent) => sent.startsWith('digest'));

/** A config watching one certificate in the warning stage, with a daily digest to owners. */
async function dailyDigest(): Promise<CertwatchConfig> {
  const soon = await serverExpiringIn(20, 'run.test');
  return configFor([`127.0.0.1:${soon.port}`], { digest: { notify: ['owners'], every: '1d' } });
}

test('two daily digests are never less than a day apart, across midnight too', async () => {
  const store = await suite.dynamo.createStore();
  const notifier = new RecordingNotifier();
  const config = await dailyDigest();
  const midnight = new Date(Math.ceil(day(0).getTime() / DAY_MS) * DAY_MS);
  await runAt(config, store, notifier, new Date(midnight.getTime() - minutes(5)));
  expect(digests(notifier)).toHaveLength(1);
  await runAt(config, store, notifier, new Date(midnight.getTime() + minutes(6)));
  expect(digests(notifier)).toEqual([]); // another calendar day, 11 minutes later
  await runAt(config, store, notifier, new Date(midnight.getTime() + DAY_MS - minutes(8)));
  expect(digests(notifier)).toHaveLength(1);
});

test('a run in the past sends no digest and never resets the ledger: the day is not sent twice', async () => {
  const store = await suite.dynamo.createStore();
  const notifier = new RecordingNotifier();
  const config = await dailyDigest();
  await runAt(config, store, notifier, day(1));
  expect(digests(notifier)).toHaveLength(1);
  const past = await runAt(config, store, notifier, day(0), day(1));
  expect(digests(notifier)).toEqual([]);
  expect(past.aheadOfClock).toEqual([]);
  await runAt(config, store, notifier, new Date(day(1).getTime() + minutes(60)));
  expect(digests(notifier)).toEqual([]);
  expect((await store.getLedger()).lastRunAt).toBe(new Date(day(1).getTime() + minutes(60)).toISOString());
});

test('a ledger and states written by a clock 20 days ahead do not mute the runs on the clock after it, which say so', async () => {
  const store = await suite.dynamo.createStore();
  const notifier = new RecordingNotifier();
  const config = await dailyDigest();
  await runAt(config, store, notifier, day(0));
  notifier.take();
  // --force-now 20 days ahead, its clock right: the stage it sees is later, its digest is that day's.
  await runAt(config, store, notifier, day(20), day(0));
  expect(notifier.take().some((sent) => sent.startsWith('digest'))).toBe(true);

  const next = await runAt(config, store, notifier, new Date(day(0).getTime() + minutes(10)));
  expect(next.aheadOfClock).toEqual([expect.stringMatching(/^tls:127\.0\.0\.1:\d+\/run\.test$/), 'certwatch#ledger']);
  // A day later on the clock: the digest's timer is not the future run's.
  await runAt(config, store, notifier, day(1));
  expect(digests(notifier)).toHaveLength(1);
  expect((await store.getLedger()).lastRunAt).toBe(day(1).toISOString());
  // Three days after the first: the warning stage repeats (every 3 days), as it would have without the run ahead.
  await runAt(config, store, notifier, new Date(day(3).getTime() + minutes(10)));
  expect(notifier.take().filter((line) => line.startsWith('expiry/'))).toEqual([expect.stringMatching(/^expiry\/warning\//)]);
});
