import { isWeakKey, isWeakSignature, type CertificateInfo } from './certificate';
import type { ChainProblem, Finding, Observation, Status } from './check-result';
import type { Thresholds } from './check-settings';
import { DAY_MS } from './duration';

export interface Judgement {
  readonly status: Exclude<Status, 'error'>;
  readonly daysRemaining: number;
  readonly notAfter: string;
  /** The certificate whose notAfter governs (the leaf, or an intermediate that expires first). */
  readonly governing: CertificateInfo;
  readonly trusted: boolean;
  readonly findings: Finding[];
}

/** Whole days left, rounded down: negative once expired. */
export function daysRemaining(notAfter: Date, now: Date): number {
  return Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
}

/**
 * Certificates whose expiry breaks the connection: all served ones except a self-issued root that the
 * server also sends (clients use their own copy of a trust anchor). A self-signed leaf counts.
 */
export function certificatesThatExpire(chain: readonly CertificateInfo[]): CertificateInfo[] {
  return chain.filter((cert, index) => index === 0 || !cert.selfIssued);
}

export function earliestExpiring(chain: readonly CertificateInfo[]): CertificateInfo {
  const candidates = certificatesThatExpire(chain);
  if (candidates.length === 0) throw new Error('cannot judge an empty certificate chain');
  return candidates.reduce((earliest, cert) => (Date.parse(cert.notAfter) < Date.parse(earliest.notAfter) ? cert : earliest));
}

const CHAIN_PROBLEM_TEXT: Record<'served' | 'bundle', Record<ChainProblem, string>> = {
  served: {
    SELF_SIGNED: 'the certificate is self-signed: clients will refuse it unless they pin it',
    UNTRUSTED_ROOT: 'the chain ends at a root that is not trusted (add it with --ca-file if it is your private CA)',
    INCOMPLETE_CHAIN: 'the server does not send the intermediate certificate that issued the leaf: configure the full chain',
    CHAIN_INVALID: 'the chain does not verify',
  },
  bundle: {
    SELF_SIGNED: 'the certificate is self-signed: clients will refuse it unless they pin it',
    UNTRUSTED_ROOT: 'the chain in the bundle ends at a root that is not trusted (add it with --ca-file if it is your private CA)',
    INCOMPLETE_CHAIN: 'the certificate that issued it is neither in the same bundle nor trusted: ship the chain with it (or name the issuing CA with --ca-file)',
    CHAIN_INVALID: 'the chain in the bundle does not verify',
  },
};

/** Judges what a probe saw against thresholds at `now`: findings, status and days left. Pure. */
export function judge(observation: Observation, thresholds: Thresholds, now: Date): Judgement {
  const { chain } = observation;
  const leaf = chain[0];
  const governing = earliestExpiring(chain);
  const notAfter = new Date(governing.notAfter);
  const remainingMs = notAfter.getTime() - now.getTime();
  const days = daysRemaining(notAfter, now);
  const which = governing === leaf ? 'the certificate' : `intermediate "${governing.subject}"`;
  const findings: Finding[] = [];

  let expiryStatus: Judgement['status'] = 'ok';
  if (remainingMs < 0) {
    expiryStatus = 'expired';
    findings.push({ code: 'EXPIRED', severity: 'critical', message: `${which} expired on ${governing.notAfter} (${daysAgo(-remainingMs)})` });
  } else if (remainingMs < thresholds.criticalDays * DAY_MS) {
    expiryStatus = 'critical';
  } else if (remainingMs < thresholds.warningDays * DAY_MS) {
    expiryStatus = 'warning';
  }
  if (expiryStatus === 'critical' || expiryStatus === 'warning') {
    findings.push({
      code: 'EXPIRES_SOON',
      severity: expiryStatus,
      message: `${which} expires on ${governing.notAfter}: ${days} days left (${expiryStatus} below ${expiryStatus === 'critical' ? thresholds.criticalDays : thresholds.warningDays} days)`,
    });
  }

  for (const cert of chain) {
    if (Date.parse(cert.notBefore) > now.getTime()) {
      findings.push({ code: 'NOT_YET_VALID', severity: 'critical', message: `"${cert.subject}" is not valid before ${cert.notBefore}` });
    }
  }
  if (observation.hostnameMismatch) {
    findings.push({ code: 'HOSTNAME_MISMATCH', severity: 'critical', message: observation.hostnameMismatch });
  }
  if (observation.chainProblem) {
    const detail = observation.chainProblemDetail ? ` (${observation.chainProblemDetail})` : '';
    findings.push({ code: observation.chainProblem, severity: 'critical', message: `${CHAIN_PROBLEM_TEXT[observation.chainFrom ?? 'served'][observation.chainProblem]}${detail}` });
  }
  chain.forEach((cert, index) => {
    const isRoot = index > 0 && cert.selfIssued;
    if (isRoot) return;
    if (isWeakKey(cert)) {
      findings.push({ code: 'WEAK_KEY', severity: 'warning', message: `"${cert.subject}" has a weak ${cert.keyAlgorithm} key of ${cert.keySize} bits` });
    }
    // A trusted self-issued certificate judged on its own (a CA bundle's root, a pinned certificate) is a trust
    // anchor: nobody verifies its own signature, so a SHA-1 self-signature is no weakness.
    const isAnchor = index === 0 && cert.selfIssued && observation.chainProblem === null;
    if (!isAnchor && isWeakSignature(cert)) {
      findings.push({ code: 'WEAK_SIGNATURE', severity: 'warning', message: `"${cert.subject}" is signed with ${cert.signatureAlgorithm}` });
    }
  });

  return {
    status: statusOf(expiryStatus, findings),
    daysRemaining: days,
    notAfter: governing.notAfter,
    governing,
    trusted: observation.chainProblem === null,
    findings,
  };
}

/**
 * Whole days elapsed, rounded down like the days left: 2 days and 5 minutes ago is "2 days ago". Not the negated
 * floor of the days left (`daysRemaining` -3 then), which would count a day that has not passed.
 */
function daysAgo(elapsedMs: number): string {
  const days = Math.floor(elapsedMs / DAY_MS);
  return days === 0 ? 'less than a day ago' : `${days} day${days === 1 ? '' : 's'} ago`;
}

/** The status from the days left and the findings' severities (`info` findings explain and change nothing). */
export function statusOf(expiryStatus: Judgement['status'], findings: readonly Finding[]): Judgement['status'] {
  if (expiryStatus === 'expired') return 'expired';
  if (expiryStatus === 'critical' || findings.some((f) => f.severity === 'critical')) return 'critical';
  if (expiryStatus === 'warning' || findings.some((f) => f.severity === 'warning')) return 'warning';
  return 'ok';
}
