import { ACMClient, DescribeCertificateCommand, ListCertificatesCommand, type ListCertificatesRequest } from '@aws-sdk/client-acm';
import { IAMClient, ListServerCertificatesCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { cli } from '../support/cli';
import { ACCESS_DENIED, acmSummary, FakeAcm } from '../support/acm-fake';

// `certwatch acm`: the check contract (JSON array, table, exit codes, usage mistakes) over ACM faked at the client.

const NOW = new Date();
const acmMock = mockClient(ACMClient);
const iamMock = mockClient(IAMClient);
let acm: FakeAcm;

beforeEach(() => {
  acm = new FakeAcm();
  acmMock.reset();
  iamMock.reset();
  acmMock.on(ListCertificatesCommand).callsFake(async (input: ListCertificatesRequest, getClient) => acm.listCertificates(input, await getClient().config.region()));
  acmMock.on(DescribeCertificateCommand).callsFake(async (input: { CertificateArn: string }, getClient) => acm.describeCertificate(input.CertificateArn, await getClient().config.region()));
  iamMock.on(ListServerCertificatesCommand).resolves({ ServerCertificateMetadataList: [], IsTruncated: false });
});

afterAll(() => {
  acmMock.restore();
  iamMock.restore();
});

test('one JSON object per certificate, target its ARN, exit status from the worst', async () => {
  acm.add('eu-west-1', [{ summary: acmSummary('fine', 200, NOW) }, { summary: acmSummary('imported', 20, NOW, { Type: 'IMPORTED', RenewalEligibility: 'INELIGIBLE' }) }]);
  const { code, out, err } = await cli('acm', '--region', 'eu-west-1', '--json');
  const results = JSON.parse(out);
  expect(results.map((r: { target: string; status: string }) => [r.target.split('/').pop(), r.status])).toEqual([
    ['fine', 'ok'],
    ['imported', 'warning'],
  ]);
  expect(Object.keys(results[0])).toEqual(['target', 'host', 'port', 'servername', 'protocol', 'elapsedMs', 'status', 'daysRemaining', 'notAfter', 'leaf', 'chain', 'trusted', 'findings', 'addresses', 'error']);
  expect(code).toBe(1);
  expect(err).toBe('');
});

test('--critical-days 30 alone makes an imported certificate with 20 days critical (exit 2)', async () => {
  acm.add('eu-west-1', [{ summary: acmSummary('imported', 20, NOW, { Type: 'IMPORTED', RenewalEligibility: 'INELIGIBLE' }) }]);
  expect((await cli('acm', '--critical-days', '30')).code).toBe(2);
});

test('a region that cannot be listed is an error row (exit 3); the table shows the others', async () => {
  acm.add('eu-west-1', [{ summary: acmSummary('fine', 200.5, NOW) }]).fail('us-east-1', ACCESS_DENIED);
  const { code, out } = await cli('acm', '--region', 'eu-west-1', '--region', 'us-east-1');
  const lines = out.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^STATUS\s+DAYS\s+NOT AFTER \(UTC\)\s+TARGET\s+DETAIL$/);
  expect(lines[1]).toMatch(/^OK\s+200\s.*certificate\/fine\s+CN=fine.example.com$/);
  expect(lines[2]).toMatch(/^ERROR\s+-\s+-\s+acm:us-east-1\s+ACCESS_DENIED: acm:us-east-1: ListCertificates failed: AccessDeniedException/);
  expect(code).toBe(3);
});

test('--iam adds IAM server certificates; an empty listing says so', async () => {
  const { code, out } = await cli('acm', '--region', 'eu-west-1', '--iam');
  expect(out).toBe('no certificates\n');
  expect(code).toBe(0);
  expect(iamMock.commandCalls(ListServerCertificatesCommand)).toHaveLength(1);
});

test.each([
  [['acm', '--region', 'Ireland'], 'acm: --region "Ireland" is not a region name such as eu-west-1'],
  [['acm', '--role-arn', 'reader'], 'acm: --role-arn "reader" is not a role ARN such as arn:aws:iam::111122223333:role/reader'],
  [['acm', '--external-id', 'ops-42'], 'acm: --external-id goes with --role-arn'],
  [['acm', '--roles-only'], 'acm: --roles-only needs at least one --role-arn'],
  [['acm', '--warning-days', '10', '--critical-days', '20'], 'acm: --critical-days (20) must not exceed --warning-days (10)'],
])('usage mistake %j: one line, exit 3, nothing listed', async (argv, message) => {
  const { code, out, err } = await cli(...argv);
  expect([code, out, err]).toEqual([3, '', `certwatch: ${message}\n`]);
  expect(acmMock.commandCalls(ListCertificatesCommand)).toHaveLength(0);
});
