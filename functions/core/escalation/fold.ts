import type { CheckError, CheckResult, Status } from '../check-result';
import { DAY_MS } from '../duration';
import { daysRemaining } from '../judge';
import type { Acknowledgement, AlertKind, CertificateSource, HistoryEntry, HistoryEvent, InvalidAlert, KnownCertificate, PlannedNotification, WatchState } from '../watch-state';
import { acknowledgementsOf, isErrorAlertSilenced, isInvalidAlertSilenced, isSilenced } from './acknowledge';
import { addressesChange, addressesSeen, replacementUnconfirmed, type AddressesSeen } from './addresses-seen';
import { INACTIVE_INVALID_ALERT, INVALID_STAGE, isInvalidNotice, isProbeFailureNotice, rejectingCodes } from './alerts';
import { expiryToldAhead, horizonOf, setAsideTheFuture, type ExpiryToldAhead } from './clock';
import { notificationId } from './outbox';
import { stageFor, type EscalationPolicy, type Stage } from './policy';
import { boundedError, boundedHistory, knownCertificateFrom, storable } from './stored-state';

// The observation fold: one probe result folded into a certificate's WatchState, deciding what to tell whom. Pure; the
// notices it decides join the state's outbox (outbox.ts), which the run publishes after writing the state.

/**
 * A repeat counts as due this much early: scheduled runs start a few seconds late or early, and without slack a
 * run 2 s short of `repeatEvery` would push every later repeat back by a whole run interval.
 */
export const REPEAT_TOLERANCE_MS = 5 * 60_000;

/** One probe result for one watched certificate, with the target's current settings. */
export interface ObservedResult {
  readonly certificateId: string;
  readonly source: CertificateSource;
  readonly target: string;
  readonly owner: string | null;
  readonly tags: Readonly<Record<string, string>>;
  /** ACM and IAM: the listing it came from (WatchState.scope). */
  readonly scope?: string;
  readonly result: CheckResult;
}

export interface FoldOutcome {
  /** The next state; `version` unchanged (the store bumps it). Publish all of `state.pending`, not just `planned`. */
  readonly state: WatchState;
  /** Notifications decided by this observation (also appended to `state.pending`). */
  readonly planned: readonly PlannedNotification[];
  /**
   * The stored state had been written by a clock ahead of this run's (its `lastCheckedAt`, which was beyond the
   * horizon): what it decided beyond the horizon was set aside (clock.ts) before this observation was folded.
   */
  readonly aheadOfClock?: string;
}

/**
 * Folds one probe result into the state and decides what to tell whom. Rules:
 * - A failed probe keeps the last known certificate, so escalation continues from its notAfter at `now`.
 * - The stage is the most severe one that applies now; entering it (or a replacement certificate inside a
 *   stage) notifies at once, then every `repeatEveryMs` from the last decision: one notice after any gap.
 * - A pending expiry notice of an older stage or certificate is superseded (no burst); one older than the
 *   repeat interval is replaced by a fresh decision (its days-left text would be stale).
 * - Leaving every stage sends one `recovery` to everyone told; so does a probe answering again after an error alert.
 *   Moving down to a lower stage sends one `recovery` to those told whom the lower stage does not notify.
 * - The certificate is stored bounded (DETAIL_LIMITS, STORED_SANS_MAX_CHARS) and without the clock-derived findings (EXPIRY_FINDING_CODES),
 *   so that a run that sees the same certificate again stores the same thing.
 * - An acknowledged error alert stops repeating (until its snooze ends); the probe answering again clears it.
 * - A certificate clients reject (REJECTING_FINDING_CODES) in an answering observation is the invalid alert: at
 *   once, to `errorNotify`, every `errorRepeatEveryMs`; one `recovery` (stage `invalid`) to those told when an
 *   answering observation has none of those findings. A failed probe neither repeats nor clears it.
 * - A target served by several addresses is judged by its worst (the result's certificate is the one that expires
 *   first, whatever order the addresses came in); its addresses are remembered, bounded (addresses-seen.ts), and a
 *   replacement is not believed while an address that served the known certificate cannot be checked. A change in
 *   which addresses serve which certificate goes into the history (`addresses-changed`).
 * - An observation not newer than `lastCheckedAt` (a duplicate or out-of-order run) changes nothing; but a state
 *   written by a clock ahead of this run's (beyond `horizonOf(now, clock)`: a forward clock jump, `--force-now`)
 *   does not mute it: what was decided beyond the horizon is set aside (clock.ts), and the observation is folded.
 *   Whoever its expiry notices told of a stage the certificate is not in hears one recovery that corrects it
 *   (`corrects`; `stageNow` the stage it is in), and those that stage does not notify are let go.
 *   `clock` is the run's wall clock when `now` is simulated; by default `now` is the clock.
 */
export function foldObservation(stored: WatchState | undefined, input: ObservedResult, policy: EscalationPolicy, now: Date, clock: Date = now): FoldOutcome {
  if (stored && stored.certificateId !== input.certificateId) {
    throw new Error(`state of ${stored.certificateId} cannot take an observation of ${input.certificateId}`);
  }
  const horizon = horizonOf(now, clock);
  const rewound = stored ? setAsideTheFuture(stored, horizon, now) : null;
  if (stored && !rewound && Date.parse(stored.lastCheckedAt) >= now.getTime()) return { state: stored, planned: [] };
  const previous = rewound ?? stored;
  const folded = foldAfter(previous, input, policy, now, rewound && stored ? expiryToldAhead(stored, horizon) : null);
  return rewound && stored ? { ...folded, aheadOfClock: stored.lastCheckedAt } : folded;
}

function foldAfter(previous: WatchState | undefined, input: ObservedResult, policy: EscalationPolicy, now: Date, toldAhead: ExpiryToldAhead | null): FoldOutcome {

  const at = now.toISOString();
  const history: HistoryEntry[] = [];
  const record = (event: HistoryEvent, detail: string) => history.push({ at, event, detail });
  const failure = boundedError(probeFailure(input.result));

  // The certificate: a new fingerprint means replaced; a failure keeps the one we knew, and so does an address
  // that served it and fails now while the others serve a later one (its node is not known to be renewed).
  let certificate = previous?.certificate ?? null;
  let replaced = false;
  const leaf = input.result.leaf;
  const seenAtAddresses = addressesSeen(input.result, previous);
  if (!failure && leaf) {
    const seen = storable(knownCertificateFrom(input.result, leaf, certificate, at), now, input.source);
    const unconfirmed = certificate !== null && certificate.fingerprintSha256 !== seen.fingerprintSha256 && replacementUnconfirmed(previous, input.result, certificate, seen);
    if (!certificate) record('first-seen', `${seen.subject} (${seen.fingerprintSha256}) expires ${seen.notAfter}`);
    else if (certificate.fingerprintSha256 !== seen.fingerprintSha256 && !unconfirmed) {
      replaced = true;
      record('replaced', `${certificate.fingerprintSha256} (expires ${certificate.notAfter}) -> ${seen.fingerprintSha256} (expires ${seen.notAfter})`);
    }
    certificate = unconfirmed ? storable(certificate!, now, input.source) : seen;
    const change = addressesChange(previous, seenAtAddresses);
    if (change) record('addresses-changed', change);
  } else if (certificate) {
    // Kept while the probe fails: RENEWAL_OVERDUE is re-judged, and a state stored before the bounds gets them.
    certificate = storable(certificate, now, input.source);
  }

  const failuresBefore = previous?.consecutiveFailures ?? 0;
  const consecutiveFailures = failure ? failuresBefore + 1 : 0;
  if (failure && failuresBefore === 0) record('probe-failing', `${failure.code}: ${failure.message}`);
  if (!failure && failuresBefore > 0) record('probe-recovered', `answered again after ${failuresBefore} failed run(s)`);
  const status: Status = failure ? 'error' : input.result.status;
  if (previous && previous.status !== status) record('status-changed', `${previous.status} -> ${status}`);

  const draft: Draft = {
    input,
    at,
    status,
    certificate,
    failure,
    consecutiveFailures,
    now,
    addresses: seenAtAddresses,
    pending: [...(previous?.pending ?? [])],
    sentIds: new Set((previous?.sent ?? []).map((sent) => sent.id)),
    planned: [],
    acknowledgements: acknowledgementsOf(previous),
  };

  const escalated = escalateExpiry(previous, draft, policy, stageFor(policy, certificate, now), replaced, record, toldAhead);
  const errorAlert = escalateError(previous, draft, policy);
  const invalidAlert = escalateInvalid(previous?.invalidAlert, draft, policy, record);

  const state: WatchState = {
    certificateId: input.certificateId,
    source: input.source,
    target: input.target,
    ...(input.scope !== undefined ? { scope: input.scope } : {}),
    owner: input.owner,
    tags: input.tags,
    lastCheckedAt: at,
    status,
    certificate,
    ...seenAtAddresses,
    lastError: failure,
    consecutiveFailures,
    expiry: escalated.expiry,
    errorAlert,
    ...(invalidAlert ? { invalidAlert } : {}),
    acknowledgement: escalated.acknowledgement,
    ...(escalated.clearedAcknowledgement ? { clearedAcknowledgement: escalated.clearedAcknowledgement } : {}),
    pending: draft.pending,
    sent: previous?.sent ?? [],
    history: boundedHistory([...(previous?.history ?? []), ...history]),
    version: previous?.version ?? 0,
  };
  return { state, planned: draft.planned };
}

/** What one observation builds up while deciding: the outbox and the newly planned notices. */
interface Draft {
  readonly input: ObservedResult;
  readonly at: string;
  readonly now: Date;
  readonly status: Status;
  readonly certificate: KnownCertificate | null;
  readonly failure: CheckError | null;
  readonly consecutiveFailures: number;
  /** The target's addresses as this observation leaves them: frozen into every notice decided. */
  readonly addresses: AddressesSeen;
  pending: PlannedNotification[];
  readonly sentIds: ReadonlySet<string>;
  readonly planned: PlannedNotification[];
  /** The acknowledgements before this observation (one a stage change clears among them): shown in its notices. */
  readonly acknowledgements: readonly Acknowledgement[];
}

function escalateExpiry(
  previous: WatchState | undefined,
  draft: Draft,
  policy: EscalationPolicy,
  stage: Stage | null,
  replaced: boolean,
  record: (event: HistoryEvent, detail: string) => void,
  toldAhead: ExpiryToldAhead | null,
): Pick<WatchState, 'expiry' | 'acknowledgement' | 'clearedAcknowledgement'> {
  const { certificate, now } = draft;
  const previousStage = previous?.expiry.stage ?? null;
  const stageName = stage?.name ?? null;
  let expiry: WatchState['expiry'] = previous?.expiry ?? { stage: null, stageEnteredAt: null, lastNotifiedAt: null, audiencesTold: [] };
  let acknowledgement = previous?.acknowledgement ?? null;
  let clearedAcknowledgement = previous?.clearedAcknowledgement;

  const stageChanged = stageName !== previousStage;
  if (stageChanged || replaced) {
    if (stageChanged) record('stage-changed', `${previousStage ?? 'none'} -> ${stageName ?? 'none'}${certificate ? ` (${daysLeftText(certificate, now)} days left)` : ''}`);
    // A new stage or a new certificate starts a new series: notify at once, older notices and acks no longer apply.
    expiry = { ...expiry, stage: stageName, stageEnteredAt: stageName ? draft.at : null, lastNotifiedAt: null };
    // Kept for a run after a clock that was ahead, should this change be that clock's (clock.ts); a replacement is not.
    if (acknowledgement && !replaced) clearedAcknowledgement = { acknowledgement, clearedAt: draft.at };
    acknowledgement = null;
    draft.pending = draft.pending.filter((pending) => pending.kind !== 'expiry');
  }

  // A clock that was ahead told a stage the certificate is not in (clock.ts): whoever it told hears the correction.
  const correction = toldAhead && toldAhead.stage !== stageName ? { corrects: { stage: toldAhead.stage, decidedAt: toldAhead.decidedAt } } : {};
  const replacement = replaced ? { replaced: true } : {};
  if (!stage && expiry.audiencesTold.length > 0) {
    // Everyone told, those the clock ahead told among them (who was told stays told).
    plan(draft, 'recovery', previousStage ?? 'expiry', expiry.audiencesTold, { ...replacement, ...correction });
    expiry = { ...expiry, audiencesTold: [] };
  } else if (stage && toldAhead && correction.corrects) {
    // One correction, to those it told and to those the stage it is in does not notify, who are let go as below.
    const letGo = expiry.audiencesTold.filter((audience) => !stage.notify.includes(audience));
    plan(draft, 'recovery', toldAhead.stage, [...new Set([...toldAhead.audiences, ...letGo])], { ...replacement, ...correction, stageNow: stage.name });
    expiry = { ...expiry, audiencesTold: expiry.audiencesTold.filter((audience) => stage.notify.includes(audience)) };
  } else if (stage && previousStage && stageChanged && isLowerStage(policy, stage.name, previousStage)) {
    // Eased, not over: whoever the lower stage no longer notifies (oncall, typically) hears so once and is let go.
    const stillInvolved = expiry.audiencesTold.filter((audience) => stage.notify.includes(audience));
    const letGo = expiry.audiencesTold.filter((audience) => !stage.notify.includes(audience));
    if (letGo.length > 0) plan(draft, 'recovery', previousStage, letGo, { ...replacement, stageNow: stage.name });
    expiry = { ...expiry, audiencesTold: stillInvolved };
  }

  if (stage && certificate && !isSilenced(acknowledgement, stage.name, certificate, now) && isDue(expiry.lastNotifiedAt, stage.repeatEveryMs, now)) {
    draft.pending = draft.pending.filter((pending) => pending.kind !== 'expiry');
    plan(draft, 'expiry', stage.name, stage.notify);
    expiry = { ...expiry, lastNotifiedAt: draft.at };
  }
  return { expiry, acknowledgement, ...(clearedAcknowledgement ? { clearedAcknowledgement } : {}) };
}

function escalateError(previous: WatchState | undefined, draft: Draft, policy: EscalationPolicy): WatchState['errorAlert'] {
  const errorAlert = previous?.errorAlert ?? { active: false, lastNotifiedAt: null, audiencesTold: [] };
  if (draft.failure) {
    if (draft.consecutiveFailures < policy.errorAfterFailures) return errorAlert;
    if (isErrorAlertSilenced(errorAlert, draft.now) || !isDue(errorAlert.lastNotifiedAt, policy.errorRepeatEveryMs, draft.now)) {
      return { ...errorAlert, active: true };
    }
    draft.pending = draft.pending.filter((pending) => !isProbeFailureNotice(pending));
    plan(draft, 'error', 'error', policy.errorNotify);
    return { ...errorAlert, active: true, lastNotifiedAt: draft.at };
  }
  if (!errorAlert.active && errorAlert.audiencesTold.length === 0) return errorAlert;
  // Answered again: whoever heard about the failure hears it is over (acknowledged or not); undelivered error
  // notices and the acknowledgement are moot, so a later failure is a new alert.
  draft.pending = draft.pending.filter((pending) => !isProbeFailureNotice(pending));
  if (errorAlert.audiencesTold.length > 0) plan(draft, 'recovery', 'error', errorAlert.audiencesTold);
  return { active: false, lastNotifiedAt: null, audiencesTold: [] };
}

/**
 * The invalid alert: a certificate clients reject, judged from answering observations only (a failed probe leaves
 * it as it was: the probe-failure alert speaks then). Fires at once, not after `errorAfterFailures`: a certificate
 * served is no flaky network, and one bad node behind a load balancer would never reach a count of failures in a
 * row. A replacement by another rejected certificate keeps the alert and its repeat cadence (a pool of nodes
 * serving different broken certificates must not notify every run); an acknowledgement of the old certificate
 * no longer applies to it. Returns undefined while there is nothing to remember, so that states of certificates
 * never rejected stay as older versions stored them.
 */
function escalateInvalid(previous: InvalidAlert | undefined, draft: Draft, policy: EscalationPolicy, record: (event: HistoryEvent, detail: string) => void): InvalidAlert | undefined {
  if (draft.failure || !draft.certificate) return previous;
  const alert = previous ?? INACTIVE_INVALID_ALERT;
  const codes = rejectingCodes(draft.input.result.findings);
  if (codes.length === 0) {
    if (!alert.active && alert.audiencesTold.length === 0) return previous;
    // Accepted again (fixed, or replaced by a good certificate): those told hear it is over, once; undelivered
    // invalid notices and the acknowledgement are moot, so a later rejection is a new alert.
    if (alert.active) record('valid-again', `clients accept ${draft.certificate.fingerprintSha256} again`);
    draft.pending = draft.pending.filter((pending) => !isInvalidNotice(pending));
    if (alert.audiencesTold.length > 0) plan(draft, 'recovery', INVALID_STAGE, alert.audiencesTold);
    return INACTIVE_INVALID_ALERT;
  }

  if (!alert.active) record('invalid', `clients reject ${draft.certificate.fingerprintSha256}: ${codes.join(', ')}`);
  const acknowledgement = alert.acknowledgement?.fingerprintSha256 === draft.certificate.fingerprintSha256 ? alert.acknowledgement : null;
  const active: InvalidAlert = { ...alert, active: true, acknowledgement };
  if (isInvalidAlertSilenced(active, draft.certificate, draft.now) || !isDue(active.lastNotifiedAt, policy.errorRepeatEveryMs, draft.now)) return active;
  draft.pending = draft.pending.filter((pending) => !isInvalidNotice(pending));
  plan(draft, 'error', INVALID_STAGE, policy.errorNotify);
  return { ...active, lastNotifiedAt: draft.at };
}

function plan(draft: Draft, kind: AlertKind, stage: string, audiences: readonly string[], recovery: Pick<PlannedNotification, 'replaced' | 'stageNow' | 'corrects'> = {}): void {
  const { input, at, certificate, now } = draft;
  const id = notificationId(input.certificateId, kind, stage, at);
  if (draft.sentIds.has(id) || draft.pending.some((pending) => pending.id === id)) return;
  const notification: PlannedNotification = {
    id,
    kind,
    stage,
    audiences: [...audiences],
    certificateId: input.certificateId,
    target: input.target,
    decidedAt: at,
    status: draft.status,
    daysRemaining: certificate ? daysRemaining(new Date(certificate.notAfter), now) : null,
    certificate,
    error: kind === 'recovery' ? null : draft.failure,
    consecutiveFailures: draft.consecutiveFailures,
    owner: input.owner,
    ...draft.addresses,
    ...(draft.acknowledgements.length > 0 ? { acknowledgements: draft.acknowledgements } : {}),
    ...recovery,
  };
  draft.pending.push(notification);
  draft.planned.push(notification);
}

/** Whether a repeat every `repeatEveryMs` is due at `now` after the last at `lastNotifiedAt` (none: at once). */
export function isDue(lastNotifiedAt: string | null, repeatEveryMs: number, now: Date): boolean {
  return lastNotifiedAt === null || now.getTime() >= repeatDueAt(lastNotifiedAt, repeatEveryMs);
}

/** When a repeat every `repeatEveryMs` after the last at `lastNotifiedAt` is due: less REPEAT_TOLERANCE_MS (a tenth of short intervals). */
export function repeatDueAt(lastNotifiedAt: string, repeatEveryMs: number): number {
  return Date.parse(lastNotifiedAt) + repeatEveryMs - Math.min(REPEAT_TOLERANCE_MS, repeatEveryMs / 10);
}

/** The probe's error, or one made up for a result that carries no certificate and no error. */
function probeFailure(result: CheckResult): CheckError | null {
  if (result.error) return result.error;
  if (!result.leaf) return { code: 'PROTOCOL_ERROR', message: `${result.target}: the probe returned no certificate` };
  return null;
}

/** Whether `now` comes before `before` in the policy's order (least to most severe); false for a stage it no longer has. */
function isLowerStage(policy: EscalationPolicy, now: string, before: string): boolean {
  const beforeIndex = policy.stages.findIndex((stage) => stage.name === before);
  return beforeIndex >= 0 && policy.stages.findIndex((stage) => stage.name === now) < beforeIndex;
}

function daysLeftText(certificate: KnownCertificate, now: Date): string {
  return ((Date.parse(certificate.notAfter) - now.getTime()) / DAY_MS).toFixed(1);
}
