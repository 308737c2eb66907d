import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACMClient, DescribeCertificateCommand, ListCertificatesCommand, type ListCertificatesRequest } from '@aws-sdk/client-acm';
import { mockClient } from 'aws-sdk-client-mock';
import { cli } from '../support/cli';
import { ACCESS_DENIED, acmSummary, DEFAULT_ACCOUNT, FakeAcm } from '../support/acm-fake';
import { chainFor, daysFromNow } from '../support/pki';

// certwatch run, status and ack over a certificate file and an ACM listing, through the CLI entry point and the
// embedded store; ACM faked at the SDK client.

const DAY = 86_400_000;
const at = (days: number) => new Date(Date.now() + days * DAY).toISOString();
const acmMock = mockClient(ACMClient);
const acm = new FakeAcm();
const ARN = `arn:aws:acm:eu-west-1:${DEFAULT_ACCOUNT}:certificate/imported`;
let dir: string;
let config: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'certwatch-sources-cli-'));
  mkdirSync(join(dir, 'certs'));
  const { root, intermediate, leaf } = await chainFor(['shipped.test'], { notBefore: daysFromNow(-300), notAfter: daysFromNow(100) });
  writeFileSync(join(dir, 'certs', 'shipped.pem'), [leaf, intermediate, root].map((c) => c.certPem).join('\n'));
  acm.add('eu-west-1', [{ summary: acmSummary('imported', 20, new Date(), { Type: 'IMPORTED', RenewalEligibility: 'INELIGIBLE' }) }]);
  acmMock.on(ListCertificatesCommand).callsFake(async (input: ListCertificatesRequest, getClient) => acm.listCertificates(input, await getClient().config.region()));
  acmMock.on(DescribeCertificateCommand).callsFake(async (input: { CertificateArn: string }, getClient) => acm.describeCertificate(input.CertificateArn, await getClient().config.region()));
  config = join(dir, 'certwatch.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      targets: ['file://certs/shipped.pem'],
      acm: { regions: ['eu-west-1'] },
      audiences: { owners: { emails: ['owners@example.com'] }, oncall: { emails: ['oncall@example.com'] } },
    }),
  );
});

afterAll(() => acmMock.restore());

const run = (days: number) => cli('run', '--config', config, '--store', join(dir, 'state'), '--notify', `file:${join(dir, 'notifications.jsonl')}`, '--now', at(days));

test('run watches the file (relative to the config) and the ACM listing; status shows where each is listed; ack takes the ARN', async () => {
  const first = await run(0);
  expect(first.code).toBe(0);
  expect(first.out).toContain('4 targets (3 ok, 1 warning)');
  const notices = readFileSync(join(dir, 'notifications.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  expect(notices.map((n) => [n.kind, n.stage, n.certificateId])).toEqual([['expiry', 'warning', ARN]]);
  expect(notices[0].email).toContain('certwatch acm --region eu-west-1');

  const status = await cli('status', '--store', join(dir, 'state'), '--now', at(0));
  const lines = status.out.trimEnd().split('\n');
  expect(lines[1]).toMatch(/^CERTIFICATE\s+ACCOUNT\s+REGION\s+STATUS\s+DAYS/);
  expect(lines[2]).toMatch(new RegExp(`^${ARN.replace(/[/.]/g, '\\$&')}\\s+${DEFAULT_ACCOUNT}\\s+eu-west-1\\s+WARNING\\s+19`));
  expect(lines.slice(3).map((line) => line.split(/\s+/)[0])).toEqual(['file://certs/shipped.pem#1', 'file://certs/shipped.pem#2', 'file://certs/shipped.pem#3']);

  const ack = await cli('ack', ARN, '--by', 'alice', '--store', join(dir, 'state'), '--now', at(0.1));
  expect(ack).toMatchObject({ code: 0, out: `acknowledged stage warning of ${ARN} by alice\n` });
});

test('a listing that fails is reported and exits 1; its certificate is kept', async () => {
  acm.fail('eu-west-1', ACCESS_DENIED);
  const failing = await run(1);
  expect(failing.code).toBe(1);
  expect(failing.out).toContain('listing failed (its certificates keep escalating from the last listing): acm:eu-west-1: ListCertificates failed: AccessDeniedException');
  expect(failing.out).not.toContain('no longer listed');
});
