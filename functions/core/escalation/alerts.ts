import type { Finding, FindingCode } from '../check-result';
import type { InvalidAlert, PlannedNotification } from '../watch-state';

// The vocabulary of a watched certificate's alerts: which findings raise or describe which alert, the stage names
// an alert's notices carry, and which notice belongs to which alert.

/**
 * The alerts a watched certificate can have acknowledged: its expiry stage, its probe-failure (`error`) alert, or
 * its alert about a certificate clients reject (`invalid`).
 */
export type AcknowledgeableAlert = 'expiry' | 'error' | 'invalid';

/** Every acknowledgeable alert, in the order `acknowledge` picks one when none is asked for. */
export const ACKNOWLEDGEABLE_ALERTS: readonly AcknowledgeableAlert[] = ['expiry', 'error', 'invalid'];

/**
 * Findings judged from notAfter and the clock alone. Not stored with the certificate: their day counts would
 * change the item every day (and every day be rewritten); notices say the time left in their own words.
 */
export const EXPIRY_FINDING_CODES: ReadonlySet<FindingCode> = new Set<FindingCode>(['EXPIRES_SOON', 'EXPIRED']);

/**
 * Findings for which clients reject the certificate served now, whatever its expiry: the invalid alert's trigger.
 * Not EXPIRED (the expiry stages speak for it), nor the warnings (WEAK_KEY, WEAK_SIGNATURE, RENEWAL_OVERDUE):
 * clients still connect.
 */
export const REJECTING_FINDING_CODES: ReadonlySet<FindingCode> = new Set<FindingCode>([
  'HOSTNAME_MISMATCH',
  'SELF_SIGNED',
  'UNTRUSTED_ROOT',
  'INCOMPLETE_CHAIN',
  'CHAIN_INVALID',
  'NOT_YET_VALID',
]);

/**
 * The stage of the invalid alert's notices (kind `error`, as the notification kinds are fixed) and of its
 * recovery. Reserved as a stage name in the config, like `error` and `digest`.
 */
export const INVALID_STAGE = 'invalid';

/**
 * The stage of the notice about a certificate that left its ACM or IAM listing while in use and not expired (kind
 * `error`: something is wrong now). Reserved as a stage name in the config.
 */
export const DISAPPEARED_STAGE = 'disappeared';

/** The rejecting findings among `findings`, in their order (see REJECTING_FINDING_CODES). */
export function rejectingFindings(findings: readonly Finding[]): Finding[] {
  return findings.filter((finding) => REJECTING_FINDING_CODES.has(finding.code));
}

/**
 * Why clients reject a certificate: each rejecting code once, in the order found (NOT_YET_VALID is raised for each
 * certificate of a chain). What `status`, the digest and the invalid alert's notices name.
 */
export function rejectingCodes(findings: readonly Finding[]): FindingCode[] {
  return [...new Set(rejectingFindings(findings).map((finding) => finding.code))];
}

/** What a state without `invalidAlert` (stored before it existed, or never rejected) reads as. */
export const INACTIVE_INVALID_ALERT: InvalidAlert = { active: false, lastNotifiedAt: null, audiencesTold: [], acknowledgement: null };

/** A probe-failure notice (kind `error`, stage `error`), not an invalid alert's nor a disappearance's. */
export function isProbeFailureNotice(notification: Pick<PlannedNotification, 'kind' | 'stage'>): boolean {
  return notification.kind === 'error' && notification.stage !== INVALID_STAGE && notification.stage !== DISAPPEARED_STAGE;
}

/** An invalid alert's notice (kind `error`, stage `invalid`), not its recovery. */
export function isInvalidNotice(notification: Pick<PlannedNotification, 'kind' | 'stage'>): boolean {
  return notification.kind === 'error' && notification.stage === INVALID_STAGE;
}
