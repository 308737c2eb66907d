import { worstStatus } from '../check-result';
import { DAY_MS } from '../duration';
import { daysRemaining } from '../judge';
import type { DigestLine, PlannedNotification, WatchState } from '../watch-state';
import { isErrorAlertSilenced, isInvalidAlertSilenced, isSilenced } from './acknowledge';
import { describeAddresses } from './addresses-seen';
import { rejectingCodes } from './alerts';
import { isBeyond } from './clock';
import { isDue } from './fold';
import type { RunLedger } from '../ports';
import { stageFor, type EscalationPolicy } from './policy';

/** The config's `digest` section: who gets it and how often. */
export interface DigestSchedule {
  readonly notify: readonly string[];
  readonly everyMs: number;
}

export const DIGEST_ID = 'digest';

/**
 * The periodic digest: every certificate inside an escalation stage at `now`, whose probe is failing, or with an
 * active invalid alert (served with a certificate clients reject; `rejectedFor` says why), in `soonestExpiryFirst`
 * order; acknowledged ones too, marked so (the expiry stage's acknowledgement, else the error alert's for a
 * failing certificate, else the invalid alert's: the order `acknowledge` picks by default). null when there is
 * nothing to list.
 * The id names the schedule period (`everyMs` buckets since the epoch), so every run inside one period decides
 * the same digest, and a caller that records the id it sent sends it once.
 */
export function planDigest(states: readonly WatchState[], policy: EscalationPolicy, now: Date, schedule: DigestSchedule = { notify: policy.stages[0]?.notify ?? [], everyMs: DAY_MS }): PlannedNotification | null {
  const lines: DigestLine[] = [];
  for (const state of states) {
    if (!needsAttention(state, policy, now)) continue;
    const stage = stageFor(policy, state.certificate, now);
    const failing = state.consecutiveFailures > 0;
    const invalid = state.invalidAlert?.active === true;
    const rejectedFor = invalid ? rejectingCodes(state.certificate?.findings ?? []) : [];
    const addressSummary = describeAddresses(state);
    lines.push({
      certificateId: state.certificateId,
      target: state.target,
      subject: state.certificate?.subject ?? null,
      notAfter: state.certificate?.notAfter ?? null,
      daysRemaining: state.certificate ? daysRemaining(new Date(state.certificate.notAfter), now) : null,
      stage: stage?.name ?? null,
      status: state.status,
      ...acknowledgedLine(state, stage?.name ?? null, failing, now),
      ...(invalid ? { rejectedFor } : {}),
      ...(addressSummary ? { addressSummary } : {}),
    });
  }
  if (lines.length === 0) return null;
  lines.sort(soonestExpiryFirst);

  const period = new Date(Math.floor(now.getTime() / schedule.everyMs) * schedule.everyMs).toISOString();
  // A loop, not Math.min(...): every target of a large fleet can be in the digest (all failing when the network is
  // down), and spreading 100,000 arguments overflows the stack.
  let soonest: number | null = null;
  for (const line of lines) if (line.daysRemaining !== null && (soonest === null || line.daysRemaining < soonest)) soonest = line.daysRemaining;
  return {
    id: `${DIGEST_ID}#${period}`,
    kind: 'digest',
    stage: DIGEST_ID,
    audiences: [...schedule.notify],
    certificateId: DIGEST_ID,
    target: `${lines.length} certificate${lines.length === 1 ? '' : 's'} needing attention`,
    decidedAt: now.toISOString(),
    status: worstStatus(lines.map((line) => line.status)),
    daysRemaining: soonest,
    certificate: null,
    error: null,
    consecutiveFailures: 0,
    owner: null,
    digest: lines,
  };
}

/**
 * Whether the digest lists this state at `now` (inside an escalation stage, failing, or with an active invalid alert):
 * decided on its own merits, whatever other states the digest holds, so a caller may keep only the states it lists.
 */
export function needsAttention(state: WatchState, policy: EscalationPolicy, now: Date): boolean {
  return stageFor(policy, state.certificate, now) !== null || state.consecutiveFailures > 0 || state.invalidAlert?.active === true;
}

/**
 * Whether what a digest line is listed for is acknowledged at `now`, and by which acknowledgement: the expiry stage's,
 * else the probe failure's for a failing certificate, else the invalid alert's (the order `acknowledge` picks by default).
 */
function acknowledgedLine(state: WatchState, stage: string | null, failing: boolean, now: Date): Pick<DigestLine, 'acknowledged' | 'acknowledgement'> {
  const [acknowledged, acknowledgement] =
    stage && state.certificate
      ? [isSilenced(state.acknowledgement, stage, state.certificate, now), state.acknowledgement]
      : failing
        ? [isErrorAlertSilenced(state.errorAlert, now), state.errorAlert.acknowledgement]
        : [isInvalidAlertSilenced(state.invalidAlert, state.certificate, now), state.invalidAlert?.acknowledgement];
  return acknowledged && acknowledgement ? { acknowledged, acknowledgement } : { acknowledged };
}

/**
 * Whether the digest `id` (named by its period) may go out at `now`: not the period delivered last, and at least the
 * schedule's period (less the repeat tolerance) after the last one delivered, so that two never go out less than the
 * period apart (a calendar day's digest at 23:55 and the next day's at 00:06 would). A run in the past (its `now`
 * before the last digest) sends none and changes nothing; a last digest dated beyond `horizon` (written by a clock
 * that was ahead) does not hold the next one back.
 */
export function isDigestDue(ledger: Pick<RunLedger, 'digestSentFor' | 'lastDigestAt'>, id: string, everyMs: number, now: Date, horizon: number): boolean {
  if (id === ledger.digestSentFor) return false;
  if (ledger.lastDigestAt === null || isBeyond(ledger.lastDigestAt, horizon)) return true;
  return isDue(ledger.lastDigestAt, everyMs, now);
}

/** What soonest-first ordering reads: a digest line, a status row, anything with an expiry and a certificate id. */
export interface ExpiryOrdered {
  readonly certificateId: string;
  readonly notAfter: string | null;
}

/**
 * The one "soonest first" order (digest, `certwatch status`): earliest notAfter first, unknown (or unreadable)
 * expiry last, ties by certificate id in code-unit order (the same in every locale). Sort with it once; whatever
 * renders the list keeps the order it is given.
 */
export function soonestExpiryFirst(a: ExpiryOrdered, b: ExpiryOrdered): number {
  const aMs = expiryMs(a.notAfter);
  const bMs = expiryMs(b.notAfter);
  if (aMs !== bMs) {
    if (aMs === null) return 1;
    if (bMs === null) return -1;
    return aMs - bMs;
  }
  return a.certificateId < b.certificateId ? -1 : a.certificateId > b.certificateId ? 1 : 0;
}

function expiryMs(notAfter: string | null): number | null {
  const ms = notAfter === null ? Number.NaN : Date.parse(notAfter);
  return Number.isNaN(ms) ? null : ms;
}
