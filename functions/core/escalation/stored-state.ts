import type { CertificateInfo } from '../certificate';
import type { CheckError, CheckResult, Finding } from '../check-result';
import { clipText, DETAIL_LIMITS } from '../safe-text';
import type { CertificateSource, HistoryEntry, KnownCertificate, SentNotification, StoredCertificateInfo } from '../watch-state';
import { EXPIRY_FINDING_CODES } from './alerts';
import { renewalOverdue } from './policy';

// What a watched certificate's state keeps, and the bounds on it: the certificate as stored, the probe's error, the
// history and the notices sent.

/** Bounds on the remembered lists (DynamoDB items stay far below 400 KB). */
export const HISTORY_LIMIT = 50;
export const SENT_LIMIT = 50;

/**
 * Bounds on the certificate data stored, in the state and in every pending notice, are DETAIL_LIMITS: a leaf with
 * thousands of SANs, a long chain or a name-mismatch message quoting every SAN must not push the item past 400 KB
 * (after which every write of that certificate fails and it is never alerted on). Per stored certificate: at most
 * DETAIL_LIMITS.sans SANs, and as many of them as fit in STORED_SANS_MAX_CHARS; `sanCount` keeps the total.
 */
export const STORED_SANS_MAX_CHARS = 4_000;

/** The certificate a result served, as remembered: `firstSeenAt` kept while the fingerprint is the one known. */
export function knownCertificateFrom(result: CheckResult, leaf: CertificateInfo, known: KnownCertificate | null, at: string): KnownCertificate {
  return {
    fingerprintSha256: leaf.fingerprintSha256,
    subject: leaf.subject,
    issuer: leaf.issuer,
    sans: leaf.sans,
    notBefore: leaf.notBefore,
    notAfter: result.notAfter ?? leaf.notAfter,
    serialNumber: leaf.serialNumber,
    chain: result.chain,
    findings: result.findings,
    firstSeenAt: known && known.fingerprintSha256 === leaf.fingerprintSha256 ? known.firstSeenAt : at,
  };
}

/**
 * The certificate as stored: bounded (STORED_*), without the clock-derived findings, and with RENEWAL_OVERDUE
 * re-judged (it depends on the clock too, but its text does not change from run to run), also while the probe
 * fails. An ACM certificate's RENEWAL_OVERDUE is ACM's schedule, judged with its listing: kept as listed. Idempotent,
 * so applying it to what it returned changes nothing.
 */
export function storable(certificate: KnownCertificate, now: Date, source: CertificateSource = 'tls'): KnownCertificate {
  const listedRenewal = source === 'acm';
  const judged = certificate.findings.filter((finding) => !EXPIRY_FINDING_CODES.has(finding.code) && (listedRenewal || finding.code !== 'RENEWAL_OVERDUE'));
  const overdue = listedRenewal ? null : renewalOverdue(certificate, now);
  return {
    ...boundedTexts(certificate),
    chain: boundedChain(certificate.chain, certificate.notAfter),
    findings: boundedFindings(overdue ? [...judged, overdue] : judged),
  };
}

/** The probe's error as stored: its message clipped. */
export function boundedError(error: CheckError | null): CheckError | null {
  return error && { ...error, message: clipText(error.message) };
}

/** The last HISTORY_LIMIT entries. */
export function boundedHistory(history: readonly HistoryEntry[]): HistoryEntry[] {
  return lastOf(history, HISTORY_LIMIT);
}

/** The last SENT_LIMIT notices sent. */
export function boundedSent(sent: readonly SentNotification[]): SentNotification[] {
  return lastOf(sent, SENT_LIMIT);
}

/**
 * Subject, issuer and serial clipped; at most DETAIL_LIMITS.sans SANs, as many as fit in STORED_SANS_MAX_CHARS,
 * each clipped, and `sanCount` the total when any are left out.
 */
function boundedTexts<T extends KnownCertificate | StoredCertificateInfo>(certificate: T): T {
  const total = Math.max(certificate.sanCount ?? 0, certificate.sans.length);
  const sans: string[] = [];
  let chars = 0;
  for (const name of certificate.sans.slice(0, DETAIL_LIMITS.sans)) {
    const clipped = clipText(name);
    if (chars + clipped.length > STORED_SANS_MAX_CHARS) break;
    sans.push(clipped);
    chars += clipped.length;
  }
  const texts = { subject: clipText(certificate.subject), issuer: clipText(certificate.issuer), serialNumber: clipText(certificate.serialNumber), sans };
  return { ...certificate, ...texts, ...(sans.length < total ? { sanCount: total } : {}) };
}

/** The first DETAIL_LIMITS.chain certificates, the one that governs notAfter always among them, each bounded. */
function boundedChain(chain: readonly StoredCertificateInfo[], governingNotAfter: string): StoredCertificateInfo[] {
  const kept = chain.slice(0, DETAIL_LIMITS.chain);
  const governing = chain.find((cert) => cert.notAfter === governingNotAfter);
  if (governing && !kept.includes(governing)) kept[kept.length - 1] = governing;
  return kept.map(boundedTexts);
}

/** Each message clipped; over DETAIL_LIMITS.findings, critical ones are kept first (the judge's order within a severity). */
function boundedFindings(findings: readonly Finding[]): Finding[] {
  const kept = findings.length <= DETAIL_LIMITS.findings ? findings : [...findings.filter((f) => f.severity === 'critical'), ...findings.filter((f) => f.severity !== 'critical')].slice(0, DETAIL_LIMITS.findings);
  return kept.map((finding) => ({ ...finding, message: clipText(finding.message) }));
}

function lastOf<T>(items: readonly T[], limit: number): T[] {
  return items.length > limit ? items.slice(items.length - limit) : [...items];
}
