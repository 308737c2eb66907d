import { worstStatus } from '../check-result';
import { DAY_MS } from '../duration';
import { daysRemaining } from '../judge';
import type { DigestLine, PlannedNotification, WatchState } from '../watch-state';
import { isErrorAlertSilenced, isInvalidAlertSilenced, isSilenced } from './acknowledge';
import { describeAddresses } from './addresses-seen';
import { rejectingCodes } from './alerts';
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
    const stage = stageFor(policy, state.certificate, now);
    const failing = state.consecutiveFailures > 0;
    const invalid = state.invalidAlert?.active === true;
    if (!stage && !failing && !invalid) continue;
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
      acknowledged: stage && state.certificate
        ? isSilenced(state.acknowledgement, stage.name, state.certificate, now)
        : failing
          ? isErrorAlertSilenced(state.errorAlert, now)
          : isInvalidAlertSilenced(state.invalidAlert, state.certificate, now),
      ...(invalid ? { rejectedFor } : {}),
      ...(addressSummary ? { addressSummary } : {}),
    });
  }
  if (lines.length === 0) return null;
  lines.sort(soonestExpiryFirst);

  const period = new Date(Math.floor(now.getTime() / schedule.everyMs) * schedule.everyMs).toISOString();
  const known = lines.flatMap((line) => (line.daysRemaining === null ? [] : [line.daysRemaining]));
  return {
    id: `${DIGEST_ID}#${period}`,
    kind: 'digest',
    stage: DIGEST_ID,
    audiences: [...schedule.notify],
    certificateId: DIGEST_ID,
    target: `${lines.length} certificate${lines.length === 1 ? '' : 's'} needing attention`,
    decidedAt: now.toISOString(),
    status: worstStatus(lines.map((line) => line.status)),
    daysRemaining: known.length > 0 ? Math.min(...known) : null,
    certificate: null,
    error: null,
    consecutiveFailures: 0,
    owner: null,
    digest: lines,
  };
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
