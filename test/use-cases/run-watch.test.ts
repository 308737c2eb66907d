import { connect } from 'node:net';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { NoAnswerError, type StateStore } from '../../functions/core/ports';
import type { WatchState } from '../../functions/core/watch-state';
import { SnsNotifier } from '../../functions/notify/sns-notifier';
import { forgetCertificate } from '../../functions/use-cases/forget-certificate';
import type { DynamoDbStateStore } from '../../functions/store/dynamodb-state-store';
import { storeWith } from '../support/store-wrapper';
import { issue } from '../support/pki';
import { closedPort, startTcpServer, startTlsServer } from '../support/servers';
import { TlsProbe } from '../../functions/probes/tls-probe';
import { createResolver } from '../../functions/probes/dns/create-resolver';
import { sendDigest, watchCycle } from '../../functions/use-cases/run-watch';
import { day, RecordingNotifier, watchRunSuite } from '../support/watch-run';

// Tier 2: one watch cycle through the real probe (TLS servers on loopback), the real DynamoDB adapter (dynalite)
// and a notifier that records, or fails, like SNS would.

/** Targets here are addresses with servername run.test: the id names both. */
const idOf = (port: number) => `tls:127.0.0.1:${port}/run.test`;
const suite = watchRunSuite();
const { serverExpiringIn, configFor, run } = suite;

test('a first run stores every valid target, notifies the stage each is in, and reports the invalid one', async () => {
  const store = await suite.dynamo.createStore();
  const soon = await serverExpiringIn(20, 'run.test');
  const later = await serverExpiringIn(200, 'run.test');
  const notifier = new RecordingNotifier();
  const config = configFor([`127.0.0.1:${soon.port}`, `127.0.0.1:${later.port}`, 'not a target']);

  const summary = await run(config, store, notifier, day(0));

  expect(notifier.take()).toEqual([`expiry/warning/127.0.0.1:${soon.port}/owners`]);
  expect(summary).toMatchObject({ targets: 3, byStatus: { ok: 1, warning: 1, error: 1 }, notificationsSent: 1, notificationsPending: 0 });
  expect(summary.invalidTargets).toEqual([{ certificateId: 'not a target', message: expect.stringContaining('contains white space') }]);
  const { states } = await store.list();
  const byId = new Map(states.map((s) => [s.certificateId, s]));
  expect(states).toHaveLength(2);
  expect(byId.get(idOf(later.port))).toMatchObject({ status: 'ok', expiry: { stage: null } });
  expect(byId.get(idOf(soon.port))).toMatchObject({ status: 'warning', expiry: { stage: 'warning' } });
  const notified = byId.get(idOf(soon.port))!;
  expect(notified.sent).toEqual([expect.objectContaining({ kind: 'expiry', stage: 'warning', messageId: 'm-1', audiences: ['owners'] })]);
  expect(notified.pending).toEqual([]);
  expect((await store.getLedger()).lastRunAt).toBe(day(0).toISOString());
});

test('a target removed from the config is reported as still stored, neither probed nor written, until forgotten', async () => {
  const store = await suite.dynamo.createStore();
  const kept = await serverExpiringIn(200, 'run.test');
  const removed = await serverExpiringIn(20, 'run.test');
  const notifier = new RecordingNotifier();
  const both = await run(configFor([`127.0.0.1:${kept.port}`, `127.0.0.1:${removed.port}`]), store, notifier, day(0));
  expect(both.notInConfig).toEqual([]);
  notifier.take();

  const stored = await store.get(idOf(removed.port));
  const one = await run(configFor([`127.0.0.1:${kept.port}`, 'not a target']), store, notifier, day(5));
  expect(one.notInConfig).toEqual([idOf(removed.port)]);
  expect(one.targets).toBe(2);
  expect(notifier.take()).toEqual([]);
  expect(await store.get(idOf(removed.port))).toStrictEqual(stored);

  await forgetCertificate(store, idOf(removed.port));
  expect((await run(configFor([`127.0.0.1:${kept.port}`]), store, notifier, day(6))).notInConfig).toEqual([]);
});

test('a run in which nothing changed writes only the ledger, and a duplicate run sends nothing', async () => {
  const store = await suite.dynamo.createStore();
  const servers3 = await Promise.all([serverExpiringIn(20, 'run.test'), serverExpiringIn(100, 'run.test'), serverExpiringIn(300, 'run.test')]);
  const notifier = new RecordingNotifier();
  const config = configFor(servers3.map((s) => `127.0.0.1:${s.port}`));
  await run(config, store, notifier, day(0));
  expect(notifier.take()).toHaveLength(1);

  const quiet = await run(config, store, notifier, new Date(day(0).getTime() + 3_600_000));
  expect(quiet.storeWrites).toBe(1);
  expect(notifier.take()).toEqual([]);

  expect(quiet.notificationsSent).toBe(0);
});

test('a duplicated run (same now) after one that notified sends nothing again', async () => {
  const store = await suite.dynamo.createStore();
  const server = await serverExpiringIn(20, 'run.test');
  const notifier = new RecordingNotifier();
  const config = configFor([`127.0.0.1:${server.port}`]);
  await run(config, store, notifier, day(0));
  expect(notifier.take()).toEqual([`expiry/warning/127.0.0.1:${server.port}/owners`]);
  const duplicate = await run(config, store, notifier, day(0));
  expect(duplicate.notificationsSent).toBe(0);
  expect(notifier.take()).toEqual([]);
});

test('two runs racing over the same store publish each notification once', async () => {
  const store = await suite.dynamo.createStore();
  const server = await serverExpiringIn(10, 'run.test');
  const config = configFor([`127.0.0.1:${server.port}`]);
  const slow = new RecordingNotifier(25);
  // Both start from an empty store (both have read it before either writes, whatever the machine's timing): one
  // wins the create, the other's write conflicts and it sends nothing.
  const racing = listingTogether(store, 2);
  const [a, b] = await Promise.all([run(config, racing, slow, day(0)), run(config, racing, slow, day(0))]);
  expect(slow.take()).toEqual([`expiry/urgent/127.0.0.1:${server.port}/owners+oncall`]);
  expect(a.notificationsSent + b.notificationsSent).toBe(1);
  // The certificate's write conflicted for the loser. So may the run ledger's, when the two runs record themselves at
  // once (on a loaded machine the loser's read and write of it can straddle the winner's): left to the other run.
  const conflicts = [...a.conflicts, ...b.conflicts];
  expect(conflicts.filter((id) => id !== 'certwatch#ledger')).toEqual([idOf(server.port)]);
  expect(conflicts.filter((id) => id === 'certwatch#ledger').length).toBeLessThanOrEqual(1);

  // A notice left undelivered is claimed by exactly one of two runs that both see it.
  slow.failing = true;
  await run(config, store, slow, day(2));
  slow.failing = false;
  await Promise.all([run(config, store, slow, day(2.5)), run(config, store, slow, day(2.5))]);
  expect(slow.take()).toEqual([`expiry/urgent/127.0.0.1:${server.port}/owners+oncall`]);
});

test('a run that dies after claiming leaves its notices to the claim lease, then they go out once', async () => {
  const store = await suite.dynamo.createStore();
  const server = await serverExpiringIn(10, 'run.test');
  const config = configFor([`127.0.0.1:${server.port}`]);
  const notifier = new RecordingNotifier();
  // The claim (with the decision) is written, the notice published, then the record of it fails: a crash.
  const dying = storeFailingAfter(store, 1);
  const died = await run(config, dying, notifier, day(0));
  expect(died).toMatchObject({ notificationsSent: 1, storeFailures: [{ certificateId: idOf(server.port), message: 'connection lost' }] });
  expect(notifier.take()).toHaveLength(1);

  await run(config, store, notifier, new Date(day(0).getTime() + 60_000));
  expect(notifier.take()).toEqual([]); // still claimed: the claimant may be alive and publishing
  await run(config, store, notifier, new Date(day(0).getTime() + 11 * 60_000));
  expect(notifier.take()).toEqual([`expiry/urgent/127.0.0.1:${server.port}/owners+oncall`]); // at least once
  await run(config, store, notifier, new Date(day(0).getTime() + 12 * 60_000));
  expect(notifier.take()).toEqual([]);
});

test('a stored state of the wrong shape (edited by hand) is replaced by a fresh one and reported, not a TypeError every run', async () => {
  const store = await suite.dynamo.createStore();
  const server = await serverExpiringIn(10, 'run.test');
  const config = configFor([`127.0.0.1:${server.port}`]);
  const notifier = new RecordingNotifier();
  await run(config, store, notifier, day(0));
  notifier.take();
  const id = idOf(server.port);
  const stored = (await store.get(id))!;
  // Readable as a state at its top (a version, a status, an expiry), damaged below it: the kinds of edit that made the
  // fold throw TypeErrors (`state.pending.some is not a function`), reported as a store failure at every run.
  const damaged = { ...stored, pending: 'none', history: null, expiry: { stage: 'urgent' } } as unknown as WatchState;
  await store.put(damaged, stored.version);

  const summary = await run(config, store, notifier, new Date(day(0).getTime() + 3_600_000));
  expect(summary.storeFailures).toEqual([]);
  expect(summary.replacedItems).toEqual([
    {
      certificateId: id,
      // what is wrong, then the error it caused (a fault of certwatch's own would show there)
      message:
        `the stored state of ${id} is not a certwatch state: expiry.stageEnteredAt: is required; expiry.lastNotifiedAt: is required; ` +
        'expiry.audiencesTold: is required (and 2 more) (reading it failed: TypeError: state.pending.some is not a function)',
    },
  ]);
  const fresh = (await store.get(id))!;
  expect(fresh).toMatchObject({ status: 'warning', version: stored.version + 3, pending: [] }); // the edit, the fresh state, its notice recorded
  expect(fresh.history.map((entry) => entry.event)).toEqual(['first-seen', 'stage-changed', 'notified']);
  // A fresh state: its expiry stage is entered again, and said again.
  expect(notifier.take()).toEqual([`expiry/urgent/127.0.0.1:${server.port}/owners+oncall`]);
});

test('an unreadable item in the table is reported and skipped; the run goes on', async () => {
  const store = await suite.dynamo.createStore();
  await suite.dynamo.client.send(new PutItemCommand({ TableName: store.tableName, Item: { certificateId: { S: 'tls:junk.example:443' }, note: { S: 'not a state' } } }));
  const server = await serverExpiringIn(10, 'run.test');
  const notifier = new RecordingNotifier();
  const summary = await run(configFor([`127.0.0.1:${server.port}`]), store, notifier, day(0));
  expect(summary.unreadableItems).toEqual([{ certificateId: 'tls:junk.example:443', message: expect.stringContaining('is not a certwatch state') }]);
  expect(summary.storeFailures).toEqual([]);
  expect(notifier.take()).toEqual([`expiry/urgent/127.0.0.1:${server.port}/owners+oncall`]);
});

test('a digest that fails to publish is sent by the next run of the same period, once', async () => {
  const store = await suite.dynamo.createStore();
  const soon = await serverExpiringIn(20, 'run.test');
  const notifier = new RecordingNotifier();
  const config = configFor([`127.0.0.1:${soon.port}`], { digest: { notify: ['owners'], every: '1d' } });
  notifier.failing = true;
  const failed = await run(config, store, notifier, day(0));
  expect(failed.publishFailures.map((p) => p.message)).toEqual([expect.stringContaining('ThrottledException'), expect.stringMatching(/^digest /)]);
  notifier.failing = false;
  await run(config, store, notifier, new Date(day(0).getTime() + 3_600_000));
  expect(notifier.take().filter((n) => n.startsWith('digest'))).toHaveLength(1);
  await run(config, store, notifier, new Date(day(0).getTime() + 7_200_000));
  expect(notifier.take().filter((n) => n.startsWith('digest'))).toEqual([]);
});

test('the deployed digest sets a stored state of the wrong shape aside, says why, and sends the others', async () => {
  const store = await suite.dynamo.createStore();
  const soon = await serverExpiringIn(20, 'run.test');
  const other = await serverExpiringIn(15, 'run.test');
  const notifier = new RecordingNotifier();
  const config = configFor([`127.0.0.1:${soon.port}`, `127.0.0.1:${other.port}`], { digest: { notify: ['owners'], every: '1d' } });
  await run(config, store, notifier, day(0));
  notifier.take();
  const stored = (await store.get(idOf(other.port)))!;
  await store.put({ ...stored, history: 'lost' } as unknown as WatchState, stored.version);

  const digest = await sendDigest(config, { store, notifier, now: new Date(day(1).getTime() + 3_600_000) });
  expect(digest).toMatchObject({
    sent: 1,
    unreadableItems: [{ certificateId: idOf(other.port), message: `the stored state of ${idOf(other.port)} is not a certwatch state: history: Invalid input: expected array, received string` }],
  });
  expect(notifier.take()).toEqual([expect.stringMatching(/^digest/)]);
});

test('a failed publish is kept in the outbox, never recorded as sent, and delivered once by the next run', async () => {
  const store = await suite.dynamo.createStore();
  const server = await serverExpiringIn(10, 'run.test');
  const notifier = new RecordingNotifier();
  const config = configFor([`127.0.0.1:${server.port}`]);
  const id = idOf(server.port);

  notifier.failing = true;
  const failed = await run(config, store, notifier, day(0));
  expect(failed).toMatchObject({ notificationsSent: 0, notificationsPending: 1 });
  expect(failed.publishFailures).toEqual([{ certificateId: id, message: expect.stringContaining('ThrottledException') }]);
  expect((await store.get(id))?.sent).toEqual([]);

  notifier.failing = false;
  const retried = await run(config, store, notifier, new Date(day(0).getTime() + 3_600_000));
  expect(retried).toMatchObject({ notificationsSent: 1, notificationsPending: 0 });
  expect(notifier.take()).toEqual([`expiry/urgent/127.0.0.1:${server.port}/owners+oncall`]);
  await run(config, store, notifier, new Date(day(0).getTime() + 7_200_000));
  expect(notifier.take()).toEqual([]);
});

test('a store failure for one certificate is reported, the others go on, and nothing is lost', async () => {
  const store = await suite.dynamo.createStore();
  const broken = await serverExpiringIn(10, 'run.test');
  const fine = await serverExpiringIn(10, 'run.test');
  const brokenId = idOf(broken.port);
  const failingStore = storeFailingFor(store, brokenId);
  const notifier = new RecordingNotifier();
  const config = configFor([`127.0.0.1:${broken.port}`, `127.0.0.1:${fine.port}`]);

  const summary = await run(config, failingStore, notifier, day(0));
  expect(summary.storeFailures).toEqual([{ certificateId: brokenId, message: 'ProvisionedThroughputExceededException' }]);
  expect(notifier.take()).toEqual([`expiry/urgent/127.0.0.1:${fine.port}/owners+oncall`]);

  await run(config, store, notifier, new Date(day(0).getTime() + 3_600_000));
  expect(notifier.take()).toEqual([`expiry/urgent/127.0.0.1:${broken.port}/owners+oncall`]);
});

test('an unreachable endpoint keeps its last known expiry: errors after 3 failures, and the expiry keeps escalating', async () => {
  const store = await suite.dynamo.createStore();
  const server = await serverExpiringIn(5, 'run.test');
  const notifier = new RecordingNotifier();
  const port = server.port;
  const config = configFor([`127.0.0.1:${port}`]);
  await run(config, store, notifier, day(0));
  expect(notifier.take()).toEqual([`expiry/urgent/127.0.0.1:${port}/owners+oncall`]);

  await server.close();
  for (const hour of [1, 2]) {
    await run(config, store, notifier, new Date(day(0).getTime() + hour * 3_600_000));
    expect(notifier.take()).toEqual([]);
  }
  await run(config, store, notifier, new Date(day(0).getTime() + 3 * 3_600_000));
  expect(notifier.take()).toEqual([`error/error/127.0.0.1:${port}/owners`]);
  const state = (await store.get(idOf(port))) as WatchState;
  expect(state).toMatchObject({ status: 'error', consecutiveFailures: 3, lastError: { code: 'CONNECTION_REFUSED' } });
  expect(Date.parse(state.certificate!.notAfter)).toBe(Math.floor(day(5).getTime() / 1000) * 1000); // X.509 keeps whole seconds

  await run(config, store, notifier, day(2.5));
  expect(notifier.take()).toEqual([`expiry/critical/127.0.0.1:${port}/owners+oncall`, `error/error/127.0.0.1:${port}/owners`]);
});

test('the digest goes out once per period, listing what is inside a stage', async () => {
  const store = await suite.dynamo.createStore();
  const soon = await serverExpiringIn(20, 'run.test');
  const fine = await serverExpiringIn(300, 'run.test');
  const refused = await closedPort();
  const notifier = new RecordingNotifier();
  const config = configFor([`127.0.0.1:${soon.port}`, `127.0.0.1:${fine.port}`, `127.0.0.1:${refused}`], { digest: { notify: ['owners'], every: '1d' } });

  await run(config, store, notifier, day(0));
  const digests = notifier.sent.filter((n) => n.kind === 'digest');
  expect(digests).toHaveLength(1);
  expect(digests[0].digest?.map((line) => line.target)).toEqual([`127.0.0.1:${soon.port}`, `127.0.0.1:${refused}`]);
  notifier.take();
  await run(config, store, notifier, new Date(day(0).getTime() + 60_000));
  expect(notifier.take().filter((n) => n.startsWith('digest'))).toEqual([]);
});

test('with SNS: one Publish per notification, structured for email and SMS, with filterable attributes', async () => {
  const store = await suite.dynamo.createStore();
  const server = await serverExpiringIn(2, 'run.test');
  const sns = mockClient(SNSClient);
  sns.on(PublishCommand).resolves({ MessageId: 'sns-message-1' });
  const notifier = new SnsNotifier('arn:aws:sns:eu-west-1:111111111111:certwatch-alerts', { client: new SNSClient({}), now: () => day(0) });

  await run(configFor([`127.0.0.1:${server.port}`]), store, notifier, day(0));

  const calls = sns.commandCalls(PublishCommand);
  expect(calls).toHaveLength(1);
  const input = calls[0].args[0].input;
  expect(input).toMatchObject({ TopicArn: 'arn:aws:sns:eu-west-1:111111111111:certwatch-alerts', MessageStructure: 'json' });
  expect(Object.keys(JSON.parse(input.Message as string)).sort()).toEqual(['default', 'email', 'sms']);
  expect(input.MessageAttributes).toMatchObject({
    kind: { DataType: 'String', StringValue: 'expiry' },
    stage: { DataType: 'String', StringValue: 'critical' },
    audiences: { DataType: 'String.Array', StringValue: '["owners","oncall"]' },
    certificateId: { DataType: 'String', StringValue: idOf(server.port) },
  });
  expect((await store.get(idOf(server.port)))?.sent[0].messageId).toBe('sns-message-1');
  sns.restore();
});

test('a certificate clients reject alerts on the first run, far from expiry, and recovers once a good one is served', async () => {
  const store = await suite.dynamo.createStore();
  // Issued for another name: the probe verifies run.test, so clients would refuse it, 200 days before it expires.
  const { intermediate } = suite.servers;
  const misnamed = await issue({ subject: 'CN=other.test', sans: ['other.test'], issuer: intermediate, notBefore: day(200 - 398), notAfter: day(200) });
  const server = suite.servers.keep(await startTlsServer({ key: misnamed, chain: [misnamed, intermediate] }));
  const notifier = new RecordingNotifier();
  const config = configFor([`127.0.0.1:${server.port}`]);
  const hours = (n: number) => new Date(day(0).getTime() + n * 3_600_000);

  const first = await run(config, store, notifier, day(0));
  expect(notifier.take()).toEqual([`error/invalid/127.0.0.1:${server.port}/owners`]);
  expect(first).toMatchObject({ byStatus: { critical: 1 }, notificationsSent: 1, notificationsPending: 0 });
  const alerted = (await store.get(idOf(server.port))) as WatchState;
  expect(alerted).toMatchObject({ status: 'critical', expiry: { stage: null }, invalidAlert: { active: true, lastNotifiedAt: day(0).toISOString(), audiencesTold: ['owners'] } });
  expect(alerted.sent).toEqual([expect.objectContaining({ kind: 'error', stage: 'invalid', audiences: ['owners'], messageId: 'm-1' })]);

  const quiet = await run(config, store, notifier, hours(1));
  expect(notifier.take()).toEqual([]);
  expect(quiet.storeWrites).toBe(1); // the ledger only: nothing changed

  const good = await issue({ subject: 'CN=run.test', sans: ['run.test'], issuer: intermediate, notBefore: day(200 - 398), notAfter: day(200) });
  server.serve({ key: good, chain: [good, intermediate] });
  await run(config, store, notifier, hours(2));
  expect(notifier.take()).toEqual([`recovery/invalid/127.0.0.1:${server.port}/owners`]);
  const recovered = (await store.get(idOf(server.port))) as WatchState;
  expect(recovered).toMatchObject({ status: 'ok', invalidAlert: { active: false, lastNotifiedAt: null, audiencesTold: [], acknowledgement: null } });
  expect(recovered.history.map((entry) => entry.event)).toEqual(expect.arrayContaining(['invalid', 'replaced', 'valid-again']));

  await run(config, store, notifier, hours(3));
  expect(notifier.take()).toEqual([]);
});

/** The real store, except that certificate writes for which `fails` says so throw `message`, as DynamoDB would. */
function faultyStore(store: DynamoDbStateStore, fails: (state: WatchState) => boolean, message: string): StateStore {
  return storeWith(store, {
    put: async (state, version) => {
      if (fails(state)) throw new Error(message);
      return store.put(state, version);
    },
  });
}

/** The real store, except that a listing is answered only once `runs` listings have been read. */
function listingTogether(store: DynamoDbStateStore, runs: number): StateStore {
  let listed = 0;
  let allListed!: () => void;
  const together = new Promise<void>((resolve) => (allListed = resolve));
  return storeWith(store, {
    list: async () => {
      const listing = await store.list();
      if (++listed === runs) allListed();
      await together;
      return listing;
    },
  });
}

/** Every certificate write after the first `allowed` fails, like a lost connection. */
function storeFailingAfter(store: DynamoDbStateStore, allowed: number): StateStore {
  let writes = 0;
  return faultyStore(store, () => ++writes > allowed, 'connection lost');
}

/** Writes for one certificate fail as a throttled DynamoDB would. */
function storeFailingFor(store: DynamoDbStateStore, certificateId: string): StateStore {
  return faultyStore(store, (state) => state.certificateId === certificateId, 'ProvisionedThroughputExceededException');
}

test('what the summary lists comes in config order, whatever order the probes answer in', async () => {
  const store = await suite.dynamo.createStore();
  const direct = await serverExpiringIn(10, 'run.test');
  // The first target answers last: a proxy that waits before passing the handshake through.
  const upstream = await serverExpiringIn(10, 'run.test');
  const slow = suite.servers.keep(
    await startTcpServer((socket) => {
      setTimeout(() => {
        const through = connect(upstream.port, '127.0.0.1');
        through.on('error', () => socket.destroy());
        socket.pipe(through).pipe(socket);
      }, 300);
    }),
  );
  const notifier = new RecordingNotifier();
  notifier.failing = true;
  const config = configFor([`127.0.0.1:${slow.port}`, 'not a target', `127.0.0.1:${direct.port}`, 'nor this']);

  const summary = await run(config, store, notifier, day(0));
  expect(summary.publishFailures.map((failure) => failure.certificateId)).toEqual([idOf(slow.port), idOf(direct.port)]);
  expect(summary.pendingNotices).toEqual([`${idOf(slow.port)} expiry/urgent`, `${idOf(direct.port)} expiry/urgent`]);
  expect(summary.invalidTargets.map((invalid) => invalid.certificateId)).toEqual(['not a target', 'nor this']);
});

test("a run returns the states it left only when asked to keep them (a deployed batch's metrics): otherwise it keeps only what it reports", async () => {
  const store = await suite.dynamo.createStore();
  const soon = await serverExpiringIn(10, 'run.test');
  const later = await serverExpiringIn(200, 'run.test');
  const config = configFor([`127.0.0.1:${soon.port}`, `127.0.0.1:${later.port}`]);
  const deps = { probe: new TlsProbe(), resolver: createResolver(), store, notifier: new RecordingNotifier(), now: day(0) };

  const kept = await watchCycle(config, deps, { keepStates: true });
  expect(kept.states.map((state) => [state.certificateId, state.status])).toEqual([
    [idOf(soon.port), 'warning'],
    [idOf(later.port), 'ok'],
  ]);
  const unkept = await watchCycle(config, { ...deps, now: new Date(day(0).getTime() + 60_000) });
  expect(unkept.states).toEqual([]);
  expect(unkept.summary).toMatchObject({ targets: 2, byStatus: { warning: 1, ok: 1 } });
});

test('a run whose listing fails abandons the probes in flight: silent targets do not hold the store error for their timeout', async () => {
  const store = await suite.dynamo.createStore();
  const inFlight = 3;
  let accepted = 0;
  let allConnected!: () => void;
  const connected = new Promise<void>((resolve) => (allConnected = resolve));
  const hangUps: Promise<void>[] = [];
  // Each accepts and never answers; tells when the probe connects, and when the probe hangs up.
  const silent = await Promise.all(
    Array.from({ length: inFlight }, async () =>
      suite.servers.keep(
        await startTcpServer((socket) => {
          hangUps.push(new Promise<void>((resolve) => socket.on('close', () => resolve())));
          if (++accepted === inFlight) allConnected();
        }),
      ),
    ),
  );
  // The listing fails once every probe is waiting on its silent server, as a store another certwatch holds does.
  const failing = storeWith(store, {
    list: async () => {
      await connected;
      throw new Error('the local store is in use by another running certwatch');
    },
  });
  // A timeout far beyond the test's own: only abandoning the probes lets the run end.
  const config = configFor(
    silent.map((server) => `127.0.0.1:${server.port}`),
    { check: { timeoutMs: 600_000 } },
  );
  await expect(run(config, failing, new RecordingNotifier(), day(0))).rejects.toThrow('the local store is in use by another running certwatch');
  await Promise.all(hangUps); // every probe hung up on its silent server
  expect(hangUps).toHaveLength(inFlight);
  expect(await store.list()).toEqual({ states: [], unreadable: [] });
});

test("a state read that gets no answer stops the run, as the store's circuit does: the probes in flight are abandoned and the run says what was left", async () => {
  const store = await suite.dynamo.createStore();
  let accepted = 0;
  let allConnected!: () => void;
  const connected = new Promise<void>((resolve) => (allConnected = resolve));
  const hangUps: Promise<void>[] = [];
  const silent = await Promise.all(
    [1, 2].map(async () =>
      suite.servers.keep(
        await startTcpServer((socket) => {
          hangUps.push(new Promise<void>((resolve) => socket.on('close', () => resolve())));
          if (++accepted === 2) allConnected();
        }),
      ),
    ),
  );
  const config = configFor(
    silent.map((server) => `127.0.0.1:${server.port}`),
    { check: { timeoutMs: 600_000 } },
  );
  // Reads around the run's guarded store, as a deployed batch's read of its own states does.
  const readStates = async () => {
    await connected;
    throw new NoAnswerError('DynamoDB table certwatch', 'GetItem got no answer within 5 s');
  };

  const { summary } = await watchCycle(config, { probe: new TlsProbe(), resolver: createResolver(), store, notifier: new RecordingNotifier(), now: day(0) }, { readStates });
  await Promise.all(hangUps); // both probes hung up on their silent servers
  // Stopped, so a deployed batch is offered again (BatchIncompleteError) instead of being counted as done.
  expect(summary.stopped).toBe('DynamoDB table certwatch got no answer in time');
  expect(summary.targetsLeft).toEqual(silent.map((server) => `127.0.0.1:${server.port}`));
  expect(summary.storeWrites).toBe(0);
  expect(await store.list()).toEqual({ states: [], unreadable: [] });
});
