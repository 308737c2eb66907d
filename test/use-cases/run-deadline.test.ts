import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { EMPTY_LEDGER, type Notifier } from '../../functions/core/ports';
import { ThreadStateStore, type StoreRequest, type StoreThreadMessage } from '../../functions/cli/local-store/store-thread-client';
import { createSnsClient } from '../../functions/notify/sns-client';
import { SnsNotifier } from '../../functions/notify/sns-notifier';
import { runWatch } from '../../functions/use-cases/run-watch';
import { TlsProbe } from '../../functions/probes/tls-probe';
import { createResolver } from '../../functions/probes/dns/create-resolver';
import { startSnsFake, type SnsFake } from '../support/sns-fake';
import { startTcpServer } from '../support/servers';
import { day, RecordingNotifier, watchRunSuite } from '../support/watch-run';

// A run bounded in time: its deadline (or a stop), its wrap-up, and the circuit of each dependency, through the real
// probe, the real DynamoDB adapter on dynalite, the embedded store's thread client, and SNS on loopback.

const suite = watchRunSuite();
const { serverExpiringIn, configFor } = suite;
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:certwatch-alerts';
const soon = (ms: number) => new Date(Date.now() + ms);

/** Three servers whose certificates are in the urgent stage: three notices on a first run. */
async function threeExpiring(): Promise<string[]> {
  const servers = await Promise.all(['a', 'b', 'c'].map(() => serverExpiringIn(10, 'run.test')));
  return servers.map((server) => `127.0.0.1:${server.port}`);
}

/**
 * The embedded store's client (ThreadStateStore) over a channel to a stand-in for its thread that answers as given:
 * `listing` answers the listing and the ledger calls; every other call goes unanswered, as by a thread that hangs.
 */
function threadStoreAnswering(listing: boolean): { store: ThreadStateStore; calls: string[] } {
  const { port1, port2 } = new MessageChannel();
  const calls: string[] = [];
  const thread: MessagePort = port2;
  thread.on('message', (request: StoreRequest) => {
    if ('close' in request) return thread.close();
    calls.push(request.method);
    if (!listing) return;
    const answer = (value: unknown) => thread.postMessage({ id: request.id, writes: 0, value } satisfies StoreThreadMessage);
    if (request.method === 'listStored') answer([]); // an empty table: no page, nothing skipped
    if (request.method === 'getLedger') answer(EMPTY_LEDGER);
  });
  return { store: new ThreadStateStore(port1), calls };
}

describe("the embedded store's thread path", () => {
  test('a store silent from the start: the run stops at its deadline, leaves every target, and names the store', async () => {
    const targets = await threeExpiring();
    const { store } = threadStoreAnswering(false);
    const notifier = new RecordingNotifier();
    const summary = await runWatch(configFor(targets), { probe: new TlsProbe(), resolver: createResolver(), store, notifier, now: day(0), deadline: soon(300), wrapUpMs: 300 });
    expect(summary.stopped).toMatch(/^its deadline \(.*\) passed$/);
    expect(summary.targetsLeft).toEqual(targets);
    expect(summary.unanswered).toEqual([{ dependency: 'the state store', message: 'the state store had not answered when the run\'s time was up' }]);
    expect(notifier.sent).toEqual([]);
    expect(summary.storeWrites).toBe(0);
    await store.close(); // a thread that does not answer does not hold the close
  });

  test('a store that stops answering mid-run: the writes in flight are abandoned at the end of the wrap-up, and nothing is published', async () => {
    const targets = await threeExpiring();
    const { store, calls } = threadStoreAnswering(true);
    const notifier = new RecordingNotifier();
    const summary = await runWatch(configFor(targets), { probe: new TlsProbe(), resolver: createResolver(), store, notifier, now: day(0), deadline: soon(1_000), wrapUpMs: 300 });
    expect(calls.filter((method) => method === 'put')).toHaveLength(3);
    expect(summary.storeFailures.map((failure) => failure.message)).toEqual(Array(3).fill("the state store had not answered when the run's time was up"));
    expect(summary.unanswered).toHaveLength(1);
    expect(notifier.sent).toEqual([]);
    await store.close();
  });
});

describe('a silent notifier (SNS on loopback that takes a message and never answers)', () => {
  let sns: SnsFake;
  beforeAll(async () => {
    sns = await startSnsFake();
  });
  afterAll(() => sns.close());

  test('each publish in flight goes out once, no later one is tried, all are left for the next run: at most one duplicate each', async () => {
    const store = await suite.dynamo.createStore();
    // Two certificates with one notice each, and one served for another name with two (urgent, then invalid), which
    // its fold publishes one after the other: the second comes after SNS went silent.
    const misnamed = await serverExpiringIn(10, 'other.test');
    const config = configFor([...(await threeExpiring()).slice(0, 2), `127.0.0.1:${misnamed.port}`]);
    const notifier = new SnsNotifier(TOPIC_ARN, { client: createSnsClient({ endpoint: sns.endpoint, requestTimeoutMs: 500 }) });
    sns.otherwise = { kind: 'silent' };
    const silent = await suite.run(config, store, notifier, day(0));
    expect(sns.received.map((publish) => publish.attributes.stage).sort()).toEqual(['urgent', 'urgent', 'urgent']);
    expect(silent.unanswered).toEqual([{ dependency: 'SNS', message: expect.stringContaining('SNS got no answer in time') }]);
    expect(silent.publishFailures).toHaveLength(3);
    expect(silent.pendingNotices).toHaveLength(4);
    expect(silent.notificationsSent).toBe(0);

    sns.otherwise = { kind: 'accept' };
    const next = await suite.run(config, store, notifier, new Date(day(0).getTime() + 60_000));
    expect(next.notificationsSent).toBe(4);
    expect(next.pendingNotices).toEqual([]);
    const copies = new Map<string, number>();
    for (const { attributes } of sns.received) copies.set(`${attributes.certificateId} ${attributes.stage}`, (copies.get(`${attributes.certificateId} ${attributes.stage}`) ?? 0) + 1);
    // What SNS took without answering went twice; the notice never tried, once.
    expect([...copies.entries()].filter(([, count]) => count === 1).map(([notice]) => notice)).toEqual([`tls:127.0.0.1:${misnamed.port}/run.test invalid`]);
    expect([...copies.values()].sort()).toEqual([1, 2, 2, 2]);
    expect((await suite.run(config, store, notifier, new Date(day(0).getTime() + 120_000))).notificationsSent).toBe(0);
  });
});

describe('the deadline and a stop', () => {
  test('stopped while publishing: the publish in flight is recorded, the claim not yet published released, and the next run sends it once', async () => {
    const store = await suite.dynamo.createStore();
    // Served for another name: the urgent stage and the invalid alert, two notices published one after the other.
    const misnamed = await serverExpiringIn(10, 'other.test');
    const config = configFor([`127.0.0.1:${misnamed.port}`]);
    const stop = new AbortController();
    const slow = new RecordingNotifier(300);
    // The stop (a SIGTERM, say) comes while the first publish is in flight.
    const stopping: Notifier = { publish: (notice) => (setTimeout(() => stop.abort('SIGTERM was received'), 50), slow.publish(notice)) };
    const stopped = await runWatch(config, { probe: new TlsProbe(), resolver: createResolver(), store, notifier: stopping, now: day(0), stop: stop.signal });
    expect(stopped.stopped).toBe('SIGTERM was received');
    expect(stopped.notificationsSent).toBe(1);
    expect(stopped.pendingNotices).toHaveLength(1);
    expect(stopped.targetsLeft).toEqual([]);
    const first = slow.take();
    expect(first).toHaveLength(1);

    // Released, not left to a lease: the next run, even at the same time (a retried run), sends it, once.
    const next = await runWatch(config, { probe: new TlsProbe(), resolver: createResolver(), store, notifier: slow, now: day(0) });
    const second = slow.take();
    expect(second).toHaveLength(1);
    expect(second).not.toEqual(first);
    expect(next.pendingNotices).toEqual([]);
  });

  test('a deadline that passes while a target is still being probed: that probe is abandoned and the target left; the others are recorded', async () => {
    const store = await suite.dynamo.createStore();
    const answering = await serverExpiringIn(10, 'run.test');
    const silent = suite.servers.keep(await startTcpServer(() => undefined));
    const config = configFor([`127.0.0.1:${answering.port}`, `127.0.0.1:${silent.port}`]);
    const notifier = new RecordingNotifier();
    const summary = await runWatch(config, { probe: new TlsProbe(), resolver: createResolver(), store, notifier, now: day(0), deadline: soon(500), wrapUpMs: 1_000 });
    expect(summary.stopped).toMatch(/^its deadline/);
    expect(summary.targetsLeft).toEqual([`127.0.0.1:${silent.port}`]);
    expect(notifier.take()).toEqual([`expiry/urgent/127.0.0.1:${answering.port}/owners+oncall`]);
    expect((await store.list()).states.map((state) => state.target)).toEqual([`127.0.0.1:${answering.port}`]);
  });
});
