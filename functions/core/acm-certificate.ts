import { createHash } from 'node:crypto';
import type { CertificateInfo } from './certificate';
import type { CheckResult, Finding, Observation } from './check-result';
import type { Thresholds } from './check-settings';
import { DAY_MS } from './duration';
import { judge, statusOf } from './judge';
import { judgedResult, withoutEndpoint } from './judged-result';

// ACM certificates, judged from ListCertificates' summaries (and DescribeCertificate for the few inside ACM's
// renewal window) into the same result as a TLS probe: target is the ARN, the same statuses and findings, plus
// what only ACM knows: imported (nothing renews it), managed renewal failed or waiting for validation, not in use.

/** What ListCertificates says of one certificate (its summary's own fields), as plain data. */
export interface AcmCertificateSummary {
  readonly arn: string;
  readonly domainName: string | null;
  /** As listed: ACM gives a prefix of them (`hasAdditionalNames` says so). */
  readonly subjectAlternativeNames: readonly string[];
  readonly hasAdditionalNames: boolean;
  /** ISSUED, EXPIRED, REVOKED, INACTIVE, ... */
  readonly status: string;
  /** AMAZON_ISSUED, PRIVATE or IMPORTED. */
  readonly type: string;
  /** RSA_2048, EC_prime256v1, ... */
  readonly keyAlgorithm: string | null;
  /** Associated with an AWS resource (a load balancer, a distribution, ...). */
  readonly inUse: boolean | null;
  /** ELIGIBLE or INELIGIBLE for ACM's managed renewal. */
  readonly renewalEligibility: string | null;
  readonly notBefore: string | null;
  readonly notAfter: string | null;
  readonly revokedAt: string | null;
}

/** What DescribeCertificate adds, for the few that need it. */
export interface AcmCertificateDetail {
  /** PENDING_AUTO_RENEWAL, PENDING_VALIDATION, SUCCESS or FAILED; null when ACM has not started a renewal. */
  readonly renewalStatus: string | null;
  readonly renewalStatusReason: string | null;
  readonly subject: string | null;
  readonly issuer: string | null;
  readonly serial: string | null;
  readonly signatureAlgorithm: string | null;
}

/** ACM starts renewing an eligible certificate this long before it expires. */
export const ACM_RENEWAL_STARTS_DAYS = 60;

/**
 * By then a renewal that works has replaced the certificate (DNS validation renews within hours; ACM's own
 * "approaching expiration" notices start here): still not renewed, the renewal is late and certwatch is loud.
 */
export const ACM_RENEWAL_DUE_DAYS = 45;

/** ACM renews it itself: issued by ACM (public or private CA) and eligible (in use, or exported). */
export function isManagedRenewal(summary: AcmCertificateSummary): boolean {
  return summary.type !== 'IMPORTED' && summary.renewalEligibility === 'ELIGIBLE';
}

/**
 * Whether DescribeCertificate is worth a call: an issued certificate ACM should be renewing now (inside the renewal
 * window and not expired). Every other certificate is judged on its summary alone. Pure.
 */
export function acmNeedsDescription(summary: AcmCertificateSummary, now: Date): boolean {
  if (!isManagedRenewal(summary) || summary.status !== 'ISSUED' || summary.notAfter === null) return false;
  const remainingMs = Date.parse(summary.notAfter) - now.getTime();
  return remainingMs > 0 && remainingMs < ACM_RENEWAL_STARTS_DAYS * DAY_MS;
}

/**
 * Judges one ACM certificate. A certificate ACM renews is quiet until its renewal is late: the expiry thresholds are
 * capped at ACM_RENEWAL_DUE_DAYS for it, and once inside them without a renewal it is critical (RENEWAL_OVERDUE,
 * or RENEWAL_FAILED / RENEWAL_PENDING_VALIDATION when ACM says why). Null when the summary carries no validity
 * (a certificate never issued: nothing to judge). Pure.
 */
export function judgeAcmCertificate(summary: AcmCertificateSummary, detail: AcmCertificateDetail | null, thresholds: Thresholds, now: Date, elapsedMs: number): CheckResult | null {
  if (summary.notBefore === null || summary.notAfter === null) return null;
  const leaf = acmCertificateInfo(summary, detail);
  const observation: Observation = { chain: [leaf], chainProblem: null, chainProblemDetail: null, hostnameMismatch: null };
  const managed = isManagedRenewal(summary);
  const capped = managed
    ? { warningDays: Math.min(thresholds.warningDays, ACM_RENEWAL_DUE_DAYS), criticalDays: Math.min(thresholds.criticalDays, ACM_RENEWAL_DUE_DAYS) }
    : thresholds;
  const judgement = judge(observation, capped, now);
  const findings: Finding[] = [...judgement.findings, ...acmFindings(summary, detail, managed, now)];
  // Informational findings last: the table shows the first finding's message.
  findings.sort((a, b) => Number(a.severity === 'info') - Number(b.severity === 'info'));
  return judgedResult(withoutEndpoint(summary.arn), observation, { ...judgement, status: statusOf(judgement.status, findings), findings }, elapsedMs);
}

function acmFindings(summary: AcmCertificateSummary, detail: AcmCertificateDetail | null, managed: boolean, now: Date): Finding[] {
  const findings: Finding[] = [];
  const notAfter = Date.parse(summary.notAfter!);
  const remainingMs = notAfter - now.getTime();
  if (summary.status === 'REVOKED') {
    findings.push({ code: 'REVOKED', severity: 'critical', message: `ACM says the certificate was revoked${summary.revokedAt ? ` on ${summary.revokedAt}` : ''}: clients checking revocation refuse it` });
  }
  if (summary.type === 'IMPORTED') {
    findings.push({ code: 'IMPORTED_NO_AUTO_RENEWAL', severity: 'info', message: 'imported into ACM: ACM never renews it, a person must import its replacement' });
  }
  if (managed && summary.status === 'ISSUED' && remainingMs > 0 && remainingMs < ACM_RENEWAL_STARTS_DAYS * DAY_MS) {
    findings.push(...renewalFindings(detail, notAfter, remainingMs < ACM_RENEWAL_DUE_DAYS * DAY_MS));
  }
  if (summary.inUse === false) {
    findings.push({ code: 'NOT_IN_USE', severity: 'info', message: 'associated with no AWS resource' });
  }
  return findings;
}

/** Inside ACM's renewal window: what the renewal status says, and how loud to be about it. */
function renewalFindings(detail: AcmCertificateDetail | null, notAfter: number, late: boolean): Finding[] {
  const dueBy = new Date(notAfter - ACM_RENEWAL_DUE_DAYS * DAY_MS).toISOString();
  const reason = detail?.renewalStatusReason ? ` (${detail.renewalStatusReason})` : '';
  switch (detail?.renewalStatus) {
    case 'FAILED':
      return [{ code: 'RENEWAL_FAILED', severity: 'critical', message: `ACM's managed renewal failed${reason}: request a new certificate or fix validation and ask ACM to renew` }];
    case 'PENDING_VALIDATION':
      return [
        {
          code: 'RENEWAL_PENDING_VALIDATION',
          severity: late ? 'critical' : 'warning',
          message: `ACM's managed renewal waits for domain validation${reason}: restore the DNS validation record (or approve the validation email)${late ? `; it was due by ${dueBy}` : ''}`,
        },
      ];
    default:
      if (!late) return [];
      return [
        {
          code: 'RENEWAL_OVERDUE',
          severity: 'critical',
          message: `ACM renews from ${ACM_RENEWAL_STARTS_DAYS} days before expiry and should have replaced this certificate by ${dueBy}${detail?.renewalStatus ? ` (renewal status ${detail.renewalStatus}${reason})` : ''}: check its validation and its use`,
        },
      ];
  }
}

const KEY_ALGORITHMS: Readonly<Record<string, { keyAlgorithm: string; keySize: number }>> = {
  RSA_1024: { keyAlgorithm: 'RSA', keySize: 1024 },
  RSA_2048: { keyAlgorithm: 'RSA', keySize: 2048 },
  RSA_3072: { keyAlgorithm: 'RSA', keySize: 3072 },
  RSA_4096: { keyAlgorithm: 'RSA', keySize: 4096 },
  EC_prime256v1: { keyAlgorithm: 'EC', keySize: 256 },
  EC_secp384r1: { keyAlgorithm: 'EC', keySize: 384 },
  EC_secp521r1: { keyAlgorithm: 'EC', keySize: 521 },
};

const SIGNATURE_ALGORITHMS: Readonly<Record<string, string>> = {
  SHA256WITHRSA: 'sha256WithRSAEncryption',
  SHA384WITHRSA: 'sha384WithRSAEncryption',
  SHA512WITHRSA: 'sha512WithRSAEncryption',
  SHA1WITHRSA: 'sha1WithRSAEncryption',
  SHA256WITHECDSA: 'ecdsa-with-SHA256',
  SHA384WITHECDSA: 'ecdsa-with-SHA384',
  SHA512WITHECDSA: 'ecdsa-with-SHA512',
};

/**
 * The certificate as the listing describes it. The listing carries no certificate bytes: the issuer is `Amazon` for
 * ACM's public CA and `unknown` otherwise, serial and signature algorithm `unknown`, unless described; and
 * `fingerprintSha256` stands in for the certificate's own: the SHA-256 of its ARN and validity, which changes when ACM
 * renews or a certificate is re-imported (what the watcher needs it for).
 */
export function acmCertificateInfo(summary: AcmCertificateSummary, detail: AcmCertificateDetail | null): CertificateInfo {
  const key = summary.keyAlgorithm ? KEY_ALGORITHMS[summary.keyAlgorithm] : undefined;
  const standIn = createHash('sha256').update(`${summary.arn}\n${summary.notBefore}\n${summary.notAfter}`).digest('hex').toUpperCase();
  return {
    subject: detail?.subject ?? (summary.domainName ? `CN=${summary.domainName}` : 'unknown'),
    issuer: detail?.issuer ?? (summary.type === 'AMAZON_ISSUED' ? 'Amazon' : 'unknown'),
    sans: summary.subjectAlternativeNames,
    notBefore: summary.notBefore!,
    notAfter: summary.notAfter!,
    serialNumber: detail?.serial ? detail.serial.replace(/:/g, '').toUpperCase() : 'unknown',
    fingerprintSha256: standIn.replace(/(..)(?!$)/g, '$1:'),
    keyAlgorithm: key?.keyAlgorithm ?? summary.keyAlgorithm ?? 'unknown',
    keySize: key?.keySize ?? null,
    signatureAlgorithm: detail?.signatureAlgorithm ? (SIGNATURE_ALGORITHMS[detail.signatureAlgorithm] ?? detail.signatureAlgorithm) : 'unknown',
    selfIssued: false,
  };
}
