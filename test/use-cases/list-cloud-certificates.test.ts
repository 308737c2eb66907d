import { ACMClient, DescribeCertificateCommand, ListCertificatesCommand, type ListCertificatesRequest } from '@aws-sdk/client-acm';
import { GetServerCertificateCommand, IAMClient, ListServerCertificatesCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { CHECK_DEFAULTS } from '../../functions/core/check-settings';
import { cloudSources, type CloudSourcesRequest } from '../../functions/core/cloud-scope';
import { ALL_KEY_TYPES } from '../../functions/probes/acm/acm-reader';
import { SdkCloudReaders } from '../../functions/probes/cloud-readers';
import { listCloudCertificates } from '../../functions/use-cases/list-cloud-certificates';
import { ACCESS_DENIED, acmSummary, DEFAULT_ACCOUNT, FakeAcm, FakeAwsException, realisticEstate } from '../support/acm-fake';
import { chainFor, daysFromNow } from '../support/pki';

// Tier 2 for ACM, IAM and STS, which have no local server: the real SDK clients, faked at the client
// (aws-sdk-client-mock) by a model that pages, filters by key type and fails as ACM does; and on the wire (a loopback
// HTTP fake) where the SDK's retries and endpoint resolution are what is under test.

const NOW = new Date();
const ROLE_ACCOUNT = '444455556666';
const ROLE_ARN = `arn:aws:iam::${ROLE_ACCOUNT}:role/certwatch-reader`;

const acmMock = mockClient(ACMClient);
const stsMock = mockClient(STSClient);
const iamMock = mockClient(IAMClient);
let acm: FakeAcm;

/** The account a client's credentials belong to: the default ones, or those STS handed out for the role. */
async function accountOf(client: { config: { credentials: () => Promise<{ accessKeyId: string }> } }): Promise<string> {
  const { accessKeyId } = await client.config.credentials();
  return accessKeyId.startsWith('ASIA') ? accessKeyId.slice(4) : DEFAULT_ACCOUNT;
}

beforeEach(() => {
  acm = new FakeAcm();
  acmMock.reset();
  stsMock.reset();
  iamMock.reset();
  const modelled = <I, T>(answer: (input: I, region: string, account: string) => T) =>
    async (input: I, getClient: () => unknown) => {
      const client = getClient() as { config: { region: () => Promise<string>; credentials: () => Promise<{ accessKeyId: string }> } };
      return answer(input, await client.config.region(), await accountOf(client));
    };
  acmMock.on(ListCertificatesCommand).callsFake(modelled((input: ListCertificatesRequest, region, account) => acm.listCertificates(input, region, account)));
  acmMock.on(DescribeCertificateCommand).callsFake(modelled((input: { CertificateArn: string }, region, account) => acm.describeCertificate(input.CertificateArn, region, account)));
  stsMock.on(AssumeRoleCommand).callsFake((input: { RoleArn: string }) => ({
    Credentials: { AccessKeyId: `ASIA${input.RoleArn.split(':')[4]}`, SecretAccessKey: 'role-secret', SessionToken: 'role-token', Expiration: new Date(Date.now() + 3_600_000) },
  }));
  iamMock.on(ListServerCertificatesCommand).resolves({ ServerCertificateMetadataList: [], IsTruncated: false });
});

afterAll(() => {
  acmMock.restore();
  stsMock.restore();
  iamMock.restore();
});

function list(request: Partial<CloudSourcesRequest>, readers = new SdkCloudReaders()) {
  const sources = cloudSources({ regions: ['eu-west-1'], roles: [], ownAccount: true, acm: true, iam: false, ...request });
  return listCloudCertificates(sources, CHECK_DEFAULTS, { readers, now: () => NOW });
}

describe('ACM', () => {
  test('lists every page at the largest page size, every key type (ACM lists RSA_2048 only unless told)', async () => {
    acm.add('eu-west-1', realisticEstate(2_500, 'eu-west-1', NOW));
    const { results, scopes } = await list({});
    expect(results).toHaveLength(2_500);
    const calls = acmMock.commandCalls(ListCertificatesCommand).map((call) => call.args[0].input);
    expect(calls).toHaveLength(3);
    expect(calls.every((input) => input.MaxItems === 1000 && input.Includes?.keyTypes?.length === ALL_KEY_TYPES.length)).toBe(true);
    expect(new Set(results.map((r) => r.leaf?.keyAlgorithm + String(r.leaf?.keySize)))).toEqual(new Set(['RSA2048', 'RSA3072', 'RSA4096', 'EC256', 'EC384']));
    expect(scopes).toEqual([expect.objectContaining({ id: 'acm:eu-west-1', error: null, certificateIds: results.map((r) => r.target) })]);
    // The model is ACM's: without keyTypes, the ECDSA and RSA-4096 certificates would have been missed.
    expect(acm.listCertificates({ MaxItems: 1000 }, 'eu-west-1').CertificateSummaryList.every((s) => s.KeyAlgorithm === 'RSA_2048')).toBe(true);
  });

  test('DescribeCertificate only for the certificates inside the renewal window, never once per certificate', async () => {
    const estate = realisticEstate(2_000, 'eu-west-1', NOW, 7);
    acm.add('eu-west-1', estate);
    const { results } = await list({});
    const inWindow = estate.filter(({ summary }) => summary.Type !== 'IMPORTED' && summary.RenewalEligibility === 'ELIGIBLE' && summary.NotAfter!.getTime() - NOW.getTime() < 60 * 86_400_000);
    expect(inWindow.length).toBeGreaterThan(0);
    expect(inWindow.length).toBeLessThan(60);
    expect(acmMock.commandCalls(DescribeCertificateCommand).map((call) => call.args[0].input.CertificateArn).sort()).toEqual(inWindow.map(({ summary }) => summary.CertificateArn).sort());
    const stuck = results.filter((r) => r.findings.some((f) => f.code === 'RENEWAL_PENDING_VALIDATION' || f.code === 'RENEWAL_OVERDUE'));
    expect(stuck.length).toBeGreaterThan(0);
  });

  test('imported and Amazon-issued certificates, renewal states, not in use: each judged as it should be', async () => {
    acm.add('eu-west-1', [
      { summary: acmSummary('imported-soon', 12, NOW, { Type: 'IMPORTED', RenewalEligibility: 'INELIGIBLE' }) },
      { summary: acmSummary('renewed', 390, NOW) },
      { summary: acmSummary('failed', 50, NOW), renewalStatus: 'FAILED', renewalStatusReason: 'CAA_ERROR' },
      { summary: acmSummary('validating', 30, NOW), renewalStatus: 'PENDING_VALIDATION' },
      { summary: acmSummary('unused', 200, NOW, { InUse: false, RenewalEligibility: 'INELIGIBLE', KeyAlgorithm: 'EC_prime256v1' }) },
      { summary: acmSummary('expired', -2, NOW, { Type: 'IMPORTED', RenewalEligibility: 'INELIGIBLE' }) },
    ]);
    const { results } = await list({});
    const byId = Object.fromEntries(results.map((r) => [r.target.split('/').pop(), [r.status, r.findings.map((f) => f.code)]]));
    expect(byId).toEqual({
      expired: ['expired', ['EXPIRED', 'IMPORTED_NO_AUTO_RENEWAL']],
      failed: ['critical', ['RENEWAL_FAILED']],
      'imported-soon': ['warning', ['EXPIRES_SOON', 'IMPORTED_NO_AUTO_RENEWAL']],
      renewed: ['ok', []],
      unused: ['ok', ['NOT_IN_USE']],
      validating: ['critical', ['RENEWAL_PENDING_VALIDATION']],
    });
  });

  test('a region that fails is one error for that region alone; the other regions are reported in full', async () => {
    acm.add('eu-west-1', realisticEstate(30, 'eu-west-1', NOW)).add('ap-south-1', realisticEstate(20, 'ap-south-1', NOW)).fail('us-east-1', ACCESS_DENIED);
    const { results, scopes } = await list({ regions: ['eu-west-1', 'us-east-1', 'ap-south-1'] });
    expect(results.filter((r) => r.error === null)).toHaveLength(50);
    const failed = results.filter((r) => r.error !== null);
    expect(failed).toEqual([expect.objectContaining({ target: 'acm:us-east-1', status: 'error', leaf: null })]);
    expect(failed[0].error).toEqual({ code: 'ACCESS_DENIED', message: 'acm:us-east-1: ListCertificates failed: AccessDeniedException: User is not authorized to perform: acm:ListCertificates' });
    expect(scopes.map((s) => [s.id, s.error?.code ?? null, s.certificateIds.length])).toEqual([
      ['acm:eu-west-1', null, 30],
      ['acm:us-east-1', 'ACCESS_DENIED', 0],
      ['acm:ap-south-1', null, 20],
    ]);
  });

  test('a DescribeCertificate that fails fails that certificate only', async () => {
    acm.add('eu-west-1', [{ summary: acmSummary('fine', 200, NOW) }, { summary: acmSummary('in-window', 50, NOW) }]);
    acmMock.on(DescribeCertificateCommand).rejects(new FakeAwsException({ name: 'InternalFailure', message: 'boom', status: 500 }));
    const { results } = await list({});
    expect(results.map((r) => [r.target.split('/').pop(), r.status, r.error?.code ?? null])).toEqual([
      ['fine', 'ok', null],
      ['in-window', 'error', 'AWS_REQUEST_FAILED'],
    ]);
  });

  test('an assumed role lists its own account, assumed once for all its regions, with the external id', async () => {
    acm.add('eu-west-1', [{ summary: acmSummary('own', 200, NOW) }]);
    acm.add('eu-west-1', [{ summary: acmSummary('theirs-eu', 200, NOW, {}, 'eu-west-1', ROLE_ACCOUNT) }], ROLE_ACCOUNT);
    acm.add('us-east-1', [{ summary: acmSummary('theirs-us', 5, NOW, {}, 'us-east-1', ROLE_ACCOUNT) }], ROLE_ACCOUNT);
    const { results } = await list({ regions: ['eu-west-1', 'us-east-1'], roles: [{ roleArn: ROLE_ARN, externalId: 'ops-42' }] });
    expect(results.map((r) => r.target)).toEqual([
      `arn:aws:acm:eu-west-1:${DEFAULT_ACCOUNT}:certificate/own`,
      `arn:aws:acm:eu-west-1:${ROLE_ACCOUNT}:certificate/theirs-eu`,
      `arn:aws:acm:us-east-1:${ROLE_ACCOUNT}:certificate/theirs-us`,
    ]);
    expect(stsMock.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input)).toEqual([{ RoleArn: ROLE_ARN, RoleSessionName: 'certwatch', ExternalId: 'ops-42' }]);
  });

  test('a role that cannot be assumed is ASSUME_ROLE_FAILED for its account only', async () => {
    acm.add('eu-west-1', [{ summary: acmSummary('own', 200, NOW) }]);
    stsMock.on(AssumeRoleCommand).rejects(new FakeAwsException({ name: 'AccessDenied', message: `not authorized to perform: sts:AssumeRole on resource: ${ROLE_ARN}`, status: 403 }));
    const { results } = await list({ roles: [{ roleArn: ROLE_ARN }] });
    expect(results.map((r) => [r.target, r.error?.code ?? null])).toEqual([
      [`arn:aws:acm:eu-west-1:${DEFAULT_ACCOUNT}:certificate/own`, null],
      [`acm:eu-west-1:${ROLE_ARN}`, 'ASSUME_ROLE_FAILED'],
    ]);
    expect(results[1].error?.message).toBe(`acm:eu-west-1:${ROLE_ARN}: cannot assume ${ROLE_ARN}: AccessDenied: not authorized to perform: sts:AssumeRole on resource: ${ROLE_ARN}`);
  });

  test('an account reached twice (own credentials and a role into it) lists each certificate once', async () => {
    acm.add('eu-west-1', [{ summary: acmSummary('shared', 200, NOW) }]);
    acm.add('eu-west-1', [{ summary: acmSummary('shared', 200, NOW) }], ROLE_ACCOUNT);
    const { results } = await list({ roles: [{ roleArn: ROLE_ARN }] });
    expect(results.map((r) => r.target)).toEqual([`arn:aws:acm:eu-west-1:${DEFAULT_ACCOUNT}:certificate/shared`]);
  });
});

describe('IAM server certificates', () => {
  test('every page, each certificate read whole and judged with its uploaded chain; nothing renews them', async () => {
    const { leaf, intermediate } = await chainFor(['legacy.example.com'], { notAfter: daysFromNow(20) });
    const { leaf: lonely } = await chainFor(['lonely.example.com'], { notAfter: daysFromNow(300) });
    const arn = (name: string) => `arn:aws:iam::${DEFAULT_ACCOUNT}:server-certificate/${name}`;
    const metadata = (name: string) => ({ ServerCertificateName: name, ServerCertificateId: name.toUpperCase(), Path: '/', Arn: arn(name), Expiration: NOW, UploadDate: NOW });
    iamMock
      .on(ListServerCertificatesCommand)
      .resolvesOnce({ ServerCertificateMetadataList: [metadata('legacy')], IsTruncated: true, Marker: 'page-2' })
      .resolvesOnce({ ServerCertificateMetadataList: [metadata('lonely'), metadata('broken')], IsTruncated: false });
    iamMock.on(GetServerCertificateCommand, { ServerCertificateName: 'legacy' }).resolves({
      ServerCertificate: { ServerCertificateMetadata: metadata('legacy'), CertificateBody: leaf.certPem, CertificateChain: intermediate.certPem },
    });
    iamMock.on(GetServerCertificateCommand, { ServerCertificateName: 'lonely' }).resolves({ ServerCertificate: { ServerCertificateMetadata: metadata('lonely'), CertificateBody: lonely.certPem } });
    iamMock.on(GetServerCertificateCommand, { ServerCertificateName: 'broken' }).rejects(new FakeAwsException({ name: 'ServiceFailure', message: 'try later', status: 500 }));

    const { results, scopes } = await list({ acm: false, iam: true });
    expect(results.map((r) => [r.target, r.status, r.findings.map((f) => f.code), r.error?.code ?? null])).toEqual([
      [arn('broken'), 'error', [], 'AWS_REQUEST_FAILED'],
      // Its root is not among Node's: the uploaded chain ends at an untrusted root, as a private CA's would.
      [arn('legacy'), 'critical', ['EXPIRES_SOON', 'UNTRUSTED_ROOT', 'IMPORTED_NO_AUTO_RENEWAL'], null],
      [arn('lonely'), 'critical', ['INCOMPLETE_CHAIN', 'IMPORTED_NO_AUTO_RENEWAL'], null],
    ]);
    expect(iamMock.commandCalls(ListServerCertificatesCommand).map((call) => call.args[0].input)).toEqual([{ MaxItems: 1000 }, { MaxItems: 1000, Marker: 'page-2' }]);
    expect(results[1].chain.map((c) => c.subject)).toEqual(['CN=legacy.example.com', 'CN=certwatch test intermediate']);
    expect(scopes).toEqual([expect.objectContaining({ id: 'iam', error: null })]);
  });

  test('IAM refusing the listing is ACCESS_DENIED for that account', async () => {
    iamMock.on(ListServerCertificatesCommand).rejects(new FakeAwsException({ name: 'AccessDenied', message: 'not authorized to perform: iam:ListServerCertificates', status: 403 }));
    const { results } = await list({ acm: false, iam: true });
    expect(results).toEqual([expect.objectContaining({ target: 'iam', error: expect.objectContaining({ code: 'ACCESS_DENIED' }) })]);
  });
});
