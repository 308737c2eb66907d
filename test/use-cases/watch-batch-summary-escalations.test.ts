import type { CertwatchConfig } from '../../functions/core/config';
import type { StateBatchReader, StateStore } from '../../functions/core/ports';
import { createResolver } from '../../functions/probes/dns/create-resolver';
import { TlsProbe } from '../../functions/probes/tls-probe';
import { DynamoDbBatchSummaries } from '../../functions/store/dynamodb-batch-summaries';
import type { DynamoDbStateStore } from '../../functions/store/dynamodb-state-store';
import { acknowledgeCertificate } from '../../functions/use-cases/acknowledge-certificate';
import { watchBatch, type BatchReport } from '../../functions/use-cases/watch-batch';
import { startDnsServer } from '../support/dns-server';
import { issue } from '../support/pki';
import { startTlsPool, startTlsServer, type RunningTlsServer } from '../support/servers';
import { storeWith } from '../support/store-wrapper';
import { day, RecordingNotifier, watchRunSuite } from '../support/watch-run';

// Tier 2: what a deployed batch's summary must never silence. Each case lets the summary vouch for a certificate
// (a run that reads no state), then changes what matters inside the day the summary trusts its entries: a stage
// crossed through an intermediate expiring first, a snooze ending, a probe starting to fail, a certificate clients
// reject served in place of a good one, a new node of a pool serving the old certificate. The next run must read the
// certificate and alert once, and the run after it must not alert again. Through the real probe (TLS servers and a
// DNS server on loopback) and the real DynamoDB adapters (dynalite).

const suite = watchRunSuite();
const HOUR = 3_600_000;
const at = (hours: number) => new Date(day(0).getTime() + hours * HOUR);

interface Watched {
  readonly table: DynamoDbStateStore;
  readonly summaries: DynamoDbBatchSummaries;
  readonly config: CertwatchConfig;
  readonly notifier: RecordingNotifier;
  /** One run of the batch at `now`: states read (BatchGetItem ids, and each read alone). */
  run(now: Date): Promise<BatchReport & { readonly statesRead: readonly string[] }>;
}

async function watched(config: CertwatchConfig): Promise<Watched> {
  const table = await suite.dynamo.createStore();
  const summaries = new DynamoDbBatchSummaries({ client: suite.dynamo.client, tableName: table.tableName });
  const notifier = new RecordingNotifier();
  const run = async (now: Date) => {
    const statesRead: string[] = [];
    const store: StateStore & StateBatchReader = Object.assign(
      storeWith(table, {
        get: (id) => {
          statesRead.push(id);
          return table.get(id);
        },
      }),
      {
        getMany: (ids: readonly string[]) => {
          statesRead.push(...ids);
          return table.getMany(ids);
        },
      },
    );
    const report = await watchBatch(config, { probe: new TlsProbe(), resolver: createResolver(config.check.dnsServers), store, summaries, notifier, now });
    return { ...report, statesRead };
  };
  return { table, summaries, config, notifier, run };
}

/** Runs at `hours`, expecting the summary to vouch for every certificate: nothing read, nothing sent. */
async function expectVouched(batch: Watched, hours: number): Promise<void> {
  const report = await batch.run(at(hours));
  expect({ statesRead: report.statesRead, sent: batch.notifier.take(), unread: report.summaryUse.unread }).toEqual({ statesRead: [], sent: [], unread: report.targets });
}

test('an intermediate that expires before the leaf takes the certificate into the urgent stage hours after the summary vouched for it', async () => {
  const ca = suite.servers.intermediate;
  const shortCa = await issue({ subject: 'CN=Short-lived CA', issuer: ca, isCa: true, notBefore: day(-100), notAfter: at(14 * 24 + 2) });
  const leaf = await issue({ subject: 'CN=run.test', sans: ['run.test'], issuer: shortCa, notBefore: day(-98), notAfter: day(300) });
  const server = suite.servers.keep(await startTlsServer({ key: leaf, chain: [leaf, shortCa, ca] }));
  const batch = await watched(suite.configFor([`127.0.0.1:${server.port}`]));
  const target = `127.0.0.1:${server.port}`;

  await batch.run(at(0));
  expect(batch.notifier.take()).toEqual([`expiry/warning/${target}/owners`]);
  await expectVouched(batch, 1);

  // 14 days before the intermediate's expiry passes at hour 2.
  const crossed = await batch.run(at(2.5));
  expect(batch.notifier.take()).toEqual([`expiry/urgent/${target}/owners+oncall`]);
  expect(crossed.summaryUse).toMatchObject({ read: 1, unread: 0 });
  await expectVouched(batch, 3.5);
});

test('a snooze that ends within the summary\'s day: the repeat it held back goes out at the first run after it, once', async () => {
  const server = (await suite.serverExpiringIn(10, 'run.test')) as RunningTlsServer;
  const batch = await watched(suite.configFor([`127.0.0.1:${server.port}`]));
  const id = `tls:127.0.0.1:${server.port}/run.test`;
  const alert = `expiry/urgent/127.0.0.1:${server.port}/owners+oncall`;

  await batch.run(at(0));
  expect(batch.notifier.take()).toEqual([alert]);
  // Snoozed past the daily repeat, through the change journal.
  await acknowledgeCertificate(batch.table, id, { at: at(0.1), until: at(26) }, batch.summaries);
  await batch.run(at(1));
  await batch.run(at(2));
  await expectVouched(batch, 3);
  const held = await batch.run(at(24)); // the repeat is due, and snoozed
  expect({ read: held.statesRead, sent: batch.notifier.take() }).toEqual({ read: [id], sent: [] });
  await expectVouched(batch, 25);

  await batch.run(at(26.2));
  expect(batch.notifier.take()).toEqual([alert]);
  await expectVouched(batch, 27);
});

test('a probe that starts failing is read every run and raises the error alert at the third failure, once', async () => {
  const leaf = await issue({ subject: 'CN=run.test', sans: ['run.test'], issuer: suite.servers.intermediate, notBefore: day(-100), notAfter: day(200) });
  const server = await startTlsServer({ key: leaf, chain: [leaf, suite.servers.intermediate] });
  const batch = await watched(suite.configFor([`127.0.0.1:${server.port}`]));
  await batch.run(at(0));
  expect(batch.notifier.take()).toEqual([]);
  await expectVouched(batch, 1);

  await server.close(); // nothing listens on the port any more: every probe is refused
  const failures: BatchReport[] = [];
  for (const hours of [2, 3, 4]) failures.push(await batch.run(at(hours)));
  expect(failures.map((report) => report.summaryUse.read)).toEqual([1, 1, 1]);
  expect(batch.notifier.take()).toEqual([`error/error/127.0.0.1:${server.port}/owners`]);
  await batch.run(at(5));
  expect(batch.notifier.take()).toEqual([]);
});

test('a certificate clients reject served in place of a good one: the invalid alert goes out at the next run, once', async () => {
  const server = (await suite.serverExpiringIn(200, 'run.test')) as RunningTlsServer;
  const batch = await watched(suite.configFor([`127.0.0.1:${server.port}`]));
  await batch.run(at(0));
  await expectVouched(batch, 1);

  const misnamed = await issue({ subject: 'CN=other.test', sans: ['other.test'], issuer: suite.servers.intermediate, notBefore: day(-100), notAfter: day(250) });
  server.serve({ key: misnamed, chain: [misnamed, suite.servers.intermediate] });
  await batch.run(at(2));
  expect(batch.notifier.take()).toEqual([`error/invalid/127.0.0.1:${server.port}/owners`]);
  await expectVouched(batch, 3);
});

test('a new node in a pool serving the old certificate, after the pool was renewed: the next run reads it and alerts, once', async () => {
  const ca = suite.servers.intermediate;
  const [fresh, stale] = await Promise.all([
    issue({ subject: 'CN=pool.test', sans: ['pool.test'], issuer: ca, notBefore: day(-1), notAfter: day(300) }),
    issue({ subject: 'CN=pool.test', sans: ['pool.test'], issuer: ca, notBefore: day(-300), notAfter: day(10) }),
  ]);
  const pool = await startTlsPool({ '127.0.0.2': { key: fresh, chain: [fresh, ca] }, '127.0.0.3': { key: stale, chain: [stale, ca] } });
  const dns = await startDnsServer({ 'pool.test': { a: ['127.0.0.2'] } });
  try {
    const batch = await watched(suite.configFor([`pool.test:${pool.port}`], { check: { timeoutMs: 2000, dnsServers: [dns.server] } }));
    await batch.run(at(0));
    expect(batch.notifier.take()).toEqual([]);
    await expectVouched(batch, 1);

    dns.set('pool.test', { a: ['127.0.0.2', '127.0.0.3'] });
    await batch.run(at(2));
    expect(batch.notifier.take()).toEqual([`expiry/urgent/pool.test:${pool.port}/owners+oncall`]);
    await expectVouched(batch, 3);
  } finally {
    await Promise.all([pool.close(), dns.close()]);
  }
});
