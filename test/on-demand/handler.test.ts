import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handler } from '../../functions/on-demand/handler';
import type { CheckResult } from '../../functions/core/check-result';
import { fullState, unreachableState } from '../store/watch-state-fixture';
import { startDynalite, type DynaliteHarness } from '../support/dynalite';
import { chainFor, daysFromNow, issue } from '../support/pki';
import { startTlsServer, type RunningServer } from '../support/servers';
import { startDnsServer, type RunningDnsServer } from '../support/dns-server';
import { DynamoDbBatchSummaries } from '../../functions/store/dynamodb-batch-summaries';

// The on-demand Lambda: same results as the CLI for a valid event, a clear error for a malformed one.

let server: RunningServer;
let dns: RunningDnsServer;
let caFile: string;

beforeAll(async () => {
  const { root, intermediate } = await chainFor(['unused.test']);
  const leaf = await issue({ subject: 'CN=lambda.test', sans: ['lambda.test'], issuer: intermediate, notAfter: daysFromNow(10, Date.now() + 60_000) });
  server = await startTlsServer({ key: leaf, chain: [leaf, intermediate] });
  caFile = join(mkdtempSync(join(tmpdir(), 'certwatch-lambda-')), 'ca.pem');
  writeFileSync(caFile, root.certPem);
  // lambda.test: the server's address, and one where nothing listens on its port.
  dns = await startDnsServer({ 'lambda.test': { a: ['127.0.0.9', '127.0.0.1'] } });
});

afterAll(async () => {
  await Promise.all([server.close(), dns.close()]);
});

test('returns one result per target, in order, with CLI option names', async () => {
  const results = (await handler({
    targets: [`127.0.0.1:${server.port}`, { target: `localhost:${server.port}`, servername: 'lambda.test' }, 'not a target'],
    options: { servername: 'lambda.test', caFile, warningDays: 14, criticalDays: 3, timeoutMs: 2000, concurrency: 2 },
  })) as CheckResult[];
  expect(results.map((r) => r.error?.code ?? r.status)).toEqual(['warning', 'warning', 'INVALID_TARGET']);
  expect(results[0]).toMatchObject({ daysRemaining: 10, trusted: true, servername: 'lambda.test' });
  expect(results[0].findings.map((f) => f.code)).toEqual(['EXPIRES_SOON']);
});

test('options are optional: defaults as in the CLI', async () => {
  const [result] = (await handler({ targets: [{ target: `127.0.0.1:${server.port}`, servername: 'lambda.test', caFile }] })) as CheckResult[];
  expect(result).toMatchObject({ status: 'warning', daysRemaining: 10 });
});

test('dnsServer, maxAddresses and firstAddress as the CLI takes them: every address of a name, or fewer', async () => {
  const target = `lambda.test:${server.port}`;
  const options = { caFile, timeoutMs: 2000, dnsServer: dns.server };
  const [every] = (await handler({ targets: [target], options })) as CheckResult[];
  expect(every.addresses.map((entry) => [entry.address, entry.error?.code ?? entry.status])).toEqual([
    ['127.0.0.1', 'warning'],
    ['127.0.0.9', 'CONNECTION_REFUSED'],
  ]);
  expect(every.findings.map((f) => f.code)).toEqual(['EXPIRES_SOON', 'ADDRESS_UNREACHABLE']);
  const [bounded] = (await handler({ targets: [target], options: { ...options, dnsServer: [dns.server], maxAddresses: 1 } })) as CheckResult[];
  expect(bounded.addresses.map((entry) => entry.address)).toEqual(['127.0.0.1']);
  expect(bounded.findings.map((f) => f.code)).toEqual(['EXPIRES_SOON', 'ADDRESSES_NOT_PROBED']);
  const [first] = (await handler({ targets: [target], options: { ...options, firstAddress: true } })) as CheckResult[];
  expect(first).toMatchObject({ status: 'error', error: { code: 'CONNECTION_REFUSED' } });
  expect(first.addresses.map((entry) => entry.address)).toEqual(['127.0.0.9']);
});

describe('a malformed event gets an InvalidEventError naming the field', () => {
  test.each([
    [null, '(event)'],
    ['example.com', '(event)'],
    [{}, 'targets'],
    [{ targets: [] }, 'targets: give at least one target'],
    [{ targets: [42] }, 'targets.0: must be a target (a string such as "example.com:443") or an object with "target"'],
    [{ targets: [{ servername: 'a.test' }] }, 'targets.0.target: is required'],
    [{ targets: [{ target: 'a.test', caFile: 7 }] }, 'targets.0.caFile: Invalid input: expected string, received number'],
    [{ targets: ['a.test'], options: { caFile: 7 } }, 'options.caFile: must be a CA file path or a list of them'],
    [{ targets: ['a.test'], options: { dnsServer: { address: '10.0.0.2' } } }, 'options.dnsServer: must be a DNS server address or a list of them'],
    [{ targets: ['a.test'], options: { caFile: ['a.pem', 7] } }, 'options.caFile.1: Invalid input: expected string, received number'],
    [{ targets: ['a.test'], options: { warningDays: -1 } }, 'options.warningDays'],
    [{ targets: ['a.test'], options: { timeoutMs: 'soon' } }, 'options.timeoutMs'],
    [{ targets: ['a.test'], options: { warningDays: 30, criticalDays: 40 } }, 'options.criticalDays: criticalDays must not exceed warningDays'],
    [{ targets: ['a.test'], options: { colour: true } }, 'colour'],
    [{ targets: ['a.test'], extra: 1 }, 'extra'],
    [{ targets: ['a.test'], options: { dnsServer: 'dns.internal' } }, 'options.dnsServer.0: invalid DNS server "dns.internal": give an IP address'],
    [{ targets: ['a.test'], options: { dnsServer: [] } }, 'options.dnsServer'],
    [{ targets: ['a.test'], options: { maxAddresses: 0 } }, 'options.maxAddresses'],
    [{ targets: ['a.test'], options: { firstAddress: true, maxAddresses: 4 } }, 'options.firstAddress: firstAddress probes one address: leave out maxAddresses'],
    [{ action: 'renew' }, 'action must be "check", "ack", "forget" or "status"'],
    [{ action: 'forget' }, 'invalid forget event: certificateId: give either certificateId, or target (with an optional servername)'],
    [{ action: 'forget', certificateId: 'tls:a.test:443', servername: 'a.test' }, 'invalid forget event: servername: goes with target'],
    [{ action: 'forget', target: '010.0.0.1' }, 'invalid forget event: target: invalid target "010.0.0.1"'],
    [{ action: 'forget', certificateId: 'tls:a.test:443', note: 'gone' }, 'invalid forget event'],
    [{ action: 'ack' }, 'invalid ack event: certificateId: give either certificateId, or target (with an optional servername)'],
    [{ action: 'ack', certificateId: 'tls:a.test:443', target: 'a.test' }, 'certificateId: give either certificateId, or target'],
    [{ action: 'ack', certificateId: 'tls:a.test:443', servername: 'a.test' }, 'servername: goes with target'],
    [{ action: 'ack', target: 'admin:s3cret@a.test' }, 'target: invalid target "***@a.test": credentials are not accepted'],
    [{ action: 'ack', target: '010.0.0.1' }, 'target: invalid target "010.0.0.1": "010.0.0.1" is neither a host name nor an IPv4 address'],
    [{ action: 'ack', certificateId: 'tls:a.test:443', until: 'tomorrow' }, 'until: must be an ISO 8601 time'],
    [{ action: 'ack', certificateId: 'tls:a.test:443', alert: 'maybe' }, 'alert: Invalid option: expected one of "expiry"|"error"|"invalid"'],
    [{ action: 'ack', certificateId: 'tls:a.test:443', until: '2026-12-01' }, 'until: must be an ISO 8601 time with a zone, such as 2026-12-01T09:00:00Z'],
    [{ action: 'status', verbose: true }, 'invalid status event'],
  ])('%j', async (event, field) => {
    await expect(handler(event)).rejects.toMatchObject({ name: 'InvalidEventError', message: expect.stringContaining(field) });
  });
});

describe('ack and status against the state table (DynamoDB API on loopback, found through the standard variables)', () => {
  let dynamo: DynaliteHarness;
  const saved = { endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB, table: process.env.CERTWATCH_TABLE };

  beforeAll(async () => {
    dynamo = await startDynalite();
    process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
    process.env.CERTWATCH_TABLE = dynamo.tableName;
    await dynamo.store.put({ ...fullState('tls:shop.example:443'), acknowledgement: null }, 0);
    await dynamo.store.put(unreachableState('tls:down.example:443'), 0);
    await dynamo.store.put({ ...fullState('tls:10.0.0.5:443/b.internal'), acknowledgement: null }, 0);
  });

  afterAll(async () => {
    for (const [name, value] of [['AWS_ENDPOINT_URL_DYNAMODB', saved.endpoint], ['CERTWATCH_TABLE', saved.table]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await dynamo.close();
  });

  test('ack acknowledges the current stage, with a snooze and a note, and the store keeps it', async () => {
    const response = await handler({ action: 'ack', certificateId: 'tls:shop.example:443', until: '2099-01-01T00:00:00Z', note: 'renewal in OPS-42' });
    expect(response).toEqual({ certificateId: 'tls:shop.example:443', acknowledged: { stage: 'urgent', until: '2099-01-01T00:00:00.000Z', note: 'renewal in OPS-42', by: null } });
    expect((await dynamo.store.get('tls:shop.example:443'))?.acknowledgement).toMatchObject({ stage: 'urgent', note: 'renewal in OPS-42' });
    const journal = await new DynamoDbBatchSummaries({ client: dynamo.client, tableName: dynamo.tableName }).getJournal();
    expect(journal.recent.at(-1)).toEqual({ certificateId: 'tls:shop.example:443', sequence: journal.sequence });
  });

  test('ack by target and servername finds the certificate behind a shared address', async () => {
    const response = await handler({ action: 'ack', target: '10.0.0.5:443', servername: 'B.internal', until: '2099-01-01T02:00:00+02:00' });
    expect(response).toEqual({ certificateId: 'tls:10.0.0.5:443/b.internal', acknowledged: { stage: 'urgent', until: '2099-01-01T00:00:00.000Z', note: null, by: null } });
    await expect(handler({ action: 'ack', target: '10.0.0.5' })).rejects.toMatchObject({ name: 'UnknownCertificateError', message: expect.stringContaining('tls:10.0.0.5:443 ') });
  });

  test('ack of an unknown certificate fails with UnknownCertificateError', async () => {
    await expect(handler({ action: 'ack', certificateId: 'tls:nope.example:443' })).rejects.toMatchObject({ name: 'UnknownCertificateError', message: expect.stringContaining('tls:nope.example:443') });
  });

  test('forget deletes a certificate named by id or by target and servername, saying what it was', async () => {
    await dynamo.store.put(fullState('tls:retired.example:443'), 0);
    await dynamo.store.put(fullState('tls:10.0.0.9:443/old.internal'), 0);
    expect(await handler({ action: 'forget', certificateId: 'tls:retired.example:443' })).toEqual({
      certificateId: 'tls:retired.example:443',
      forgotten: { status: 'warning', notAfter: '2026-03-31T23:59:59.000Z', noticesSent: fullState().sent.length },
    });
    expect(await handler({ action: 'forget', target: '10.0.0.9', servername: 'OLD.internal' })).toMatchObject({ certificateId: 'tls:10.0.0.9:443/old.internal' });
    expect(await dynamo.store.get('tls:retired.example:443')).toBeUndefined();
    expect(await dynamo.store.get('tls:10.0.0.9:443/old.internal')).toBeUndefined();
    // Told to the change journal, so that the deployed workers watch them again at once if still configured.
    const { recent } = await new DynamoDbBatchSummaries({ client: dynamo.client, tableName: dynamo.tableName }).getJournal();
    expect(recent.map((change) => change.certificateId).slice(-2)).toEqual(['tls:retired.example:443', 'tls:10.0.0.9:443/old.internal']);
    await expect(handler({ action: 'forget', certificateId: 'tls:retired.example:443' })).rejects.toMatchObject({ name: 'UnknownCertificateError' });
  });

  test('status lists watched certificates, soonest expiry first, unknown expiry last', async () => {
    const rows = (await handler({ action: 'status' })) as { certificateId: string; stage: string | null }[];
    expect(rows.map((r) => [r.certificateId, r.stage])).toEqual([
      ['tls:10.0.0.5:443/b.internal', 'urgent'],
      ['tls:shop.example:443', 'urgent'],
      ['tls:down.example:443', null],
    ]);
  });

  test('status sets a stored state of the wrong shape aside and lists the others', async () => {
    const damaged = { ...fullState('tls:damaged.example:443'), sent: 'none' } as unknown as Parameters<typeof dynamo.store.put>[0];
    await dynamo.store.put(damaged, 0);
    try {
      const rows = (await handler({ action: 'status' })) as { certificateId: string }[];
      expect(rows.map((r) => r.certificateId)).toEqual(['tls:10.0.0.5:443/b.internal', 'tls:shop.example:443', 'tls:down.example:443']);
    } finally {
      await dynamo.store.delete('tls:damaged.example:443', 1);
    }
  });

  test('ack with alert "invalid" acknowledges the alert about a certificate clients reject; status shows it', async () => {
    // Outside every stage, served with a certificate clients reject (added last: the status listing above is exact).
    const base = fullState('tls:rejected.example:443');
    const mismatch = { code: 'HOSTNAME_MISMATCH' as const, severity: 'critical' as const, message: 'not valid for rejected.example' };
    // One NOT_YET_VALID finding per certificate of the chain: listed once.
    const early = (subject: string) => ({ code: 'NOT_YET_VALID' as const, severity: 'critical' as const, message: `${subject} is not valid yet` });
    const rejected = {
      ...base,
      certificate: base.certificate && { ...base.certificate, findings: [...base.certificate.findings, mismatch, early('leaf'), early('intermediate')] },
      status: 'critical' as const,
      expiry: { stage: null, stageEnteredAt: null, lastNotifiedAt: null, audiencesTold: [] },
      acknowledgement: null,
      pending: [],
      invalidAlert: { active: true, lastNotifiedAt: '2026-03-19T08:00:00.000Z', audiencesTold: ['owners'], acknowledgement: null },
    };
    await dynamo.store.put(rejected, 0);
    await expect(handler({ action: 'ack', certificateId: 'tls:rejected.example:443', alert: 'expiry' })).rejects.toMatchObject({
      name: 'AcknowledgementError',
      message: 'tls:rejected.example:443 is not in any escalation stage: there is no expiry alert to acknowledge',
    });
    const response = await handler({ action: 'ack', certificateId: 'tls:rejected.example:443', alert: 'invalid', until: '2099-01-01T00:00:00Z', note: 'reissue in OPS-7' });
    expect(response).toEqual({ certificateId: 'tls:rejected.example:443', acknowledged: { stage: 'invalid', until: '2099-01-01T00:00:00.000Z', note: 'reissue in OPS-7', by: null } });
    expect((await dynamo.store.get('tls:rejected.example:443'))?.invalidAlert?.acknowledgement).toMatchObject({ stage: 'invalid', fingerprintSha256: 'AB:CD:EF:01' });
    const rows = (await handler({ action: 'status' })) as { certificateId: string; acknowledged: string | null; rejectedFor: string[] | null }[];
    expect(rows.find((row) => row.certificateId === 'tls:rejected.example:443')).toMatchObject({ acknowledged: 'invalid until 2099-01-01T00:00:00.000Z: reissue in OPS-7', rejectedFor: ['HOSTNAME_MISMATCH', 'NOT_YET_VALID'] });
    expect(rows.find((row) => row.certificateId === 'tls:shop.example:443')?.rejectedFor).toBeNull();
  });

  test('ack without an alert picks the invalid alert when it is the only one', async () => {
    const alone = {
      ...unreachableState('tls:alone.example:443'),
      status: 'critical' as const,
      certificate: fullState().certificate,
      lastError: null,
      consecutiveFailures: 0,
      errorAlert: { active: false, lastNotifiedAt: null, audiencesTold: [] },
      invalidAlert: { active: true, lastNotifiedAt: null, audiencesTold: [], acknowledgement: null },
    };
    await dynamo.store.put(alone, 0);
    const response = await handler({ action: 'ack', certificateId: 'tls:alone.example:443' });
    expect(response).toMatchObject({ acknowledged: { stage: 'invalid', until: null } });
  });
});
