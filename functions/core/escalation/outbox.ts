import type { AlertKind, HistoryEntry, SentNotification, WatchState } from '../watch-state';
import { INACTIVE_INVALID_ALERT, isInvalidNotice, isProbeFailureNotice } from './alerts';
import { boundedHistory, boundedSent } from './stored-state';

// The outbox of a watched certificate (`state.pending`). A run folds an observation into the state, then claims the
// pending notices and writes the state in one conditional write (the decision is durable, and a racing run loses
// the write, before anything is sent), publishes what it claimed, and records with `afterDelivery` what SNS
// accepted, releasing the rest. A crash or failed publish leaves the notice pending for the next run: at least
// once. Ids are deterministic, so a retried run re-decides the same ids and a duplicate run (same `now`) decides
// nothing.

/**
 * The lease of a claim that names no end (`claimedUntil`: claims written before runs had deadlines): younger than
 * this, it belongs to a run still publishing; older, it is taken over.
 */
export const CLAIM_LEASE_MS = 10 * 60_000;

/** A claim: when it was made, and until when it holds (the claiming run's deadline and wrap-up, plus a margin). */
export interface Claim {
  readonly claimedAt: string;
  readonly claimedUntil?: string;
}

/** Deterministic id: the same decision made again (a retried run) gets the same id, so it is recognised as made. */
export function notificationId(certificateId: string, kind: AlertKind, stage: string, decidedAt: string): string {
  return `${certificateId}#${kind}#${stage}#${decidedAt}`;
}

/**
 * Whether `entry` (a pending notice, or the run ledger's digest claim; null: none) may be claimed at `now`: it was
 * never claimed, or its claim has lapsed: past its `claimedUntil` (the run that claimed it is past its deadline, so
 * it died or gave up), or, for a claim naming no end, older than CLAIM_LEASE_MS.
 */
export function isClaimable(entry: Partial<Claim> | null, now: Date): boolean {
  if (!entry?.claimedAt) return true;
  if (entry.claimedUntil) return now.getTime() >= Date.parse(entry.claimedUntil);
  return now.getTime() - Date.parse(entry.claimedAt) >= CLAIM_LEASE_MS;
}

/** The pending notices `ids` claimed by `claim`; the others as they were. */
export function withClaims(state: WatchState, ids: readonly string[], claim: Claim): WatchState {
  return { ...state, pending: state.pending.map((n) => (ids.includes(n.id) ? { ...n, ...claim } : n)) };
}

/** The pending notices `ids` unclaimed, for the next run; the others keep their claims. */
export function releaseClaims(state: WatchState, ids: readonly string[]): WatchState {
  return { ...state, pending: state.pending.map((n) => (ids.includes(n.id) ? unclaimed(n) : n)) };
}

function unclaimed<Entry extends Partial<Claim>>(entry: Entry): Omit<Entry, keyof Claim> {
  const { claimedAt: _at, claimedUntil: _until, ...rest } = entry;
  return rest;
}

/**
 * The state after publishing the `claimed` notices: those `delivered` (id -> SNS message id) and still pending
 * marked published, the others released for the next run.
 */
export function afterDelivery(state: WatchState, claimed: readonly string[], delivered: ReadonlyMap<string, string>, now: Date): WatchState {
  let next = releaseClaims(state, claimed.filter((id) => !delivered.has(id)));
  for (const [id, messageId] of delivered) if (next.pending.some((n) => n.id === id)) next = markPublished(next, id, messageId, now);
  return next;
}

/** Records a pending notification as sent (SNS accepted it). One no longer pending (already recorded, or superseded) changes nothing. */
export function markPublished(state: WatchState, notificationId: string, messageId: string | null, sentAt: Date): WatchState {
  const notification = state.pending.find((pending) => pending.id === notificationId);
  if (!notification) return state;
  const sent: SentNotification = {
    id: notification.id,
    kind: notification.kind,
    stage: notification.stage,
    audiences: notification.audiences,
    decidedAt: notification.decidedAt,
    ...(notification.stageNow !== undefined ? { stageNow: notification.stageNow } : {}),
    sentAt: sentAt.toISOString(),
    messageId,
  };
  const entry: HistoryEntry = {
    at: sent.sentAt,
    event: 'notified',
    detail: `${notification.kind} ${notification.stage} to ${notification.audiences.join(', ')}${messageId ? ` (message ${messageId})` : ''}`,
  };
  const invalidAlert = state.invalidAlert ?? INACTIVE_INVALID_ALERT;
  return {
    ...state,
    expiry: notification.kind === 'expiry' ? { ...state.expiry, audiencesTold: union(state.expiry.audiencesTold, notification.audiences) } : state.expiry,
    errorAlert: isProbeFailureNotice(notification) ? { ...state.errorAlert, audiencesTold: union(state.errorAlert.audiencesTold, notification.audiences) } : state.errorAlert,
    ...(isInvalidNotice(notification) ? { invalidAlert: { ...invalidAlert, audiencesTold: union(invalidAlert.audiencesTold, notification.audiences) } } : {}),
    pending: state.pending.filter((pending) => pending.id !== notificationId),
    sent: boundedSent([...state.sent, sent]),
    history: boundedHistory([...state.history, entry]),
  };
}

function union(told: readonly string[], more: readonly string[]): string[] {
  return [...new Set([...told, ...more])];
}
