import type { CertificateInfo } from '../../functions/core/certificate';
import type { Observation } from '../../functions/core/check-result';
import { daysRemaining, judge } from '../../functions/core/judge';
import { CHECK_DEFAULTS } from '../../functions/core/check-settings';

const NOW = new Date('2026-11-21T12:00:00Z');
const DAY = 86_400_000;
const at = (days: number) => new Date(NOW.getTime() + days * DAY).toISOString();

function cert(overrides: Partial<CertificateInfo> = {}): CertificateInfo {
  return {
    subject: 'CN=leaf.test',
    issuer: 'CN=intermediate',
    sans: ['leaf.test'],
    notBefore: at(-10),
    notAfter: at(80),
    serialNumber: '01',
    fingerprintSha256: 'AA',
    keyAlgorithm: 'EC',
    keySize: 256,
    signatureAlgorithm: 'ecdsa-with-SHA256',
    selfIssued: false,
    ...overrides,
  };
}

const intermediate = (overrides: Partial<CertificateInfo> = {}) => cert({ subject: 'CN=intermediate', issuer: 'CN=root', notAfter: at(900), ...overrides });
const root = (overrides: Partial<CertificateInfo> = {}) => cert({ subject: 'CN=root', issuer: 'CN=root', notAfter: at(3000), selfIssued: true, ...overrides });

function observation(chain: CertificateInfo[], extra: Partial<Observation> = {}): Observation {
  return { chain, chainProblem: null, chainProblemDetail: null, hostnameMismatch: null, ...extra };
}

const codes = (j: ReturnType<typeof judge>) => j.findings.map((f) => f.code);

describe('daysRemaining', () => {
  test('rounds down whole days and goes negative once expired', () => {
    expect(daysRemaining(new Date(at(1.99)), NOW)).toBe(1);
    expect(daysRemaining(new Date(at(0.5)), NOW)).toBe(0);
    expect(daysRemaining(new Date(at(-0.01)), NOW)).toBe(-1);
    expect(daysRemaining(new Date(at(-2)), NOW)).toBe(-2);
  });
});

describe('status from days left (times compared, not rounded days)', () => {
  test.each([
    [80, 'ok', []],
    [30, 'ok', []],
    [29.99, 'warning', ['EXPIRES_SOON']],
    [7, 'warning', ['EXPIRES_SOON']],
    [6.99, 'critical', ['EXPIRES_SOON']],
    [0.01, 'critical', ['EXPIRES_SOON']],
    [-0.01, 'expired', ['EXPIRED']],
  ])('%f days left -> %s', (days, status, expectedCodes) => {
    const j = judge(observation([cert({ notAfter: at(days) }), intermediate(), root()]), CHECK_DEFAULTS, NOW);
    expect(j.status).toBe(status);
    expect(codes(j)).toEqual(expectedCodes);
  });

  test.each([
    [-(2 * DAY + 5 * 60_000), '2 days ago', -3],
    [-(1 * DAY + 1), '1 day ago', -2],
    [-60_000, 'less than a day ago', -1],
  ])('EXPIRED counts the time elapsed (%f ms left: %s), while daysRemaining keeps its floor', (remainingMs, ago, days) => {
    const notAfter = new Date(NOW.getTime() + remainingMs).toISOString();
    const j = judge(observation([cert({ notAfter })]), CHECK_DEFAULTS, NOW);
    expect(j.findings[0]).toEqual({ code: 'EXPIRED', severity: 'critical', message: `the certificate expired on ${notAfter} (${ago})` });
    expect(j.daysRemaining).toBe(days);
  });

  test('EXPIRES_SOON carries the severity of the status it causes', () => {
    expect(judge(observation([cert({ notAfter: at(20) })]), CHECK_DEFAULTS, NOW).findings[0].severity).toBe('warning');
    expect(judge(observation([cert({ notAfter: at(2) })]), CHECK_DEFAULTS, NOW).findings[0].severity).toBe('critical');
  });

  test('per-call thresholds apply', () => {
    const j = judge(observation([cert({ notAfter: at(50) })]), { warningDays: 60, criticalDays: 55 }, NOW);
    expect(j.status).toBe('critical');
    expect(j.findings[0].message).toContain('below 55 days');
  });
});

describe('which certificate governs', () => {
  test('an intermediate expiring before the leaf governs notAfter and is named', () => {
    const j = judge(observation([cert({ notAfter: at(80) }), intermediate({ notAfter: at(5) })]), CHECK_DEFAULTS, NOW);
    expect(j.notAfter).toBe(at(5));
    expect(j.governing.subject).toBe('CN=intermediate');
    expect(j.findings[0].message).toContain('intermediate "CN=intermediate"');
  });

  test('a self-issued root sent by the server does not count, a self-signed leaf does', () => {
    expect(judge(observation([cert({ notAfter: at(80) }), root({ notAfter: at(1) })]), CHECK_DEFAULTS, NOW).notAfter).toBe(at(80));
    const selfSigned = cert({ selfIssued: true, issuer: 'CN=leaf.test', notAfter: at(1) });
    expect(judge(observation([selfSigned]), CHECK_DEFAULTS, NOW).notAfter).toBe(at(1));
  });
});

describe('findings that make clients refuse the chain are critical', () => {
  test.each([
    ['SELF_SIGNED'],
    ['UNTRUSTED_ROOT'],
    ['INCOMPLETE_CHAIN'],
    ['CHAIN_INVALID'],
  ] as const)('%s', (problem) => {
    const j = judge(observation([cert()], { chainProblem: problem, chainProblemDetail: 'NODE_CODE' }), CHECK_DEFAULTS, NOW);
    expect(j).toMatchObject({ status: 'critical', trusted: false });
    expect(j.findings).toEqual([expect.objectContaining({ code: problem, severity: 'critical', message: expect.stringContaining('NODE_CODE') })]);
  });

  test('HOSTNAME_MISMATCH', () => {
    const j = judge(observation([cert()], { hostnameMismatch: 'does not cover "x.test"' }), CHECK_DEFAULTS, NOW);
    expect(j.status).toBe('critical');
    expect(codes(j)).toEqual(['HOSTNAME_MISMATCH']);
    expect(j.trusted).toBe(true);
  });

  test('NOT_YET_VALID for any certificate in the chain', () => {
    const j = judge(observation([cert(), intermediate({ notBefore: at(1) })]), CHECK_DEFAULTS, NOW);
    expect(j.status).toBe('critical');
    expect(j.findings).toEqual([expect.objectContaining({ code: 'NOT_YET_VALID', message: expect.stringContaining('CN=intermediate') })]);
  });

  test('expired outranks critical findings', () => {
    const j = judge(observation([cert({ notAfter: at(-1) })], { chainProblem: 'SELF_SIGNED', chainProblemDetail: null }), CHECK_DEFAULTS, NOW);
    expect(j.status).toBe('expired');
    expect(codes(j)).toEqual(['EXPIRED', 'SELF_SIGNED']);
  });
});

describe('weak crypto is a warning, and not judged on a root', () => {
  test.each([
    [{ keyAlgorithm: 'RSA', keySize: 1024 }, 'WEAK_KEY'],
    [{ keyAlgorithm: 'EC', keySize: 224 }, 'WEAK_KEY'],
    [{ signatureAlgorithm: 'sha1WithRSAEncryption' }, 'WEAK_SIGNATURE'],
    [{ signatureAlgorithm: 'md5WithRSAEncryption' }, 'WEAK_SIGNATURE'],
    [{ signatureAlgorithm: 'ecdsa-with-SHA1' }, 'WEAK_SIGNATURE'],
  ])('%o -> %s', (weakness, code) => {
    const j = judge(observation([cert(weakness), intermediate()]), CHECK_DEFAULTS, NOW);
    expect(j.status).toBe('warning');
    expect(codes(j)).toEqual([code]);
    const onRoot = judge(observation([cert(), intermediate(), root(weakness)]), CHECK_DEFAULTS, NOW);
    expect(onRoot.status).toBe('ok');
  });

  test('RSA 2048, EC 256 and SHA-256 are fine', () => {
    const j = judge(observation([cert({ keyAlgorithm: 'RSA', keySize: 2048, signatureAlgorithm: 'sha256WithRSAEncryption' })]), CHECK_DEFAULTS, NOW);
    expect(j.status).toBe('ok');
  });
});
