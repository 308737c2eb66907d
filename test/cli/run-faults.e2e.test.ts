import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDynalite, type DynaliteHarness } from '../support/dynalite';
import { startHttpProxy, type HttpProxy } from '../support/http-proxy';
import { chainFor, daysFromNow, issue, type Issued } from '../support/pki';
import { startTlsServer, type RunningServer } from '../support/servers';
import { startSnsFake, type SnsFake } from '../support/sns-fake';
import { certwatchProcess, type Ended } from '../support/certwatch-process';

// A run under faults, through the real process: SIGTERM and SIGINT mid-publish, and a DynamoDB endpoint that goes
// silent, from the start or mid-run. SNS is a fake on loopback (query protocol), DynamoDB is dynalite behind a proxy
// that can stop answering. Each notice must go out exactly once overall, and every run that leaves work exits 1.

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:certwatch-alerts';
const T0 = new Date(Date.now() + 60_000);
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000).toISOString();
let dir: string;
let sns: SnsFake;
let dynamo: DynaliteHarness;
let intermediate: Issued;
const servers: RunningServer[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'certwatch-run-faults-'));
  [sns, dynamo] = await Promise.all([startSnsFake(), startDynalite()]);
  const pki = await chainFor(['unused.test']);
  intermediate = pki.intermediate;
  writeFileSync(join(dir, 'ca.pem'), pki.root.certPem);
});

afterAll(async () => {
  await Promise.all([sns?.close(), dynamo?.close(), ...servers.map((server) => server.close())]);
});

let answeredBefore = 0;
/** Publish requests SNS answered in this test. */
const answered = () => sns.answered() - answeredBefore;

beforeEach(() => {
  sns.received.length = 0;
  sns.otherwise = { kind: 'accept' };
  answeredBefore = sns.answered();
});

/** A config of two certificates in the urgent stage and one served for another name (urgent, then invalid): four notices. */
async function fourNotices(name: string): Promise<string> {
  const leaf = async (san: string) => issue({ subject: `CN=${san}`, sans: [san], issuer: intermediate, notBefore: daysFromNow(-388), notAfter: daysFromNow(10) });
  for (const san of ['shop.test', 'shop.test', 'other.test']) {
    const key = await leaf(san);
    servers.push(await startTlsServer({ key, chain: [key, intermediate] }));
  }
  const file = join(dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      targets: servers.slice(-3).map((server) => ({ target: `127.0.0.1:${server.port}`, servername: 'shop.test' })),
      check: { caFile: 'ca.pem', timeoutMs: 3000 },
      audiences: { owners: { emails: ['owners@example.com'] }, oncall: { emails: ['oncall@example.com'] } },
      sns: { topicArn: TOPIC_ARN },
    }),
  );
  return file;
}

/** `certwatch ...args` with SNS (and AWS credentials) on loopback; `whenRunning` may signal it. */
function certwatch(args: string[], env: Record<string, string> = {}, whenRunning?: (child: ChildProcess) => void): Promise<Ended> {
  return certwatchProcess(args, {
    cwd: dir,
    env: { AWS_ENDPOINT_URL_SNS: sns.endpoint, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', ...env },
    whenRunning,
  });
}

/** Resolves once `condition` holds (polled). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resume) => setTimeout(resume, 20));
}

/** How many times SNS received each notice (certificate and stage). */
function copies(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { attributes } of sns.received) counts.set(`${attributes.certificateId} ${attributes.stage}`, (counts.get(`${attributes.certificateId} ${attributes.stage}`) ?? 0) + 1);
  return counts;
}

describe('SIGTERM and SIGINT', () => {
  test.each([['SIGTERM'], ['SIGINT']] as const)('%s mid-publish: the publishes in flight finish and are recorded, the rest released, exit 1; the next run sends the rest, each once, exit 0', async (signal) => {
    const config = await fourNotices(`signal-${signal}`);
    const store = join(dir, `signal-${signal}-store`);
    sns.otherwise = { kind: 'accept', delayMs: 1500 };
    const args = ['run', '--config', config, '--store', store, '--notify', 'sns', '--now', at(0)];
    const stopped = await certwatch(args, {}, (child) => void until(() => sns.received.length > 0).then(() => child.kill(signal)));
    expect(stopped.code).toBe(1);
    expect(stopped.err).toContain(`certwatch: ${signal}: starting no more work; releasing claims and recording deliveries`);
    expect(stopped.out).toContain(`stopped early: ${signal} was received`);
    expect(stopped.out).toMatch(/\npending, sent by a later run \(\d\): /);
    const first = sns.received.length;
    expect(answered()).toBe(first); // every publish that started was let finish

    sns.otherwise = { kind: 'accept' };
    const next = await certwatch(args);
    expect(next.code).toBe(0);
    expect(next.out).not.toMatch(/\npending, sent by a later run/);
    expect([...copies().values()]).toEqual([1, 1, 1, 1]);
  });

  test('a second signal ends the run at once, exit 1; its claims lapse after its deadline, and a later run sends each notice', async () => {
    const config = await fourNotices('twice');
    const store = join(dir, 'twice-store');
    sns.otherwise = { kind: 'accept', delayMs: 8000 };
    const args = ['run', '--config', config, '--store', store, '--notify', 'sns', '--deadline', '30s'];
    const killed = await certwatch([...args, '--now', at(0)], {}, (child) =>
      void until(() => sns.received.length > 0).then(async () => {
        child.kill('SIGTERM');
        await new Promise((resume) => setTimeout(resume, 300));
        child.kill('SIGTERM');
      }),
    );
    expect(killed.code).toBe(1);
    expect(killed.err).toContain('certwatch: SIGTERM again: stopping at once');
    expect(answered()).toBe(0); // it did not wait for the publishes in flight

    sns.otherwise = { kind: 'accept' };
    // Within the killed run's lease (its 30 s deadline, 10 s wrap-up, 1 min margin) its claims hold; after it, not.
    expect((await certwatch([...args, '--now', at(1)])).out).toMatch(/\npending, sent by a later run \(\d\): /);
    const later = await certwatch([...args, '--now', at(2)]);
    expect(later.code).toBe(0);
    // The ones SNS took from the killed run (it may have published them) went twice at most; the others once.
    expect([...copies().values()].every((count) => count <= 2)).toBe(true);
    expect(copies().size).toBe(4);
  });
});

describe('a DynamoDB endpoint that stops answering (--store dynamodb through a proxy)', () => {
  let proxy: HttpProxy;
  beforeEach(async () => {
    proxy = await startHttpProxy(dynamo.endpoint);
  });
  afterEach(() => proxy.close());

  const onTable = (table: string) => ({ AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint, CERTWATCH_TABLE: table });

  test('silent from the start: the run stops after one time limit, names the table and every target left, exit 1, nothing sent', async () => {
    const config = await fourNotices('silent-store');
    const table = (await dynamo.createStore()).tableName;
    proxy.set('silent');
    const sent = join(dir, 'silent-store.jsonl');
    const run = await certwatch(['run', '--config', config, '--store', 'dynamodb', '--force-notify', '--notify', `file:${sent}`], onTable(table));
    expect(run.code).toBe(1);
    expect(run.out).toContain(`no answer from DynamoDB table ${table}, not called again in this run: DynamoDB DescribeTable on table ${table} got no answer in time`);
    expect(run.out).toContain(`stopped early: DynamoDB table ${table} got no answer in time; 3 of 3 targets left for the next run: `);
    expect(existsSync(sent)).toBe(false);
    expect(proxy.requests()).toBe(1); // one request, not one per target, nor retried
  });

  test('silent mid-run, after taking the writes: the run stops at its deadline; the claims lapse with it, and the next run delivers each notice exactly once', async () => {
    const config = await fourNotices('swallowing-store');
    const table = (await dynamo.createStore()).tableName;
    const sent = join(dir, 'swallowing.jsonl');
    const args = ['run', '--config', config, '--store', 'dynamodb', '--force-notify', '--notify', `file:${sent}`, '--deadline', '2s'];
    // DescribeTable and the Scan are answered; the claims are written, but their answers never come back.
    proxy.set('swallow', 2);
    const stopped = await certwatch([...args, '--now', at(0)], onTable(table));
    expect(stopped.code).toBe(1);
    expect(stopped.out).toMatch(/\nstopped early: its deadline \(.*\) passed; /);
    expect(stopped.out).toContain(`no answer from DynamoDB table ${table}`);
    expect(existsSync(sent)).toBe(false);

    proxy.set('forward');
    // Two minutes later, in the runs' time: past the stopped run's deadline, wrap-up and margin.
    const next = await certwatch([...args, '--now', at(2)], onTable(table));
    expect(next.code).toBe(0);
    const lines = readFileSync(sent, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { certificateId: string; stage: string });
    expect(lines).toHaveLength(4);
    expect(new Set(lines.map((line) => `${line.certificateId} ${line.stage}`)).size).toBe(4);
    expect((await certwatch([...args, '--now', at(3)], onTable(table))).code).toBe(0);
    expect(readFileSync(sent, 'utf8').trim().split('\n')).toHaveLength(4);
  });
});
