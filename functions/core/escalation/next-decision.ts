import type { CheckResult } from '../check-result';
import type { Thresholds } from '../check-settings';
import { DAY_MS } from '../duration';
import type { WatchState } from '../watch-state';
import { acknowledgementsOf } from './acknowledge';
import { repeatDueAt, type ObservedResult } from './fold';
import { lifetimeMs, RENEWAL_DUE_FRACTION, stageThresholdMs, type EscalationPolicy } from './policy';

// When a watched certificate's state can next change while what its target serves stays the same: what lets a
// deployed worker skip reading and folding a certificate until then (batch-summary.ts). Pure.

/**
 * The earliest time at which folding the same observation again, judged at that time, could change `state` (as the
 * store compares it: `lastCheckedAt` aside) or decide a notice. `state` is what folding `input` at `now` left (as
 * written, or found unchanged); `thresholds` are the check's (the statuses a result is judged with).
 *
 * `now` itself when any run may change it: a notice is pending or claimed, the probe fails (every failure is
 * counted), a certificate served is not yet valid, the state was retired, or was written after `now` (by a later run,
 * or a clock ahead: the fold sorts those out). Otherwise the earliest instant from `now` on among those the fold
 * and the judge compare the clock with (`now` itself when one is `now`: the judge's comparisons are strict):
 * - each expiry the result and the state hold (the target's, every address's, the known certificate's), less the
 *   warning and critical thresholds, and itself: a status changes;
 * - the known certificate's expiry less each stage's threshold (for its lifetime, capped): a stage starts;
 * - two thirds of its lifetime: RENEWAL_OVERDUE;
 * - the stage's and the invalid alert's repeat timers (fold.repeatDueAt);
 * - the end of every acknowledgement's snooze.
 * Conservative: such a time may come and change nothing (a threshold no status or stage follows), never the other
 * way round. null when none comes (an expired certificate with nothing left to repeat).
 */
export function nextDecisionAt(state: WatchState, input: ObservedResult, policy: EscalationPolicy, thresholds: Thresholds, now: Date): Date | null {
  const nowMs = now.getTime();
  const { result } = input;
  if (changesEveryRun(state, result, nowMs)) return now;

  const instants: number[] = [];
  const expiries = [result.notAfter, state.certificate?.notAfter, ...result.addresses.map((address) => address.notAfter)];
  for (const notAfter of expiries) {
    if (!notAfter) continue;
    const expiresAt = Date.parse(notAfter);
    instants.push(expiresAt, expiresAt - thresholds.warningDays * DAY_MS, expiresAt - thresholds.criticalDays * DAY_MS);
  }
  const certificate = state.certificate;
  if (certificate) {
    const lifetime = lifetimeMs(certificate);
    const expiresAt = Date.parse(certificate.notAfter);
    for (const stage of policy.stages) {
      const threshold = stageThresholdMs(stage, lifetime, policy.lifetimeCap);
      if (threshold !== null) instants.push(expiresAt - threshold);
    }
    if (lifetime !== null) instants.push(Date.parse(certificate.notBefore) + lifetime * RENEWAL_DUE_FRACTION);
  }
  const stage = policy.stages.find((candidate) => candidate.name === state.expiry.stage);
  if (stage && state.expiry.lastNotifiedAt) instants.push(repeatDueAt(state.expiry.lastNotifiedAt, stage.repeatEveryMs));
  if (state.invalidAlert?.active && state.invalidAlert.lastNotifiedAt) instants.push(repeatDueAt(state.invalidAlert.lastNotifiedAt, policy.errorRepeatEveryMs));
  for (const acknowledgement of acknowledgementsOf(state)) if (acknowledgement.until) instants.push(Date.parse(acknowledgement.until));

  // The judge's thresholds are strict (a status changes just after its instant): one at `now` itself is due now.
  const coming = instants.filter((instant) => Number.isFinite(instant) && instant >= nowMs);
  return coming.length > 0 ? new Date(Math.min(...coming)) : null;
}

/** Whether the state can change at any run, the observation being the same. */
function changesEveryRun(state: WatchState, result: CheckResult, nowMs: number): boolean {
  if (state.pending.length > 0 || state.retiredAt !== undefined) return true;
  // A failing probe is counted (consecutiveFailures) and escalates by counts, not by the clock.
  if (result.error || !result.leaf || state.consecutiveFailures > 0 || state.errorAlert.active) return true;
  // NOT_YET_VALID ends at a notBefore the result no longer names once judged (an address's chain is not kept).
  if ([result.findings, ...result.addresses.map((address) => address.findings)].some((findings) => findings.some((finding) => finding.code === 'NOT_YET_VALID'))) return true;
  // Written by a later run, or by a clock ahead of this one: the fold sorts those out.
  const checkedAt = Date.parse(state.lastCheckedAt);
  return !Number.isFinite(checkedAt) || checkedAt > nowMs;
}
