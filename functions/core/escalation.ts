import type { CertificateInfo } from './certificate';
import type { CheckError, CheckResult, Finding, FindingCode, Status } from './check-result';
import { renewalOverdue, stageAt, type EscalationPolicy, type Stage } from './escalation-policy';
import { daysRemaining } from './judge';
import { DAY_MS } from './duration';
import { clipText, DETAIL_LIMITS } from './safe-text';
import type {
  Acknowledgement,
  AlertKind,
  CertificateSource,
  HistoryEntry,
  HistoryEvent,
  InvalidAlert,
  KnownCertificate,
  PlannedNotification,
  SentNotification,
  StoredCertificateInfo,
  WatchState,
} from './watch-state';

// The escalation engine: pure folds over WatchState. Each run calls `observe` with one probe result, persists
// the state (its `pending` outbox included) and only then publishes every pending notification, calling
// `markPublished` for each one SNS accepted. A crash or failed publish leaves the notice pending for the next
// run: at least once. Ids are deterministic, so a retried run re-decides the same ids and a duplicate run
// (same `now`) decides nothing.

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

/**
 * A repeat counts as due this much early: scheduled runs start a few seconds late or early, and without slack a
 * run 2 s short of `repeatEvery` would push every later repeat back by a whole run interval.
 */
export const REPEAT_TOLERANCE_MS = 5 * 60_000;

/** One probe result for one watched certificate, with the target's current settings. */
export interface Observed {
  readonly certificateId: string;
  readonly source: CertificateSource;
  readonly target: string;
  readonly owner: string | null;
  readonly tags: Readonly<Record<string, string>>;
  readonly result: CheckResult;
}

export interface ObserveOutcome {
  /** The next state; `version` unchanged (the store bumps it). Publish all of `state.pending`, not just `planned`. */
  readonly state: WatchState;
  /** Notifications decided by this observation (also appended to `state.pending`). */
  readonly planned: readonly PlannedNotification[];
}

/**
 * The alerts a watched certificate can have acknowledged: its expiry stage, its probe-failure (`error`) alert, or
 * its alert about a certificate clients reject (`invalid`).
 */
export type AcknowledgeableAlert = 'expiry' | 'error' | 'invalid';

/** Every acknowledgeable alert, in the order `acknowledge` picks one when none is asked for. */
export const ACKNOWLEDGEABLE_ALERTS: readonly AcknowledgeableAlert[] = ['expiry', 'error', 'invalid'];

export interface AcknowledgeRequest {
  readonly at: Date;
  /**
   * Snooze: silent until then, then the repeats resume. Absent: silent until the stage changes (expiry), the
   * probe answers again (error), or another certificate is served or this one is accepted again (invalid).
   */
  readonly until?: Date;
  readonly note?: string;
  /**
   * Which alert to acknowledge. Absent: the expiry stage if there is one, else the active error alert, else the
   * active invalid alert (ACKNOWLEDGEABLE_ALERTS). Expiry first keeps what a plain `certwatch ack <id>` did before
   * the other alerts existed; the error alert before the invalid one because, while the probe fails, it is the one
   * still speaking (the invalid alert waits for an answer). Notices of the other alerts print `--alert`.
   */
  readonly alert?: AcknowledgeableAlert;
}

/** What `acknowledgeAlert` did: the next state, the alert it chose and the acknowledgement it recorded. */
export interface AcknowledgeOutcome {
  readonly state: WatchState;
  readonly alert: AcknowledgeableAlert;
  readonly acknowledgement: Acknowledgement;
}

export class AcknowledgementError extends Error {
  constructor(
    readonly certificateId: string,
    readonly reason: 'NOTHING_TO_ACKNOWLEDGE' | 'UNTIL_NOT_AFTER_AT',
    message: string,
  ) {
    super(message);
    this.name = 'AcknowledgementError';
  }
}

/** Deterministic id: the same decision made again (a retried run) gets the same id, so it is recognised as made. */
export function notificationId(certificateId: string, kind: AlertKind, stage: string, decidedAt: string): string {
  return `${certificateId}#${kind}#${stage}#${decidedAt}`;
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
 * - An observation not newer than `lastCheckedAt` (a duplicate or out-of-order run) changes nothing.
 */
export function observe(previous: WatchState | undefined, input: Observed, policy: EscalationPolicy, now: Date): ObserveOutcome {
  if (previous && previous.certificateId !== input.certificateId) {
    throw new Error(`state of ${previous.certificateId} cannot take an observation of ${input.certificateId}`);
  }
  if (previous && Date.parse(previous.lastCheckedAt) >= now.getTime()) return { state: previous, planned: [] };

  const at = now.toISOString();
  const history: HistoryEntry[] = [];
  const record = (event: HistoryEvent, detail: string) => history.push({ at, event, detail });
  const failure = boundedError(probeFailure(input.result));

  // The certificate: a new fingerprint means replaced; a failure keeps the one we knew.
  let certificate = previous?.certificate ?? null;
  let replaced = false;
  const leaf = input.result.leaf;
  if (!failure && leaf) {
    const seen = storable(knownCertificateFrom(input.result, leaf, certificate, at), now);
    if (!certificate) record('first-seen', `${seen.subject} (${seen.fingerprintSha256}) expires ${seen.notAfter}`);
    else if (certificate.fingerprintSha256 !== seen.fingerprintSha256) {
      replaced = true;
      record('replaced', `${certificate.fingerprintSha256} (expires ${certificate.notAfter}) -> ${seen.fingerprintSha256} (expires ${seen.notAfter})`);
    }
    certificate = seen;
  } else if (certificate) {
    // Kept while the probe fails: RENEWAL_OVERDUE is re-judged, and a state stored before the bounds gets them.
    certificate = storable(certificate, now);
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
    pending: [...(previous?.pending ?? [])],
    sentIds: new Set((previous?.sent ?? []).map((sent) => sent.id)),
    planned: [],
  };

  const escalated = escalateExpiry(previous, draft, policy, stageFor(policy, certificate, now), replaced, record);
  const errorAlert = escalateError(previous, draft, policy);
  const invalidAlert = escalateInvalid(previous?.invalidAlert, draft, policy, record);

  const state: WatchState = {
    certificateId: input.certificateId,
    source: input.source,
    target: input.target,
    owner: input.owner,
    tags: input.tags,
    lastCheckedAt: at,
    status,
    certificate,
    lastError: failure,
    consecutiveFailures,
    expiry: escalated.expiry,
    errorAlert,
    ...(invalidAlert ? { invalidAlert } : {}),
    acknowledgement: escalated.acknowledgement,
    pending: draft.pending,
    sent: previous?.sent ?? [],
    history: bounded([...(previous?.history ?? []), ...history], HISTORY_LIMIT),
    version: previous?.version ?? 0,
  };
  return { state, planned: draft.planned };
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
    sent: bounded([...state.sent, sent], SENT_LIMIT),
    history: bounded([...state.history, entry], HISTORY_LIMIT),
  };
}

/**
 * Acknowledges an alert of the certificate (`request.alert`, by default its expiry stage, else its active error
 * alert, else its active invalid alert), PagerDuty-style: its notices stop (until `until`, if given) and its
 * pending ones are dropped. Each alert's acknowledgement silences that alert only, never another.
 * - The expiry stage: the next stage still fires, and a replacement certificate clears the acknowledgement.
 * - The probe-failure alert: its daily repeats stop; the probe answering again clears the acknowledgement (and
 *   still sends the recovery to those told).
 * - The invalid alert: its repeats stop until another certificate is served (the fingerprint acknowledged no
 *   longer matches) or the certificate is accepted again (the recovery still reaches those told).
 */
export function acknowledge(state: WatchState, request: AcknowledgeRequest): WatchState {
  return acknowledgeAlert(state, request).state;
}

/**
 * `acknowledge`, also telling which alert it chose and the acknowledgement it recorded (the default depends on
 * the state, so a caller reporting what was acknowledged needs it).
 */
export function acknowledgeAlert(state: WatchState, request: AcknowledgeRequest): AcknowledgeOutcome {
  const target = acknowledgementTarget(state, request.alert);
  if (request.until && request.until.getTime() <= request.at.getTime()) {
    throw new AcknowledgementError(state.certificateId, 'UNTIL_NOT_AFTER_AT', `snooze of ${state.certificateId} must end after it starts (${request.until.toISOString()} is not after ${request.at.toISOString()})`);
  }
  const acknowledgement: Acknowledgement = {
    stage: target.stage,
    at: request.at.toISOString(),
    until: request.until?.toISOString() ?? null,
    note: request.note ?? null,
    fingerprintSha256: target.fingerprintSha256,
  };
  const what = { expiry: target.stage, error: 'error (probe failure)', invalid: 'invalid (certificate rejected by clients)' }[target.alert];
  const lasting = acknowledgement.until ? ` snoozed until ${acknowledgement.until}` : ACKNOWLEDGED_UNTIL[target.alert];
  const entry: HistoryEntry = { at: acknowledgement.at, event: 'acknowledged', detail: `${what}${lasting}${acknowledgement.note ? `: ${acknowledgement.note}` : ''}` };
  const history = bounded([...state.history, entry], HISTORY_LIMIT);
  if (target.alert === 'error') {
    const next = { ...state, errorAlert: { ...state.errorAlert, acknowledgement }, pending: state.pending.filter((pending) => !isProbeFailureNotice(pending)), history };
    return { state: next, alert: target.alert, acknowledgement };
  }
  if (target.alert === 'invalid') {
    const invalidAlert: InvalidAlert = { ...(state.invalidAlert ?? INACTIVE_INVALID_ALERT), acknowledgement };
    const next = { ...state, invalidAlert, pending: state.pending.filter((pending) => !isInvalidNotice(pending)), history };
    return { state: next, alert: target.alert, acknowledgement };
  }
  const next = {
    ...state,
    acknowledgement,
    pending: state.pending.filter((pending) => !(pending.kind === 'expiry' && pending.stage === target.stage)),
    history,
  };
  return { state: next, alert: target.alert, acknowledgement };
}

/** Whether an acknowledgement silences `stage` of `certificate` at `now` (a snooze ends at `until`). */
export function isSilenced(acknowledgement: Acknowledgement | null, stage: string, certificate: KnownCertificate, now: Date): boolean {
  if (!acknowledgement || acknowledgement.stage !== stage) return false;
  if (acknowledgement.fingerprintSha256 !== null && acknowledgement.fingerprintSha256 !== certificate.fingerprintSha256) return false;
  return snoozeRunning(acknowledgement, now);
}

/** Whether the active probe-failure alert is acknowledged at `now` (a snooze ends at `until`). */
export function isErrorAlertSilenced(errorAlert: WatchState['errorAlert'], now: Date): boolean {
  const acknowledgement = errorAlert.acknowledgement ?? null;
  return errorAlert.active && acknowledgement !== null && snoozeRunning(acknowledgement, now);
}

/**
 * Whether the active invalid alert is acknowledged at `now` for the certificate served: an acknowledgement of
 * another certificate (by fingerprint) no longer applies, and a snooze ends at `until`.
 */
export function isInvalidAlertSilenced(invalidAlert: InvalidAlert | undefined, certificate: KnownCertificate | null, now: Date): boolean {
  const acknowledgement = invalidAlert?.acknowledgement ?? null;
  if (!invalidAlert?.active || acknowledgement === null) return false;
  if (acknowledgement.fingerprintSha256 !== null && acknowledgement.fingerprintSha256 !== certificate?.fingerprintSha256) return false;
  return snoozeRunning(acknowledgement, now);
}

/** The stage the known certificate is in at `now` (null without one). */
export function stageFor(policy: EscalationPolicy, certificate: KnownCertificate | null, now: Date): Stage | null {
  return certificate ? stageAt(policy, certificate, now) : null;
}

// ---- internals ----

/** What one observation builds up while deciding: the outbox and the newly planned notices. */
interface Draft {
  readonly input: Observed;
  readonly at: string;
  readonly now: Date;
  readonly status: Status;
  readonly certificate: KnownCertificate | null;
  readonly failure: CheckError | null;
  readonly consecutiveFailures: number;
  pending: PlannedNotification[];
  readonly sentIds: ReadonlySet<string>;
  readonly planned: PlannedNotification[];
}

function escalateExpiry(
  previous: WatchState | undefined,
  draft: Draft,
  policy: EscalationPolicy,
  stage: Stage | null,
  replaced: boolean,
  record: (event: HistoryEvent, detail: string) => void,
): Pick<WatchState, 'expiry' | 'acknowledgement'> {
  const { certificate, now } = draft;
  const previousStage = previous?.expiry.stage ?? null;
  const stageName = stage?.name ?? null;
  let expiry: WatchState['expiry'] = previous?.expiry ?? { stage: null, stageEnteredAt: null, lastNotifiedAt: null, audiencesTold: [] };
  let acknowledgement = previous?.acknowledgement ?? null;

  const stageChanged = stageName !== previousStage;
  if (stageChanged || replaced) {
    if (stageChanged) record('stage-changed', `${previousStage ?? 'none'} -> ${stageName ?? 'none'}${certificate ? ` (${daysLeftText(certificate, now)} days left)` : ''}`);
    // A new stage or a new certificate starts a new series: notify at once, older notices and acks no longer apply.
    expiry = { ...expiry, stage: stageName, stageEnteredAt: stageName ? draft.at : null, lastNotifiedAt: null };
    acknowledgement = null;
    draft.pending = draft.pending.filter((pending) => pending.kind !== 'expiry');
  }

  const replacement = replaced ? { replaced: true } : {};
  if (!stage && expiry.audiencesTold.length > 0) {
    plan(draft, 'recovery', previousStage ?? 'expiry', expiry.audiencesTold, replacement);
    expiry = { ...expiry, audiencesTold: [] };
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
  return { expiry, acknowledgement };
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

/** What a state without `invalidAlert` (stored before it existed, or never rejected) reads as. */
const INACTIVE_INVALID_ALERT: InvalidAlert = { active: false, lastNotifiedAt: null, audiencesTold: [], acknowledgement: null };

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

/** A probe-failure notice (kind `error`, stage `error`), not an invalid alert's. */
function isProbeFailureNotice(notification: Pick<PlannedNotification, 'kind' | 'stage'>): boolean {
  return notification.kind === 'error' && notification.stage !== INVALID_STAGE;
}

/** An invalid alert's notice (kind `error`, stage `invalid`), not its recovery. */
function isInvalidNotice(notification: Pick<PlannedNotification, 'kind' | 'stage'>): boolean {
  return notification.kind === 'error' && notification.stage === INVALID_STAGE;
}

/** How long an acknowledgement without `until` lasts, for the history. */
const ACKNOWLEDGED_UNTIL: Readonly<Record<AcknowledgeableAlert, string>> = {
  expiry: ' until the stage changes',
  error: ' until the probe answers again',
  invalid: ' until another certificate is served or clients accept it again',
};

interface AcknowledgementTarget {
  readonly alert: AcknowledgeableAlert;
  readonly stage: string;
  readonly fingerprintSha256: string | null;
}

/**
 * The alert `acknowledge` silences: the one asked for, or by default the first active one in
 * ACKNOWLEDGEABLE_ALERTS order (the expiry stage, else the error alert, else the invalid alert).
 */
function acknowledgementTarget(state: WatchState, asked: AcknowledgeableAlert | undefined): AcknowledgementTarget {
  const candidates: Record<AcknowledgeableAlert, AcknowledgementTarget | null> = {
    expiry: state.expiry.stage && state.certificate ? { alert: 'expiry', stage: state.expiry.stage, fingerprintSha256: state.certificate.fingerprintSha256 } : null,
    error: state.errorAlert.active ? { alert: 'error', stage: 'error', fingerprintSha256: null } : null,
    invalid: state.invalidAlert?.active && state.certificate ? { alert: 'invalid', stage: INVALID_STAGE, fingerprintSha256: state.certificate.fingerprintSha256 } : null,
  };
  const target = asked === undefined ? ACKNOWLEDGEABLE_ALERTS.map((alert) => candidates[alert]).find((candidate) => candidate !== null) : candidates[asked];
  if (target) return target;
  const why =
    asked === 'expiry'
      ? 'is not in any escalation stage: there is no expiry alert to acknowledge'
      : asked === 'error'
        ? 'has no active probe-failure alert: there is no error alert to acknowledge'
        : asked === 'invalid'
          ? 'is not served with a certificate clients reject: there is no invalid alert to acknowledge'
          : 'is not in any escalation stage, has no active probe-failure alert and is not served with a certificate clients reject: there is nothing to acknowledge';
  throw new AcknowledgementError(state.certificateId, 'NOTHING_TO_ACKNOWLEDGE', `${state.certificateId} ${why}`);
}

function plan(draft: Draft, kind: AlertKind, stage: string, audiences: readonly string[], recovery: Pick<PlannedNotification, 'replaced' | 'stageNow'> = {}): void {
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
    ...recovery,
  };
  draft.pending.push(notification);
  draft.planned.push(notification);
}

/** An acknowledgement without `until` lasts until cleared; a snooze until then. */
function snoozeRunning(acknowledgement: Acknowledgement, now: Date): boolean {
  return acknowledgement.until === null || now.getTime() < Date.parse(acknowledgement.until);
}

function isDue(lastNotifiedAt: string | null, repeatEveryMs: number, now: Date): boolean {
  if (lastNotifiedAt === null) return true;
  const tolerance = Math.min(REPEAT_TOLERANCE_MS, repeatEveryMs / 10);
  return now.getTime() - Date.parse(lastNotifiedAt) >= repeatEveryMs - tolerance;
}

/** The probe's error, or one made up for a result that carries no certificate and no error. */
function probeFailure(result: CheckResult): CheckError | null {
  if (result.error) return result.error;
  if (!result.leaf) return { code: 'PROTOCOL_ERROR', message: `${result.target}: the probe returned no certificate` };
  return null;
}

function knownCertificateFrom(result: CheckResult, leaf: CertificateInfo, known: KnownCertificate | null, at: string): KnownCertificate {
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
 * fails. Idempotent, so applying it to what it returned changes nothing.
 */
function storable(certificate: KnownCertificate, now: Date): KnownCertificate {
  const judged = certificate.findings.filter((finding) => finding.code !== 'RENEWAL_OVERDUE' && !EXPIRY_FINDING_CODES.has(finding.code));
  const overdue = renewalOverdue(certificate, now);
  return {
    ...boundedTexts(certificate),
    chain: boundedChain(certificate.chain, certificate.notAfter),
    findings: boundedFindings(overdue ? [...judged, overdue] : judged),
  };
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

function boundedError(error: CheckError | null): CheckError | null {
  return error && { ...error, message: clipText(error.message) };
}

/** Whether `now` comes before `before` in the policy's order (least to most severe); false for a stage it no longer has. */
function isLowerStage(policy: EscalationPolicy, now: string, before: string): boolean {
  const beforeIndex = policy.stages.findIndex((stage) => stage.name === before);
  return beforeIndex >= 0 && policy.stages.findIndex((stage) => stage.name === now) < beforeIndex;
}

function daysLeftText(certificate: KnownCertificate, now: Date): string {
  return ((Date.parse(certificate.notAfter) - now.getTime()) / DAY_MS).toFixed(1);
}

function union(told: readonly string[], more: readonly string[]): string[] {
  return [...new Set([...told, ...more])];
}

function bounded<T>(items: readonly T[], limit: number): T[] {
  return items.length > limit ? items.slice(items.length - limit) : [...items];
}
