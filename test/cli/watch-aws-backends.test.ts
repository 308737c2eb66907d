import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PublishCommand, SNSClient, ThrottledException } from '@aws-sdk/client-sns';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { startDynalite, type DynaliteHarness } from '../support/dynalite';
import { cli } from '../support/cli';
import { chainFor, daysFromNow, issue, type Issued } from '../support/pki';
import { closedPort, startTlsServer, type RunningServer } from '../support/servers';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbBatchSummaries } from '../../functions/store/dynamodb-batch-summaries';
import { JOURNAL_KEY } from '../../functions/store/summary-item-encoding';
import { EVERY_CERTIFICATE } from '../../functions/core/batch-summary';
import { loadConfigFile } from '../../functions/config-file/load-config-file';
import { createResolver } from '../../functions/probes/dns/create-resolver';
import { TlsProbe } from '../../functions/probes/tls-probe';
import { watchBatch } from '../../functions/use-cases/watch-batch';
import { RecordingNotifier } from '../support/watch-run';

// `certwatch run | status | ack` through the CLI entry point on the AWS backends: `--store dynamodb` against a
// dynalite server the CLI finds only through the standard environment (AWS_ENDPOINT_URL_DYNAMODB, CERTWATCH_TABLE),
// and `--notify sns` with SNS faked at the SDK client (no local SNS server here).

const DAY = 86_400_000;
const CONFIG_TOPIC = 'arn:aws:sns:eu-west-1:111111111111:certwatch-config-topic';
const ENV_TOPIC = 'arn:aws:sns:eu-west-1:111111111111:certwatch-env-topic';

let dir: string;
let dynamo: DynaliteHarness;
let intermediate: Issued;
let caFile: string;
const servers: RunningServer[] = [];

/** Sets (or, with undefined, unsets) environment variables for one call, restoring what was there before. */
async function withEnv<T>(vars: Record<string, string | undefined>, body: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const assign = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  assign(vars);
  try {
    return await body();
  } finally {
    assign(saved);
  }
}

/** The CLI with the dynalite endpoint (and, when given, the table) known only from the environment. */
const cliOn = (table: string | undefined, ...argv: string[]) => withEnv({ AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, CERTWATCH_TABLE: table }, () => cli(...argv));

const at = (days: number) => new Date(Date.now() + days * DAY).toISOString();
const idOf = (server: RunningServer) => `tls:127.0.0.1:${server.port}/shop.test`;

/** A server for shop.test whose leaf (398-day lifetime, so no lifetime cap applies) has `daysLeft` left. */
async function serverExpiringIn(daysLeft: number): Promise<RunningServer> {
  const leaf = await issue({ subject: 'CN=shop.test', sans: ['shop.test'], issuer: intermediate, notBefore: daysFromNow(daysLeft - 398), notAfter: daysFromNow(daysLeft) });
  const server = await startTlsServer({ key: leaf, chain: [leaf, intermediate] });
  servers.push(server);
  return server;
}

function writeConfig(name: string, targets: readonly RunningServer[], extra: object = {}): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    JSON.stringify({
      targets: targets.map((server) => ({ target: `127.0.0.1:${server.port}`, servername: 'shop.test', caFile })),
      check: { timeoutMs: 2000 },
      audiences: { owners: { emails: ['owners@example.com'] }, oncall: { sms: ['+15550000000'] } },
      ...extra,
    }),
  );
  return file;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'certwatch-aws-cli-'));
  dynamo = await startDynalite();
  const pki = await chainFor(['unused.test']);
  intermediate = pki.intermediate;
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, pki.root.certPem);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await dynamo.close();
});

describe('--store dynamodb: the endpoint from AWS_ENDPOINT_URL_DYNAMODB, the table from CERTWATCH_TABLE or --table', () => {
  test('run stores the state in the table, status lists it, ack acknowledges it there', async () => {
    const server = await serverExpiringIn(10);
    const config = writeConfig('dynamodb.json', [server]);
    const notifications = join(dir, 'dynamodb.jsonl');
    const now = at(0);

    const run = await cliOn(dynamo.tableName, 'run', '--config', config, '--store', 'dynamodb', '--force-notify', '--notify', `file:${notifications}`, '--now', now);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out.split('\n')[0]).toBe(`certwatch run at ${now}: 1 targets (1 warning), state in DynamoDB table ${dynamo.tableName}`);
    expect(run.out).toContain('notifications: 1 sent, 0 pending');
    // Read back with the harness's own client: the CLI wrote to this server and this table, not somewhere else.
    expect(await dynamo.store.get(idOf(server))).toMatchObject({ status: 'warning', expiry: { stage: 'urgent' }, pending: [], sent: [expect.objectContaining({ stage: 'urgent' })] });
    expect((await dynamo.store.getLedger()).lastRunAt).toBe(now);

    const status = await cliOn(dynamo.tableName, 'status', '--store', 'dynamodb', '--now', now);
    expect(status).toMatchObject({ code: 0, err: '' });
    const [lastRun, header, row] = status.out.trim().split('\n');
    expect(lastRun).toBe(`last run: ${now.slice(0, 16).replace('T', ' ')} UTC (less than an hour ago)`);
    expect(header).toMatch(/^CERTIFICATE\s+STATUS/);
    expect(row).toMatch(new RegExp(`^${idOf(server)}\\s+WARNING\\s+9\\s+.*urgent`));

    // --table alone names the table: CERTWATCH_TABLE unset.
    const ack = await cliOn(undefined, 'ack', `127.0.0.1:${server.port}`, '--servername', 'shop.test', '--note', 'OPS-7', '--by', 'alice', '--store', 'dynamodb', '--table', dynamo.tableName, '--now', now);
    expect(ack).toMatchObject({ code: 0, err: '', out: `acknowledged stage urgent of ${idOf(server)} by alice: OPS-7\n` });
    expect((await dynamo.store.get(idOf(server)))?.acknowledgement).toMatchObject({ stage: 'urgent', by: 'alice', note: 'OPS-7' });
    // In the table's change journal too: deployed workers read it again at their next run (after the run's own two).
    expect((await new DynamoDbBatchSummaries({ client: dynamo.client, tableName: dynamo.tableName }).getJournal()).recent.at(-1)).toEqual({ certificateId: idOf(server), sequence: 3 });

    const json = await cliOn(dynamo.tableName, 'status', '--json', '--store', 'dynamodb', '--now', now);
    expect(JSON.parse(json.out)).toEqual([
      expect.objectContaining({
        certificateId: idOf(server),
        stage: 'urgent',
        acknowledged: 'urgent by alice: OPS-7',
        acknowledgements: [{ stage: 'urgent', at: now, until: null, note: 'OPS-7', by: 'alice', fingerprintSha256: expect.any(String) }],
        pendingNotifications: 0,
      }),
    ]);

    // A state of the wrong shape in the table (another tool's write): set aside with what is wrong, the rest listed.
    const good = (await dynamo.store.get(idOf(server)))!;
    await dynamo.store.put({ ...good, certificateId: 'tls:edited.example:443', sent: 'none', history: null } as unknown as typeof good, 0);
    const withDamage = await cliOn(dynamo.tableName, 'status', '--store', 'dynamodb', '--now', now);
    expect(withDamage.code).toBe(0);
    expect(withDamage.err).toBe(
      'certwatch: skipped tls:edited.example:443: the stored state of tls:edited.example:443 is not a certwatch state: ' +
        'sent: Invalid input: expected array, received string; history: Invalid input: expected array, received null\n',
    );
    expect(withDamage.out).toContain(idOf(server));
    await dynamo.store.delete('tls:edited.example:443', 1);
  });

  test.each([['console'], ['file:']])(
    '--notify %s on a DynamoDB table is refused without --force-notify (the deployed watcher would take its notices for sent): exit 3, one line, nothing written',
    async (notify) => {
      const table = await dynamo.createStore();
      const server = await serverExpiringIn(10);
      const target = notify === 'file:' ? `file:${join(dir, 'refused.jsonl')}` : notify;
      const run = await cliOn(table.tableName, 'run', '--config', writeConfig('refused.json', [server]), '--store', 'dynamodb', '--notify', target, '--now', at(0));
      expect({ code: run.code, out: run.out }).toEqual({ code: 3, out: '' });
      expect(run.err).toBe(
        `certwatch: --notify ${target} with --store dynamodb would record notices as sent in DynamoDB table ${table.tableName} without its audiences getting them: ` +
          'use --notify sns, or add --force-notify if no deployed watcher uses this table\n',
      );
      expect(await table.get(idOf(server))).toBeUndefined();
      expect(existsSync(join(dir, 'refused.jsonl'))).toBe(false);
      expect((await table.getLedger()).lastRunAt).toBeNull();
    },
  );

  test('--table wins over CERTWATCH_TABLE', async () => {
    const other = await dynamo.createStore();
    const server = await serverExpiringIn(10);
    const config = writeConfig('table-flag.json', [server]);
    const run = await cliOn('certwatch-not-this-one', 'run', '--config', config, '--store', 'dynamodb', '--table', other.tableName, '--force-notify', '--notify', `file:${join(dir, 'table-flag.jsonl')}`, '--now', at(0));
    expect(run.err).toBe('');
    expect(run.out.split('\n')[0]).toContain(`state in DynamoDB table ${other.tableName}`);
    expect(await other.get(idOf(server))).toMatchObject({ status: 'warning' });
  });

  test('a run on a table deployed workers use tells their change journal before and after: a rollback after it is read and alerted, not left to a summary', async () => {
    const table = await dynamo.createStore();
    const summaries = new DynamoDbBatchSummaries({ client: dynamo.client, tableName: table.tableName });
    const leafIn = (daysLeft: number) => issue({ subject: 'CN=shop.test', sans: ['shop.test'], issuer: intermediate, notBefore: daysFromNow(daysLeft - 398), notAfter: daysFromNow(daysLeft) });
    const [expiring, renewed] = await Promise.all([leafIn(10), leafIn(90)]);
    const server = await startTlsServer({ key: expiring, chain: [expiring, intermediate] });
    servers.push(server);
    const configFile = writeConfig('journal.json', [server]);
    const config = loadConfigFile(configFile);
    const notifier = new RecordingNotifier();
    const hours = (count: number) => new Date(Date.now() + count * 3_600_000);
    const worker = (now: Date) => watchBatch(config, { probe: new TlsProbe(), resolver: createResolver(), store: table, summaries, notifier, now });
    const urgent = `expiry/urgent/127.0.0.1:${server.port}/owners+oncall`;

    // A deployed worker's batch: alerted, and its summary vouches for the expiring certificate until its next repeat.
    expect((await worker(hours(0))).summaryUse).toMatchObject({ written: true });
    expect(notifier.take()).toEqual([urgent]);

    // Renewed; a person runs certwatch against the deployed table, which folds the renewal (its recovery sent).
    server.serve({ key: renewed, chain: [renewed, intermediate] });
    const sent = join(dir, 'journal.jsonl');
    const run = await cliOn(table.tableName, 'run', '--config', configFile, '--store', 'dynamodb', '--force-notify', '--notify', `file:${sent}`, '--now', hours(0.5).toISOString());
    expect({ code: run.code, err: run.err }).toEqual({ code: 0, err: '' });
    expect(readFileSync(sent, 'utf8')).toContain('"kind":"recovery"');
    expect((await summaries.getJournal()).recent).toEqual([
      { certificateId: EVERY_CERTIFICATE, sequence: 1 },
      { certificateId: EVERY_CERTIFICATE, sequence: 2 },
    ]);

    // Rolled back: the worker's summary still holds the expiring certificate's entry, but must not vouch for it.
    server.serve({ key: expiring, chain: [expiring, intermediate] });
    const after = await worker(hours(1));
    expect(after.summaryUse).toMatchObject({ unread: 0, distrust: 'a certwatch run outside the deployment changed states since its summary' });
    expect(notifier.take()).toEqual([urgent]);
    expect((await table.get(idOf(server)))?.certificate?.notAfter).toBe(expiring.cert.notAfter.toISOString());
  });

  test('a run whose change journal cannot be told first writes no state and sends nothing, exit 1, saying why for each certificate', async () => {
    const table = await dynamo.createStore();
    await dynamo.client.send(new PutItemCommand({ TableName: table.tableName, Item: { certificateId: { S: JOURNAL_KEY }, version: { N: '1' }, sequence: { N: '1' }, recent: { S: '[' } } }));
    const server = await serverExpiringIn(10);
    const sent = join(dir, 'journal-broken.jsonl');
    const run = await cliOn(table.tableName, 'run', '--config', writeConfig('journal-broken.json', [server]), '--store', 'dynamodb', '--force-notify', '--notify', `file:${sent}`, '--now', at(0), '--json');
    expect({ code: run.code, err: run.err }).toEqual({ code: 1, err: '' });
    expect((JSON.parse(run.out) as { storeFailures: unknown[] }).storeFailures).toEqual([
      { certificateId: idOf(server), message: `the change journal ${JOURNAL_KEY} in table ${table.tableName} is not readable: delete the item (the deployed workers then read every state once)` },
      { certificateId: 'certwatch#ledger', message: `the change journal ${JOURNAL_KEY} in table ${table.tableName} is not readable: delete the item (the deployed workers then read every state once)` },
    ]);
    expect(await table.get(idOf(server))).toBeUndefined();
    expect(existsSync(sent)).toBe(false);
  });

  test('a run whose change journal cannot be told sends no digest and records no run either: the ledger is left as it was', async () => {
    const table = await dynamo.createStore();
    await dynamo.client.send(new PutItemCommand({ TableName: table.tableName, Item: { certificateId: { S: JOURNAL_KEY }, version: { N: '1' }, sequence: { N: '1' }, recent: { S: '[' } } }));
    const server = await serverExpiringIn(10);
    const sent = join(dir, 'journal-broken-digest.jsonl');
    const config = writeConfig('journal-broken-digest.json', [server], { digest: { notify: ['owners'], every: '1d' } });
    const run = await cliOn(table.tableName, 'run', '--config', config, '--store', 'dynamodb', '--force-notify', '--notify', `file:${sent}`, '--now', at(0), '--json');
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.out) as { storeFailures: { certificateId: string }[]; notificationsSent: number };
    expect(summary.storeFailures.map((failure) => failure.certificateId)).toEqual([idOf(server), 'certwatch#ledger']);
    expect(summary.notificationsSent).toBe(0);
    expect(existsSync(sent)).toBe(false);
    expect(await table.getLedger()).toMatchObject({ lastRunAt: null, lastDigestAt: null, version: 0 });
  });

  test.each([
    ['run', (config: string) => ['run', '--config', config, '--force-notify', '--notify', `file:${join(dir, 'missing.jsonl')}`]],
    ['status', () => ['status']],
    ['ack', () => ['ack', 'tls:127.0.0.1:443/shop.test']],
  ])('%s on a table that does not exist exits 3 with one line naming the table', async (_command, argv) => {
    const server = await serverExpiringIn(10);
    const config = writeConfig('missing-table.json', [server]);
    const { code, out, err } = await cliOn('certwatch-no-such-table', ...argv(config), '--store', 'dynamodb', '--now', at(0));
    expect(code).toBe(3);
    expect(out).toBe('');
    expect(err.endsWith('\n')).toBe(true);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err).toBe('certwatch: DynamoDB table certwatch-no-such-table does not exist: deploy the certwatch stack, or name the table with --table or CERTWATCH_TABLE\n');
    expect(err).not.toMatch(/\n\s+at /);
    // The run failed on reading the state, before any decision: nothing was notified.
    expect(existsSync(join(dir, 'missing.jsonl'))).toBe(false);
  });

  test.each([
    [['ack', 'tls:127.0.0.1:443/shop.test']],
    [['forget', 'tls:127.0.0.1:443/shop.test']],
    [['status']],
  ])('%j on a store that cannot be reached fails with exit 1 (3 is for usage mistakes), in one line', async (argv) => {
    const port = await closedPort();
    const { code, out, err } = await withEnv({ AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${port}`, CERTWATCH_TABLE: 'certwatch' }, () => cli(...argv, '--store', 'dynamodb'));
    expect({ code, out }).toEqual({ code: 1, out: '' });
    expect(err).toMatch(/^certwatch: DynamoDB DescribeTable on table certwatch failed: .*ECONNREFUSED.*\n$/);
  });
});

describe("--notify sns: Publish through the CLI's own SNS client, faked at the SDK", () => {
  let sns: AwsClientStub<SNSClient>;

  beforeEach(() => {
    sns = mockClient(SNSClient);
  });

  afterEach(() => {
    sns.restore();
  });

  /** One target per server, state in a fresh table on the dynalite server. */
  async function snsRun(table: string, config: string, now: string, env: Record<string, string | undefined> = {}) {
    return withEnv(env, () => cliOn(table, 'run', '--config', config, '--store', 'dynamodb', '--notify', 'sns', '--now', now));
  }

  test('the topic from the config: one Publish per notification, as structured JSON with the audiences attribute', async () => {
    const urgent = await serverExpiringIn(10);
    const warning = await serverExpiringIn(20);
    const config = writeConfig('sns-config.json', [urgent, warning], { sns: { topicArn: CONFIG_TOPIC } });
    const store = await dynamo.createStore();
    let messageIds = 0;
    sns.on(PublishCommand).callsFake(async () => ({ MessageId: `sns-${++messageIds}` }));

    // The config's topic wins over CERTWATCH_TOPIC_ARN.
    const run = await snsRun(store.tableName, config, at(0), { CERTWATCH_TOPIC_ARN: ENV_TOPIC });
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toContain('notifications: 2 sent, 0 pending');

    const inputs = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
    expect(inputs).toHaveLength(2);
    const byCertificate = new Map(inputs.map((input) => [input.MessageAttributes?.certificateId?.StringValue, input]));
    for (const input of inputs) {
      expect(input).toMatchObject({ TopicArn: CONFIG_TOPIC, MessageStructure: 'json' });
      expect(Object.keys(JSON.parse(input.Message as string)).sort()).toEqual(['default', 'email', 'sms']);
    }
    expect(byCertificate.get(idOf(urgent))?.MessageAttributes).toMatchObject({
      stage: { DataType: 'String', StringValue: 'urgent' },
      audiences: { DataType: 'String.Array', StringValue: '["owners","oncall"]' },
    });
    expect(byCertificate.get(idOf(warning))?.MessageAttributes).toMatchObject({
      stage: { DataType: 'String', StringValue: 'warning' },
      audiences: { DataType: 'String.Array', StringValue: '["owners"]' },
    });
    const recorded = [(await store.get(idOf(urgent)))?.sent, (await store.get(idOf(warning)))?.sent].map((sent) => sent?.map((s) => s.messageId));
    expect(recorded.flat().sort()).toEqual(['sns-1', 'sns-2']);
  });

  test('the topic from CERTWATCH_TOPIC_ARN; a throttled Publish stays pending, exits 1, and the next run delivers it once', async () => {
    const server = await serverExpiringIn(10);
    const config = writeConfig('sns-env.json', [server]);
    const store = await dynamo.createStore();
    const env = { CERTWATCH_TOPIC_ARN: ENV_TOPIC };
    sns.on(PublishCommand).rejects(new ThrottledException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }));

    const failed = await snsRun(store.tableName, config, at(0), env);
    expect(failed.code).toBe(1);
    expect(failed.err).toBe('');
    expect(failed.out).toContain('notifications: 0 sent, 1 pending');
    expect(failed.out).toMatch(/not delivered \(retried next run\): notification .*ThrottledException/);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(sns.commandCalls(PublishCommand)[0].args[0].input).toMatchObject({
      TopicArn: ENV_TOPIC,
      MessageStructure: 'json',
      MessageAttributes: { audiences: { DataType: 'String.Array', StringValue: '["owners","oncall"]' } },
    });
    const status = await cliOn(store.tableName, 'status', '--json', '--store', 'dynamodb', '--now', at(0));
    expect(JSON.parse(status.out)).toEqual([expect.objectContaining({ certificateId: idOf(server), stage: 'urgent', pendingNotifications: 1, lastNotifiedAt: null })]);
    expect((await store.get(idOf(server)))?.sent).toEqual([]);

    // A minute later, well inside the claim lease: the failed run released its claim, so this run may send.
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'sns-retried' });
    const retried = await snsRun(store.tableName, config, at(1 / 1440), env);
    expect(retried).toMatchObject({ code: 0, err: '' });
    expect(retried.out).toContain('notifications: 1 sent, 0 pending');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(sns.commandCalls(PublishCommand)[0].args[0].input).toMatchObject({ TopicArn: ENV_TOPIC, MessageAttributes: { stage: { StringValue: 'urgent' } } });
    const after = await cliOn(store.tableName, 'status', '--json', '--store', 'dynamodb', '--now', at(1 / 1440));
    expect(JSON.parse(after.out)).toEqual([expect.objectContaining({ pendingNotifications: 0 })]);
    expect((await store.get(idOf(server)))?.sent.map((s) => s.messageId)).toEqual(['sns-retried']);

    // Delivered once: a later run the same day publishes nothing more.
    sns.resetHistory();
    const quiet = await snsRun(store.tableName, config, at(2 / 24), env);
    expect(quiet).toMatchObject({ code: 0, err: '' });
    expect(quiet.out).toContain('notifications: 0 sent, 0 pending');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });
});
