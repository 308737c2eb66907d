import type { CertificateInfo } from './certificate';
import type { Protocol } from './target';

export type Status = 'ok' | 'warning' | 'critical' | 'expired' | 'error';
/** `info` explains (NOT_IN_USE, IMPORTED_NO_AUTO_RENEWAL) and never changes a status; the others raise it. */
export type Severity = 'info' | 'warning' | 'critical';

export const FINDING_CODES = [
  'EXPIRED',
  'EXPIRES_SOON',
  'NOT_YET_VALID',
  'HOSTNAME_MISMATCH',
  'SELF_SIGNED',
  'UNTRUSTED_ROOT',
  'INCOMPLETE_CHAIN',
  'CHAIN_INVALID',
  'WEAK_KEY',
  'WEAK_SIGNATURE',
  /**
   * Automated renewal has not happened when it should have: past two thirds of the lifetime (the watcher's own), or
   * for a certificate ACM renews, past the point by which ACM's managed renewal should have replaced it.
   */
  'RENEWAL_OVERDUE',
  /** ACM or IAM: nothing will renew it (imported into ACM, or an IAM server certificate); a person must. */
  'IMPORTED_NO_AUTO_RENEWAL',
  /** ACM's managed renewal failed (DescribeCertificate's RenewalSummary). */
  'RENEWAL_FAILED',
  /** ACM's managed renewal waits for DNS or email validation that has not happened. */
  'RENEWAL_PENDING_VALIDATION',
  /** ACM: associated with no AWS resource (informational). */
  'NOT_IN_USE',
  /** ACM: the certificate was revoked. */
  'REVOKED',
  /** The addresses behind a name serve different certificates (a renewal that missed a node). */
  'MIXED_CERTIFICATES',
  /** One address behind a name could not be checked while others answered. */
  'ADDRESS_UNREACHABLE',
  /** The name has more addresses than a check probes (`maxAddresses`). */
  'ADDRESSES_NOT_PROBED',
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

export interface Finding {
  readonly code: FindingCode;
  readonly severity: Severity;
  readonly message: string;
}

export const ERROR_CODES = [
  'INVALID_TARGET',
  'DNS_NOT_FOUND',
  'CONNECTION_REFUSED',
  'CONNECTION_RESET',
  'TIMEOUT',
  'TLS_HANDSHAKE_FAILED',
  'STARTTLS_FAILED',
  'PROTOCOL_ERROR',
  'CA_FILE_UNREADABLE',
  /** Certificate files: the file does not exist. */
  'FILE_NOT_FOUND',
  /** Certificate files: it exists but could not be read (a folder, permissions, too large). */
  'FILE_UNREADABLE',
  /** Certificate files: no certificate in it (garbage, empty, truncated, a key alone). */
  'NOT_A_CERTIFICATE',
  /** Certificate files: a PKCS#12 file that needs a password it was not given, or was given a wrong one. */
  'PASSWORD_REQUIRED',
  /** ACM or IAM: the credentials may not list (or describe) certificates in that account and region. */
  'ACCESS_DENIED',
  /** ACM or IAM: the role given with --role-arn (or in the config) could not be assumed. */
  'ASSUME_ROLE_FAILED',
  /** ACM or IAM: a request failed after the SDK's retries (endpoint down, throttled throughout, a service error). */
  'AWS_REQUEST_FAILED',
] as const;
/** Error codes: the listed ones, plus `DNS_<resolver code>` for rarer resolver failures (DNS_SERVFAIL, ...). */
export type ErrorCode = (typeof ERROR_CODES)[number] | `DNS_${string}`;

export interface CheckError {
  readonly code: ErrorCode;
  readonly message: string;
}

/** Why a served chain does not lead to a trust anchor, as the TLS probe saw it (time aside). */
export type ChainProblem = 'SELF_SIGNED' | 'UNTRUSTED_ROOT' | 'INCOMPLETE_CHAIN' | 'CHAIN_INVALID';

/** What a probe saw: facts only, no judgement against thresholds or the clock. */
export interface Observation {
  /** Served certificates, leaf first (a root the client trusts may follow). */
  readonly chain: readonly CertificateInfo[];
  /** null when the chain verifies to a trust anchor (expiry aside). */
  readonly chainProblem: ChainProblem | null;
  /** The verifier's own words for the chain problem, e.g. Node's `SELF_SIGNED_CERT_IN_CHAIN`. */
  readonly chainProblemDetail: string | null;
  /** Why the leaf does not match the name verified; null when it matches or no name was checked. */
  readonly hostnameMismatch: string | null;
  /**
   * Where the chain came from: `served` by a server (the default), or a `bundle` (a certificate file, an IAM
   * certificate with its uploaded chain), which changes what a chain problem asks a person to fix.
   */
  readonly chainFrom?: 'served' | 'bundle';
}

/** What one address behind a target served (or why it could not be read): an entry of `CheckResult.addresses`. */
export interface AddressResult {
  /** The IP address as text, without the port. */
  readonly address: string;
  readonly status: Status;
  /** The earliest expiry among the certificates it served; null on error. */
  readonly notAfter: string | null;
  /** Its leaf's fingerprint; null on error. */
  readonly fingerprintSha256: string | null;
  readonly findings: readonly Finding[];
  readonly error: CheckError | null;
}

/** One line of `certwatch check --json`: the stable output contract. */
export interface CheckResult {
  readonly target: string;
  readonly host: string | null;
  readonly port: number | null;
  readonly servername: string | null;
  readonly protocol: Protocol | null;
  readonly elapsedMs: number;
  readonly status: Status;
  readonly daysRemaining: number | null;
  readonly notAfter: string | null;
  readonly leaf: CertificateInfo | null;
  readonly chain: readonly CertificateInfo[];
  readonly trusted: boolean;
  readonly findings: readonly Finding[];
  /** Every address probed, in probing order (empty when none was: an invalid target, a name that did not resolve). */
  readonly addresses: readonly AddressResult[];
  readonly error: CheckError | null;
}

/** Worse statuses sort later; exit codes follow monitoring-plugin convention. */
export const STATUS_RANK: Readonly<Record<Status, number>> = { ok: 0, warning: 1, critical: 2, expired: 3, error: 4 };

export function worstStatus(statuses: Iterable<Status>): Status {
  let worst: Status = 'ok';
  for (const status of statuses) if (STATUS_RANK[status] > STATUS_RANK[worst]) worst = status;
  return worst;
}

/** 0 ok, 1 warning, 2 critical or expired, 3 error. */
export function exitCodeFor(status: Status): 0 | 1 | 2 | 3 {
  switch (status) {
    case 'ok':
      return 0;
    case 'warning':
      return 1;
    case 'critical':
    case 'expired':
      return 2;
    case 'error':
      return 3;
  }
}
