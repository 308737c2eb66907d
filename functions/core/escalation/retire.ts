import { daysRemaining } from '../judge';
import type { HistoryEntry, PlannedNotification, WatchState } from '../watch-state';
import { DISAPPEARED_STAGE, isInvalidNotice, isProbeFailureNotice } from './alerts';
import type { FoldOutcome } from './fold';
import { notificationId } from './outbox';
import type { EscalationPolicy } from './policy';
import { boundedHistory } from './stored-state';

// States that end: an ACM or IAM certificate its listing no longer has, and a listing's own state once the listing
// works again. A retired state is kept only until the notices decided for it are delivered (the run then deletes
// it); one with nothing to say is deleted at once (null). Pure, like the fold.

/**
 * A certificate that left its listing. One that was in use and not yet expired gets one `disappeared` notice (kind
 * `error`) to `errorNotify` and everyone told about it: deleted by mistake, or the listing lost sight of it (a
 * permission, a filter). One not in use, or expired, is dropped quietly (null). Deciding again changes nothing.
 */
export function foldDisappearance(previous: WatchState, policy: EscalationPolicy, now: Date): FoldOutcome | null {
  if (previous.retiredAt !== undefined) return { state: previous, planned: [] };
  const certificate = previous.certificate;
  const inUse = certificate !== null && !certificate.findings.some((finding) => finding.code === 'NOT_IN_USE');
  if (!certificate || !inUse || Date.parse(certificate.notAfter) <= now.getTime()) return null;
  const at = now.toISOString();
  const audiences = [...new Set([...policy.errorNotify, ...previous.expiry.audiencesTold, ...previous.errorAlert.audiencesTold])];
  const notice: PlannedNotification = {
    id: notificationId(previous.certificateId, 'error', DISAPPEARED_STAGE, at),
    kind: 'error',
    stage: DISAPPEARED_STAGE,
    audiences,
    certificateId: previous.certificateId,
    target: previous.target,
    decidedAt: at,
    status: previous.status,
    daysRemaining: daysRemaining(new Date(certificate.notAfter), now),
    certificate,
    error: null,
    consecutiveFailures: 0,
    owner: previous.owner,
  };
  return retired(previous, at, `no longer listed by ${previous.scope ?? 'its listing'}`, [notice]);
}

/**
 * A listing's own state (its error alert while it failed) once the listing works again: whoever was told it fails
 * hears it works again, once, then the state goes; nobody told: deleted at once (null).
 */
export function foldListingRecovered(previous: WatchState, now: Date): FoldOutcome | null {
  if (previous.retiredAt !== undefined) return { state: previous, planned: [] };
  const told = previous.errorAlert.audiencesTold;
  if (told.length === 0) return null;
  const at = now.toISOString();
  const recovery: PlannedNotification = {
    id: notificationId(previous.certificateId, 'recovery', 'error', at),
    kind: 'recovery',
    stage: 'error',
    audiences: [...told],
    certificateId: previous.certificateId,
    target: previous.target,
    decidedAt: at,
    status: 'ok',
    daysRemaining: null,
    certificate: null,
    error: null,
    consecutiveFailures: 0,
    owner: previous.owner,
  };
  return retired(previous, at, 'listed again', [recovery]);
}

function retired(previous: WatchState, at: string, why: string, notices: PlannedNotification[]): FoldOutcome {
  const entry: HistoryEntry = { at, event: 'retired', detail: why };
  // Its earlier alerts are moot: the certificate is gone (or the listing answers), so only the last word goes out.
  const pending = previous.pending.filter((notice) => !isProbeFailureNotice(notice) && !isInvalidNotice(notice) && notice.kind !== 'expiry');
  return {
    state: { ...previous, retiredAt: at, pending: [...pending, ...notices], history: boundedHistory([...previous.history, entry]) },
    planned: notices,
  };
}
