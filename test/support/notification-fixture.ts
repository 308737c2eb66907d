import type { CertificateInfo } from '../../functions/core/certificate';
import type { KnownCertificate, PlannedNotification } from '../../functions/core/watch-state';

// Notification fixtures for the notifier tests: one certificate for api.example.com:443, two days and five hours
// from expiry at NOW, and a critical expiry notice about it. Every factory takes overrides.

export const NOW = new Date('2026-11-29T05:00:00Z');
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** NOW plus `ms` (negative: before NOW), as an ISO string. */
export const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

/** The leaf served by api.example.com:443: notAfter 2026-12-01T10:00:00Z, 2 days 5 hours after NOW. */
export function certInfo(overrides: Partial<CertificateInfo> = {}): CertificateInfo {
  return {
    subject: 'CN=api.example.com',
    issuer: 'CN=Example Issuing CA 1, O=Example',
    sans: ['api.example.com', 'www.example.com'],
    notBefore: at(-88 * DAY),
    notAfter: at(2 * DAY + 5 * HOUR),
    serialNumber: '0A1B2C',
    fingerprintSha256: 'AB:CD:EF',
    keyAlgorithm: 'EC',
    keySize: 256,
    signatureAlgorithm: 'ecdsa-with-SHA256',
    selfIssued: false,
    ...overrides,
  };
}

/** The leaf's issuer, which expires long after it. */
export const intermediate = (overrides: Partial<CertificateInfo> = {}) =>
  certInfo({ subject: 'CN=Example Issuing CA 1, O=Example', issuer: 'CN=Example Root', sans: [], notAfter: at(400 * DAY), ...overrides });

/** The certificate as the engine remembers it: the leaf (`leafOverrides`) and the intermediate; `extra` wins over both. */
export function knownCertificate(leafOverrides: Partial<CertificateInfo> = {}, extra: Partial<KnownCertificate> = {}): KnownCertificate {
  const leaf = certInfo(leafOverrides);
  return {
    fingerprintSha256: leaf.fingerprintSha256,
    subject: leaf.subject,
    issuer: leaf.issuer,
    sans: leaf.sans,
    notBefore: leaf.notBefore,
    notAfter: leaf.notAfter,
    serialNumber: leaf.serialNumber,
    chain: [leaf, intermediate()],
    findings: [{ code: 'EXPIRES_SOON', severity: 'critical', message: `the certificate expires on ${leaf.notAfter}: 2 days left (critical below 7 days)` }],
    firstSeenAt: at(-80 * DAY),
    ...extra,
  };
}

/**
 * A critical expiry notice for api.example.com:443, decided at `overrides.decidedAt` (default NOW); its default
 * id names that decision time, as the engine's ids do.
 */
export function planned(overrides: Partial<PlannedNotification> = {}): PlannedNotification {
  const decidedAt = overrides.decidedAt ?? NOW.toISOString();
  return {
    id: `tls:api.example.com:443/expiry/critical/${decidedAt}`,
    kind: 'expiry',
    stage: 'critical',
    audiences: ['owners', 'oncall'],
    certificateId: 'tls:api.example.com:443',
    target: 'api.example.com:443',
    decidedAt,
    status: 'critical',
    daysRemaining: 2,
    certificate: knownCertificate(),
    error: null,
    consecutiveFailures: 0,
    owner: 'team-payments',
    ...overrides,
  };
}
