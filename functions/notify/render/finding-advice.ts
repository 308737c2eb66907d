import type { Finding, FindingCode } from '../../core/check-result';

// What to do about each finding: a sentence for the email, a few words for an SMS.

const FINDING_ADVICE: Partial<Record<FindingCode, string>> = {
  NOT_YET_VALID: 'Not yet valid: check the server clock, and do not deploy a certificate before its notBefore.',
  HOSTNAME_MISMATCH: 'Name mismatch: reissue the certificate with the name in its SANs, or check the SNI name (servername) the target uses.',
  SELF_SIGNED: 'Self-signed: clients refuse it unless they pin it; use a certificate from a trusted CA.',
  UNTRUSTED_ROOT: 'Untrusted root: if it is your private CA, give certwatch its root (--ca-file); otherwise use a publicly trusted CA.',
  INCOMPLETE_CHAIN: 'Incomplete chain: configure the server to send the intermediate certificates (the full chain file).',
  CHAIN_INVALID: 'Invalid chain: the served certificates do not verify; deploy the matching leaf, key and chain together.',
  WEAK_KEY: 'Weak key: reissue with RSA 2048 bits or more, or ECDSA P-256 or better.',
  WEAK_SIGNATURE: 'Weak signature: reissue with a SHA-256 (or stronger) signature.',
  RENEWAL_OVERDUE: 'Renewal overdue: it should have been replaced by now (two thirds of its lifetime, or ACM\'s renewal 60 days out); check the automated renewal (logs, DNS/HTTP validation, the ACM validation records).',
  RENEWAL_FAILED: 'ACM renewal failed: fix what ACM reports (validation, CAA records) and renew, or request a new certificate and move its users to it.',
  RENEWAL_PENDING_VALIDATION: 'ACM renewal waits for validation: restore the DNS validation CNAME record (or approve the validation email).',
  IMPORTED_NO_AUTO_RENEWAL: 'Nothing renews it: obtain a new certificate and import (or upload) it in place, before it expires.',
  REVOKED: 'Revoked: request or import a new certificate and move every resource that uses this one to it.',
};

/** An SMS has no room for the email's advice. */
const SHORT_FIX: Partial<Record<FindingCode, string>> = {
  NOT_YET_VALID: 'check clocks and notBefore',
  HOSTNAME_MISMATCH: 'reissue for this name',
  SELF_SIGNED: 'use a CA-issued cert',
  UNTRUSTED_ROOT: 'use a trusted CA',
  INCOMPLETE_CHAIN: 'send intermediates',
  CHAIN_INVALID: 'deploy the matching chain',
  WEAK_KEY: 'reissue with a stronger key',
  WEAK_SIGNATURE: 'reissue with SHA-256',
  RENEWAL_OVERDUE: 'check the renewal',
  RENEWAL_FAILED: 'fix the ACM renewal',
  RENEWAL_PENDING_VALIDATION: 'restore ACM validation',
  IMPORTED_NO_AUTO_RENEWAL: 'import a new cert',
  REVOKED: 'replace the revoked cert',
};

/** One sentence for each distinct finding that has advice, in the findings' order. */
export function findingAdvice(findings: readonly Finding[]): string[] {
  return adviceFrom(FINDING_ADVICE, findings);
}

/** `Fix: send intermediates; reissue for this name.`, for an SMS. */
export function shortFixes(findings: readonly Finding[]): string {
  const fixes = adviceFrom(SHORT_FIX, findings);
  return fixes.length === 0 ? 'Fix the certificate.' : `Fix: ${fixes.join('; ')}.`;
}

function adviceFrom(table: Partial<Record<FindingCode, string>>, findings: readonly Finding[]): string[] {
  return [...new Set(findings.map((finding) => table[finding.code]).filter((text): text is string => text !== undefined))];
}
