import { acmNeedsDescription, judgeAcmCertificate, type AcmCertificateDetail, type AcmCertificateSummary } from '../../functions/core/acm-certificate';
import { CHECK_DEFAULTS, resolveThresholds, type Thresholds } from '../../functions/core/check-settings';
import { cloudSources, scopeId } from '../../functions/core/cloud-scope';

// Tier 1: judging ACM summaries (pure, with an injected clock).

const NOW = new Date('2026-11-21T12:00:00Z');
const DAY = 86_400_000;
const at = (days: number) => new Date(NOW.getTime() + days * DAY).toISOString();
const ARN = 'arn:aws:acm:eu-west-1:111122223333:certificate/0a1b2c3d';

function summary(overrides: Partial<AcmCertificateSummary> = {}): AcmCertificateSummary {
  return {
    arn: ARN,
    domainName: 'api.example.com',
    subjectAlternativeNames: ['api.example.com', 'www.example.com'],
    hasAdditionalNames: false,
    status: 'ISSUED',
    type: 'AMAZON_ISSUED',
    keyAlgorithm: 'EC_prime256v1',
    inUse: true,
    renewalEligibility: 'ELIGIBLE',
    notBefore: at(-300),
    notAfter: at(95),
    revokedAt: null,
    ...overrides,
  };
}

const renewal = (renewalStatus: string | null, renewalStatusReason: string | null = null): AcmCertificateDetail => ({
  renewalStatus,
  renewalStatusReason,
  subject: 'CN=api.example.com',
  issuer: 'Amazon',
  serial: '0a:1b:2c',
  signatureAlgorithm: 'SHA256WITHECDSA',
});

function judged(s: AcmCertificateSummary, detail: AcmCertificateDetail | null = null, thresholds: Thresholds = CHECK_DEFAULTS) {
  const result = judgeAcmCertificate(s, detail, thresholds, NOW, 12);
  if (!result) throw new Error('expected a result');
  return { result, codes: result.findings.map((f) => `${f.code}:${f.severity}`) };
}

describe('the result model of a TLS probe, target the ARN', () => {
  test('an Amazon-issued certificate far from expiry: ok, its summary as the leaf, no endpoint', () => {
    const { result } = judged(summary());
    expect(result).toMatchObject({ target: ARN, host: null, port: null, servername: null, protocol: null, status: 'ok', daysRemaining: 95, notAfter: at(95), trusted: true, findings: [], error: null, elapsedMs: 12 });
    expect(result.leaf).toMatchObject({ subject: 'CN=api.example.com', issuer: 'Amazon', sans: ['api.example.com', 'www.example.com'], keyAlgorithm: 'EC', keySize: 256, serialNumber: 'unknown' });
    expect(result.chain).toEqual([result.leaf]);
  });

  test('described: subject, issuer, serial and signature algorithm come from DescribeCertificate', () => {
    const { result } = judged(summary({ notAfter: at(50) }), renewal('PENDING_AUTO_RENEWAL'));
    expect(result.leaf).toMatchObject({ issuer: 'Amazon', serialNumber: '0A1B2C', signatureAlgorithm: 'ecdsa-with-SHA256' });
  });

  test("the stand-in fingerprint changes when ACM renews (new validity), not otherwise", () => {
    const before = judged(summary()).result.leaf!.fingerprintSha256;
    expect(judged(summary()).result.leaf!.fingerprintSha256).toBe(before);
    expect(judged(summary({ notBefore: at(-5), notAfter: at(390) })).result.leaf!.fingerprintSha256).not.toBe(before);
    expect(before).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  test('a certificate never issued (no validity) is not judged', () => {
    expect(judgeAcmCertificate(summary({ notBefore: null, notAfter: null }), null, CHECK_DEFAULTS, NOW, 0)).toBeNull();
  });

  test('an RSA-1024 key is WEAK_KEY, as over TLS', () => {
    expect(judged(summary({ keyAlgorithm: 'RSA_1024' })).codes).toEqual(['WEAK_KEY:warning']);
  });
});

describe('imported certificates: nothing renews them', () => {
  test('IMPORTED_NO_AUTO_RENEWAL is informational: an imported certificate far from expiry stays ok', () => {
    const { result, codes } = judged(summary({ type: 'IMPORTED', renewalEligibility: 'INELIGIBLE' }));
    expect(result.status).toBe('ok');
    expect(codes).toEqual(['IMPORTED_NO_AUTO_RENEWAL:info']);
  });

  test('the usual thresholds apply to it, and the finding says a person must act', () => {
    const { result, codes } = judged(summary({ type: 'IMPORTED', renewalEligibility: 'INELIGIBLE', notAfter: at(20) }));
    expect(result.status).toBe('warning');
    expect(codes).toEqual(['EXPIRES_SOON:warning', 'IMPORTED_NO_AUTO_RENEWAL:info']);
    expect(result.findings[1].message).toContain('a person must import its replacement');
  });

  test('an imported certificate past its date is expired, with no renewal finding', () => {
    const { result, codes } = judged(summary({ type: 'IMPORTED', renewalEligibility: 'INELIGIBLE', status: 'EXPIRED', notAfter: at(-3) }));
    expect(result.status).toBe('expired');
    expect(codes).toEqual(['EXPIRED:critical', 'IMPORTED_NO_AUTO_RENEWAL:info']);
  });
});

describe('managed renewal: quiet until the renewal is late, then loud', () => {
  test('inside the renewal window but before it is due: quiet, even with --warning-days 90', () => {
    expect(judged(summary({ notAfter: at(50) }), renewal('PENDING_AUTO_RENEWAL'), resolveThresholds({ warningDays: 90 }))).toMatchObject({ result: { status: 'ok' }, codes: [] });
  });

  test('an imported certificate with --warning-days 90 does warn at 50 days: the cap is for what ACM renews', () => {
    expect(judged(summary({ type: 'IMPORTED', renewalEligibility: 'INELIGIBLE', notAfter: at(50) }), null, resolveThresholds({ warningDays: 90 })).result.status).toBe('warning');
  });

  test('past the point it should have been renewed (45 days): RENEWAL_OVERDUE, critical', () => {
    const { result, codes } = judged(summary({ notAfter: at(40) }), renewal('PENDING_AUTO_RENEWAL'));
    expect(result.status).toBe('critical');
    expect(codes).toEqual(['RENEWAL_OVERDUE:critical']);
    expect(result.findings[0].message).toContain(`should have replaced this certificate by ${at(-5)}`);
    expect(result.findings[0].message).toContain('renewal status PENDING_AUTO_RENEWAL');
  });

  test('a renewal that failed is critical at once, with ACM\'s reason', () => {
    const { result, codes } = judged(summary({ notAfter: at(58) }), renewal('FAILED', 'CAA_ERROR'));
    expect(result.status).toBe('critical');
    expect(codes).toEqual(['RENEWAL_FAILED:critical']);
    expect(result.findings[0].message).toContain('(CAA_ERROR)');
  });

  test('a renewal waiting for validation warns while there is time, and is critical once late', () => {
    expect(judged(summary({ notAfter: at(55) }), renewal('PENDING_VALIDATION')).codes).toEqual(['RENEWAL_PENDING_VALIDATION:warning']);
    expect(judged(summary({ notAfter: at(20) }), renewal('PENDING_VALIDATION')).codes).toEqual(['EXPIRES_SOON:warning', 'RENEWAL_PENDING_VALIDATION:critical']);
    expect(judged(summary({ notAfter: at(20) }), renewal('PENDING_VALIDATION')).result.status).toBe('critical');
  });

  test('a certificate ACM may not renew (not in use, never exported) is judged on its dates, and NOT_IN_USE never lowers them', () => {
    const ineligible = summary({ inUse: false, renewalEligibility: 'INELIGIBLE', notAfter: at(5) });
    expect(judged(ineligible)).toMatchObject({ result: { status: 'critical' }, codes: ['EXPIRES_SOON:critical', 'NOT_IN_USE:info'] });
    expect(judged(summary({ inUse: false, renewalEligibility: 'INELIGIBLE' }))).toMatchObject({ result: { status: 'ok' }, codes: ['NOT_IN_USE:info'] });
  });

  test('a revoked certificate is critical whatever its dates', () => {
    const { result, codes } = judged(summary({ status: 'REVOKED', revokedAt: at(-1) }));
    expect(result.status).toBe('critical');
    expect(codes).toEqual(['REVOKED:critical']);
  });
});

describe('DescribeCertificate only for the few that need it', () => {
  test.each<[string, Partial<AcmCertificateSummary>, boolean]>([
    ['a managed certificate inside the renewal window', { notAfter: at(59) }, true],
    ['a managed certificate before the window', { notAfter: at(61) }, false],
    ['an expired managed certificate', { notAfter: at(-1), status: 'EXPIRED' }, false],
    ['an imported certificate inside the window', { notAfter: at(10), type: 'IMPORTED', renewalEligibility: 'INELIGIBLE' }, false],
    ['an ineligible managed certificate', { notAfter: at(10), renewalEligibility: 'INELIGIBLE' }, false],
    ['a private CA certificate ACM renews', { notAfter: at(30), type: 'PRIVATE' }, true],
  ])('%s: %s', (_label, overrides, expected) => {
    expect(acmNeedsDescription(summary(overrides), NOW)).toBe(expected);
  });
});

describe('scopes', () => {
  test('own account first in each region, then every role in its regions (default: the same), IAM once per account', () => {
    const sources = cloudSources({
      regions: ['eu-west-1', 'us-east-1', 'eu-west-1'],
      roles: [{ roleArn: 'arn:aws:iam::111122223333:role/a' }, { roleArn: 'arn:aws:iam::444455556666:role/b', regions: ['ap-south-1'], externalId: 'x-1' }],
      ownAccount: true,
      acm: true,
      iam: true,
    });
    expect(sources.acm.map((scope) => scopeId('acm', scope.region, scope.role))).toEqual([
      'acm:eu-west-1',
      'acm:us-east-1',
      'acm:eu-west-1:arn:aws:iam::111122223333:role/a',
      'acm:us-east-1:arn:aws:iam::111122223333:role/a',
      'acm:ap-south-1:arn:aws:iam::444455556666:role/b',
    ]);
    expect(sources.acm[4].role).toEqual({ roleArn: 'arn:aws:iam::444455556666:role/b', externalId: 'x-1' });
    expect(sources.iam.map((scope) => scopeId('iam', null, scope.role))).toEqual(['iam', 'iam:arn:aws:iam::111122223333:role/a', 'iam:arn:aws:iam::444455556666:role/b']);
    // IAM is global: each account's first region only signs its requests.
    expect(sources.iam.map((scope) => scope.region)).toEqual(['eu-west-1', 'eu-west-1', 'ap-south-1']);
  });

  test("no region: the SDK's; roles only: not the own account", () => {
    const sources = cloudSources({ regions: [], roles: [{ roleArn: 'arn:aws:iam::111122223333:role/a' }], ownAccount: false, acm: true, iam: false });
    expect(sources).toEqual({ acm: [{ region: null, role: { roleArn: 'arn:aws:iam::111122223333:role/a' } }], iam: [] });
  });
});
