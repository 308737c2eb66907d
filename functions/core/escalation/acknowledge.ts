import type { Acknowledgement, HistoryEntry, InvalidAlert, KnownCertificate, WatchState } from '../watch-state';
import { ACKNOWLEDGEABLE_ALERTS, INACTIVE_INVALID_ALERT, INVALID_STAGE, isInvalidNotice, isProbeFailureNotice, type AcknowledgeableAlert } from './alerts';
import { boundedHistory } from './stored-state';
import { clipText, terminalSafe } from '../safe-text';

// Acknowledgements, PagerDuty-style: a person silences one alert of a certificate (for a while, or until it
// changes), and the fold asks whether an alert is silenced before it repeats.

export interface AcknowledgeRequest {
  readonly at: Date;
  /**
   * Snooze: silent until then, then the repeats resume. Absent: silent until the stage changes (expiry), the
   * probe answers again (error), or another certificate is served or this one is accepted again (invalid).
   */
  readonly until?: Date;
  /** Why, or where the work is tracked (`OPS-42`): shown in `status` and the next notices. */
  readonly note?: string;
  /** Who: shown with the note. */
  readonly by?: string;
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
    readonly reason: 'NOTHING_TO_ACKNOWLEDGE' | 'UNTIL_NOT_AFTER_AT' | 'STATE_DAMAGED',
    message: string,
  ) {
    super(message);
    this.name = 'AcknowledgementError';
  }
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
    // Kept as text to show: one line, bounded like every stored text.
    note: storedText(request.note),
    by: storedText(request.by),
    fingerprintSha256: target.fingerprintSha256,
  };
  const what = { expiry: target.stage, error: 'error (probe failure)', invalid: 'invalid (certificate rejected by clients)' }[target.alert];
  const lasting = acknowledgement.until ? ` snoozed until ${acknowledgement.until}` : ACKNOWLEDGED_UNTIL[target.alert];
  const author = acknowledgement.by ? ` by ${acknowledgement.by}` : '';
  const entry: HistoryEntry = { at: acknowledgement.at, event: 'acknowledged', detail: `${what}${lasting}${author}${acknowledgement.note ? `: ${acknowledgement.note}` : ''}` };
  const history = boundedHistory([...state.history, entry]);
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

/** Every acknowledgement a state holds: its expiry stage's, its probe failure's, its invalid alert's. */
export function acknowledgementsOf(state: WatchState | undefined): Acknowledgement[] {
  if (!state) return [];
  return [state.acknowledgement, state.errorAlert.acknowledgement, state.invalidAlert?.acknowledgement].filter((ack): ack is Acknowledgement => ack != null);
}

function storedText(text: string | undefined): string | null {
  const line = text === undefined ? '' : clipText(terminalSafe(text).trim());
  return line === '' ? null : line;
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

/** An acknowledgement without `until` lasts until cleared; a snooze until then. */
function snoozeRunning(acknowledgement: Acknowledgement, now: Date): boolean {
  return acknowledgement.until === null || now.getTime() < Date.parse(acknowledgement.until);
}
