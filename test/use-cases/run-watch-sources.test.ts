import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACMClient, DescribeCertificateCommand, ListCertificatesCommand, type ListCertificatesRequest } from '@aws-sdk/client-acm';
import { GetServerCertificateCommand, IAMClient, ListServerCertificatesCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { parseConfig, type CertwatchConfig } from '../../functions/core/config';
import type { StateStore } from '../../functions/core/ports';
import { renderMessage } from '../../functions/notify/render/render-message';
import { SdkCloudReaders } from '../../functions/probes/cloud-readers';
import { CertificateFiles } from '../../functions/probes/files/certificate-files';
import { createResolver } from '../../functions/probes/dns/create-resolver';
import { TlsProbe } from '../../functions/probes/tls-probe';
import { CloudReadersMissingError, runWatch } from '../../functions/use-cases/run-watch';
import { statusReport } from '../../functions/use-cases/status-report';
import { ACCESS_DENIED, acmSummary, DEFAULT_ACCOUNT, FakeAcm } from '../support/acm-fake';
import { startDynalite, type DynaliteHarness } from '../support/dynalite';
import { chainFor, issue } from '../support/pki';
import { day, RecordingNotifier } from '../support/watch-run';

// Tier 2: `certwatch run` over certificate files and ACM listings: the real DynamoDB adapter (dynalite), the real
// file adapter over files written at test time, and ACM faked at the SDK client by a model that pages like ACM.

const AUDIENCES = { owners: { emails: ['owners@example.com'] }, oncall: { emails: ['oncall@example.com'] } };
const acmMock = mockClient(ACMClient);
const iamMock = mockClient(IAMClient);
let dynamo: DynaliteHarness;
let acm: FakeAcm;

beforeAll(async () => {
  dynamo = await startDynalite();
});

afterAll(async () => {
  acmMock.restore();
  iamMock.restore();
  await dynamo.close();
});

beforeEach(() => {
  acm = new FakeAcm();
  acmMock.reset();
  acmMock.on(ListCertificatesCommand).callsFake(async (input: ListCertificatesRequest, getClient) => acm.listCertificates(input, await getClient().config.region()));
  acmMock.on(DescribeCertificateCommand).callsFake(async (input: { CertificateArn: string }, getClient) => acm.describeCertificate(input.CertificateArn, await getClient().config.region()));
  iamMock.reset();
  iamMock.on(ListServerCertificatesCommand).resolves({ ServerCertificateMetadataList: [], IsTruncated: false });
});

function config(json: object): CertwatchConfig {
  return parseConfig({ audiences: AUDIENCES, ...json });
}

function run(watched: CertwatchConfig, store: StateStore, notifier: RecordingNotifier, now: Date) {
  return runWatch(watched, { probe: new TlsProbe(), resolver: createResolver(), files: new CertificateFiles(), cloud: new SdkCloudReaders(), store, notifier, now });
}

const arn = (id: string, region = 'eu-west-1') => `arn:aws:acm:${region}:${DEFAULT_ACCOUNT}:certificate/${id}`;

describe('certificate files in the watcher', () => {
  test('one state per certificate of a file; a quiet run rewrites none; a file that goes keeps escalating and alerts after 3 failures', async () => {
    const store = await dynamo.createStore();
    const notifier = new RecordingNotifier();
    const dir = mkdtempSync(join(tmpdir(), 'certwatch-run-files-'));
    const { root, intermediate, leaf } = await chainFor(['app.test'], { notBefore: day(-300), notAfter: day(20) });
    const path = join(dir, 'fullchain.pem');
    writeFileSync(path, [leaf, intermediate, root].map((c) => c.certPem).join('\n'));
    const watched = config({ targets: [`file://${path}`] });

    const first = await run(watched, store, notifier, day(0));
    expect(first).toMatchObject({ targets: 3, byStatus: { warning: 1, ok: 2 }, notificationsSent: 1 });
    expect(notifier.take()).toEqual([`expiry/warning/file://${path}#1/owners`]);
    const { states } = await store.list();
    expect(states.map((s) => [s.certificateId, s.source, s.status]).sort()).toEqual([
      [`file://${path}#1`, 'file', 'warning'],
      [`file://${path}#2`, 'file', 'ok'],
      [`file://${path}#3`, 'file', 'ok'],
    ]);

    const quiet = await run(watched, store, notifier, day(0.5));
    expect(quiet.storeWrites).toBe(1); // the ledger alone

    rmSync(path);
    for (const n of [1, 2]) expect((await run(watched, store, notifier, day(n))).byStatus).toEqual({ ok: 0, warning: 0, critical: 0, expired: 0, error: 1 });
    expect(notifier.take()).toEqual([]);
    await run(watched, store, notifier, day(3));
    // The third failure alerts for each certificate the file held; the leaf's warning stage repeats on its own cadence.
    expect(notifier.take().sort()).toEqual([
      `error/error/file://${path}#1/owners`,
      `error/error/file://${path}#2/owners`,
      `error/error/file://${path}#3/owners`,
      `expiry/warning/file://${path}#1/owners`,
    ]);
    expect((await store.get(`file://${path}#1`))?.lastError).toEqual({ code: 'FILE_NOT_FOUND', message: `${path} does not exist` });
  });
});

describe('ACM in the watcher', () => {
  const acmConfig = config({ acm: { regions: ['eu-west-1'] } });

  test('state keyed by ARN with its listing; notified like a TLS certificate; a quiet run rewrites nothing', async () => {
    const store = await dynamo.createStore();
    const notifier = new RecordingNotifier();
    acm.add('eu-west-1', [{ summary: acmSummary('soon', 20, day(0), { Type: 'IMPORTED', RenewalEligibility: 'INELIGIBLE' }) }, { summary: acmSummary('fine', 200, day(0)) }]);

    const first = await run(acmConfig, store, notifier, day(0));
    expect(first).toMatchObject({ targets: 2, byStatus: { warning: 1, ok: 1 }, listingFailures: [], disappeared: [] });
    expect(notifier.take()).toEqual([`expiry/warning/${arn('soon')}/owners`]);
    expect(await store.get(arn('soon'))).toMatchObject({ source: 'acm', target: arn('soon'), scope: 'acm:eu-west-1', status: 'warning' });

    expect((await run(acmConfig, store, notifier, day(0.5))).storeWrites).toBe(1);
    const rows = statusReport((await store.list()).states, day(0.5));
    expect(rows.map((r) => [r.certificateId, r.source, r.account, r.region])).toEqual([
      [arn('soon'), 'acm', DEFAULT_ACCOUNT, 'eu-west-1'],
      [arn('fine'), 'acm', DEFAULT_ACCOUNT, 'eu-west-1'],
    ]);
  });

  test('a certificate gone from its listing while in use and not expired: one notice, then its state is deleted; one not in use goes quietly', async () => {
    const store = await dynamo.createStore();
    const notifier = new RecordingNotifier();
    acm.add('eu-west-1', [{ summary: acmSummary('in-use', 200, day(0)) }, { summary: acmSummary('unused', 200, day(0), { InUse: false, RenewalEligibility: 'INELIGIBLE' }) }]);
    await run(acmConfig, store, notifier, day(0));
    expect(notifier.take()).toEqual([]);

    acm = new FakeAcm(); // both deleted
    const gone = await run(acmConfig, store, notifier, day(1));
    expect(gone.disappeared).toEqual([arn('in-use'), arn('unused')]);
    const sent = notifier.sent.splice(0);
    expect(sent.map((n) => `${n.kind}/${n.stage}/${n.target}/${n.audiences.join('+')}`)).toEqual([`error/disappeared/${arn('in-use')}/owners`]);
    const message = renderMessage(sent[0], day(1));
    expect(message.subject).toContain('GONE');
    expect(message.email).toContain('no longer listed');
    expect(message.email).toContain('certwatch acm --region eu-west-1');
    expect((await store.list()).states).toEqual([]);

    const after = await run(acmConfig, store, notifier, day(2));
    expect([after.disappeared, notifier.take()]).toEqual([[], []]);
  });

  test('a disappearance notice that fails to publish is retried by the next run, once, and then the state goes', async () => {
    const store = await dynamo.createStore();
    const notifier = new RecordingNotifier();
    acm.add('eu-west-1', [{ summary: acmSummary('in-use', 200, day(0)) }]);
    await run(acmConfig, store, notifier, day(0));
    acm = new FakeAcm();
    notifier.failing = true;
    const failed = await run(acmConfig, store, notifier, day(1));
    expect(failed.publishFailures).toHaveLength(1);
    expect(await store.get(arn('in-use'))).toMatchObject({ retiredAt: day(1).toISOString(), pending: [expect.objectContaining({ stage: 'disappeared' })] });
    notifier.failing = false;
    await run(acmConfig, store, notifier, day(2));
    expect(notifier.take()).toEqual([`error/disappeared/${arn('in-use')}/owners`]);
    expect(await store.get(arn('in-use'))).toBeUndefined();
  });

  test('a region that fails: its own error alert after 3 runs, its certificates keep escalating from the last listing, then one recovery and no disappearance', async () => {
    const store = await dynamo.createStore();
    const notifier = new RecordingNotifier();
    acm.add('eu-west-1', [{ summary: acmSummary('imported', 46.5, day(0), { Type: 'IMPORTED', RenewalEligibility: 'INELIGIBLE' }) }]);
    await run(acmConfig, store, notifier, day(0));
    expect(notifier.take()).toEqual([]);

    acm.fail('eu-west-1', ACCESS_DENIED);
    const failing = await run(acmConfig, store, notifier, day(1));
    expect(failing.listingFailures).toEqual([{ certificateId: 'acm:eu-west-1', message: expect.stringContaining('AccessDeniedException') }]);
    expect(failing.notInConfig).toEqual([]);
    await run(acmConfig, store, notifier, day(2));
    // The certificate enters the notice stage (45 days) while its listing fails: notified all the same.
    expect(notifier.take()).toEqual([`expiry/notice/${arn('imported')}/owners`]);
    await run(acmConfig, store, notifier, day(3));
    expect(notifier.take()).toEqual(['error/error/acm:eu-west-1/owners']);
    expect(await store.get('acm:eu-west-1')).toMatchObject({ source: 'acm', consecutiveFailures: 3, lastError: { code: 'ACCESS_DENIED' } });

    acm = new FakeAcm().add('eu-west-1', [{ summary: acmSummary('imported', 46.5, day(0), { Type: 'IMPORTED', RenewalEligibility: 'INELIGIBLE' }) }]);
    const back = await run(acmConfig, store, notifier, day(4));
    expect([back.listingFailures, back.disappeared]).toEqual([[], []]);
    expect(notifier.take()).toEqual(['recovery/error/acm:eu-west-1/owners']);
    expect(await store.get('acm:eu-west-1')).toBeUndefined();
    expect(await store.get(arn('imported'))).toMatchObject({ status: 'ok', expiry: { stage: 'notice' } });
  });

  test('a config with acm but no readers is refused before anything runs', async () => {
    const store = await dynamo.createStore();
    await expect(runWatch(acmConfig, { probe: new TlsProbe(), resolver: createResolver(), store, notifier: new RecordingNotifier(), now: day(0) })).rejects.toThrow(CloudReadersMissingError);
  });

  test('a certificate served over TLS and listed in ACM are two states, side by side in status', async () => {
    const store = await dynamo.createStore();
    const notifier = new RecordingNotifier();
    const leaf = await issue({ subject: 'CN=file.test', sans: ['file.test'], notAfter: day(90) });
    const dir = mkdtempSync(join(tmpdir(), 'certwatch-run-mixed-'));
    writeFileSync(join(dir, 'leaf.pem'), leaf.certPem);
    acm.add('eu-west-1', [{ summary: acmSummary('listed', 100, day(0)) }]);
    await run(config({ targets: [`file://${join(dir, 'leaf.pem')}`], acm: { regions: ['eu-west-1'] } }), store, notifier, day(0));
    expect(statusReport((await store.list()).states, day(0)).map((r) => [r.source, r.region])).toEqual([
      ['file', null],
      ['acm', 'eu-west-1'],
    ]);
  });
});

describe('IAM server certificates in the watcher', () => {
  const iamConfig = config({ iam: true });
  const iamArn = (name: string) => `arn:aws:iam::${DEFAULT_ACCOUNT}:server-certificate/${name}`;
  const metadata = (name: string, expiration: Date) => ({ ServerCertificateName: name, ServerCertificateId: name.toUpperCase(), Path: '/', Arn: iamArn(name), Expiration: expiration, UploadDate: day(-300) });

  test('a server certificate deleted while still valid: one notice to the audiences told, then its state goes; an expired one goes quietly', async () => {
    const store = await dynamo.createStore();
    const notifier = new RecordingNotifier();
    const { leaf: live } = await chainFor(['legacy.example.com'], { notBefore: day(-300), notAfter: day(20) });
    const { leaf: stale } = await chainFor(['old.example.com'], { notBefore: day(-300), notAfter: day(0.5) });
    iamMock.on(ListServerCertificatesCommand).resolves({ ServerCertificateMetadataList: [metadata('legacy', day(20)), metadata('old', day(0.5))], IsTruncated: false });
    iamMock.on(GetServerCertificateCommand, { ServerCertificateName: 'legacy' }).resolves({ ServerCertificate: { ServerCertificateMetadata: metadata('legacy', day(20)), CertificateBody: live.certPem } });
    iamMock.on(GetServerCertificateCommand, { ServerCertificateName: 'old' }).resolves({ ServerCertificate: { ServerCertificateMetadata: metadata('old', day(0.5)), CertificateBody: stale.certPem } });

    const first = await run(iamConfig, store, notifier, day(0));
    expect(first.byStatus).toMatchObject({ critical: 2 });
    // Uploaded without their chain: each is also an `invalid` alert (INCOMPLETE_CHAIN), as over TLS.
    expect(notifier.take().sort()).toEqual([
      `error/invalid/${iamArn('legacy')}/owners`,
      `error/invalid/${iamArn('old')}/owners`,
      `expiry/critical/${iamArn('old')}/owners+oncall`,
      `expiry/warning/${iamArn('legacy')}/owners`,
    ]);
    expect(await store.get(iamArn('legacy'))).toMatchObject({ source: 'iam', scope: 'iam' });

    // Both deleted from IAM a day later: `old` has expired by then, `legacy` has 19 days left.
    iamMock.on(ListServerCertificatesCommand).resolves({ ServerCertificateMetadataList: [], IsTruncated: false });
    const gone = await run(iamConfig, store, notifier, day(1));
    expect(gone.disappeared).toEqual([iamArn('legacy'), iamArn('old')]);
    expect(notifier.take()).toEqual([`error/disappeared/${iamArn('legacy')}/owners`]);
    expect((await store.list()).states).toEqual([]);
    expect((await run(iamConfig, store, notifier, day(2))).disappeared).toEqual([]);
    expect(notifier.take()).toEqual([]);
  });
});
