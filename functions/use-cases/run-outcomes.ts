import { onAbort } from '../core/abort-listeners';
import type { CheckResult, Status } from '../core/check-result';
import type { CertwatchConfig } from '../core/config';
import { needsAttention } from '../core/escalation/digest';
import type { PlannedNotification, WatchState } from '../core/watch-state';

// What a run keeps of its targets until the summary. Neither the results nor the states they lead to are kept once
// folded (a fleet's memory would grow with them): the tallies as each result comes, and of each certificate only what
// the summary reports (a problem, a pending notice, its state when the digest lists it). Lists come out in config
// order whatever order the probes answered in.

export interface RunProblem {
  readonly certificateId: string;
  readonly message: string;
}

/** What one certificate contributed to the summary (invalid targets contribute nothing here). */
export interface TargetOutcome {
  /**
   * The certificate's state after this run (the stored one when the write failed or the run stopped first; none if
   * never stored, or deleted).
   */
  readonly state?: WatchState;
  readonly sent: number;
  readonly publishFailures: readonly RunProblem[];
  readonly storeFailure?: RunProblem;
  readonly conflict?: string;
  /** The unreadable item this certificate's state replaced. */
  readonly replaced?: RunProblem;
  /** Not recorded, the run having stopped before its turn: the target left for the next run. */
  readonly left?: string;
  /** Its stored state had been written by a clock ahead of this run's (FoldOutcome.aheadOfClock). */
  readonly aheadOfClock?: true;
}

/**
 * Where an outcome goes in the summary's lists: the targets never probed first (what the store holds of them), then
 * what was probed, in config order, then what the ACM and IAM listings gave.
 */
export type OutcomeGroup = 'neverProbed' | 'probed' | 'listed';
const GROUP_RANK: Readonly<Record<OutcomeGroup, number>> = { neverProbed: 0, probed: 1, listed: 2 };

/** An outcome reduced to what the summary says of it. */
interface KeptOutcome {
  readonly group: OutcomeGroup;
  readonly index: number;
  readonly sequence: number;
  readonly outcome: Omit<TargetOutcome, 'state' | 'sent'>;
  /** Its state's certificate, if it has a state. */
  readonly certificateId: string | null;
  /** Its state's pending notices, as `<certificateId> <kind>/<stage>`. */
  readonly pending: readonly string[];
  /** Its state, when the digest lists it (or the caller keeps every state). */
  readonly state: WatchState | null;
  readonly inDigest: boolean;
}

export interface RunOutcomesSettings {
  readonly config: Pick<CertwatchConfig, 'policy' | 'digest'>;
  readonly now: Date;
  /** Keep every final state (a deployed batch's metrics), not only those the digest lists. */
  readonly keepStates: boolean;
}

/** The summary's tallies and lists, collected as each result and outcome comes in. */
export class RunOutcomes {
  readonly byStatus: Record<Status, number> = { ok: 0, warning: 0, critical: 0, expired: 0, error: 0 };
  /** Results tallied. */
  results = 0;
  sent = 0;
  private readonly invalid: { readonly index: number; readonly sequence: number; readonly problem: RunProblem }[] = [];
  private readonly kept: KeptOutcome[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private sequence = 0;
  private failure: { readonly error: unknown } | undefined;
  /** Who waits for the backlog to come down, and to what. */
  private readonly waiters = new Map<() => void, number>();

  constructor(private readonly settings: RunOutcomesSettings) {}

  /** A result, tallied; `index`: its place in the config (the listings' come after every target). */
  result(result: CheckResult, index: number): void {
    this.results++;
    this.byStatus[result.status]++;
    if (result.error?.code === 'INVALID_TARGET') this.invalid.push({ index, sequence: this.sequence++, problem: { certificateId: result.target, message: result.error.message } });
  }

  /** Outcomes still being settled: recorded as they settle. */
  settling(group: OutcomeGroup, index: number, outcomes: Promise<readonly TargetOutcome[]>): void {
    const sequence = this.sequence++;
    const recording: Promise<void> = outcomes
      .then(
        (settled) => this.record(group, index, sequence, settled),
        (error: unknown) => {
          this.failure ??= { error };
        },
      )
      .finally(() => {
        this.inFlight.delete(recording);
        for (const [waiter, limit] of this.waiters) if (this.inFlight.size <= limit) waiter();
      });
    this.inFlight.add(recording);
  }

  /** Outcomes already settled. */
  settledNow(group: OutcomeGroup, index: number, outcomes: readonly TargetOutcome[]): void {
    this.record(group, index, this.sequence++, outcomes);
  }

  /**
   * While more than `limit` outcomes are being settled: a promise that resolves once no more are, or once `signal`
   * aborts. Otherwise nothing to wait for.
   */
  backlog(limit: number, signal: AbortSignal): Promise<void> | undefined {
    if (this.inFlight.size <= limit || signal.aborted) return undefined;
    return new Promise<void>((resolve) => {
      let stopListening = () => undefined as void;
      const waiter = () => {
        stopListening();
        this.waiters.delete(waiter);
        resolve();
      };
      this.waiters.set(waiter, limit);
      stopListening = onAbort(signal, waiter);
    });
  }

  /** Every outcome handed to `settling` recorded; rejects with the first failure to settle one. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
    if (this.failure) throw this.failure.error;
  }

  private record(group: OutcomeGroup, index: number, sequence: number, outcomes: readonly TargetOutcome[]): void {
    const { config, now, keepStates } = this.settings;
    for (const { state, sent, ...outcome } of outcomes) {
      if (outcome.left === undefined) this.sent += sent;
      const pending = state?.pending.map(describePending) ?? [];
      const inDigest = state !== undefined && config.digest !== null && state.retiredAt === undefined && needsAttention(state, config.policy, now);
      const reports = outcome.left !== undefined || outcome.publishFailures.length > 0 || outcome.storeFailure || outcome.conflict || outcome.replaced || outcome.aheadOfClock;
      if (!reports && pending.length === 0 && !inDigest && !keepStates) continue;
      const kept = inDigest || keepStates ? (state ?? null) : null;
      this.kept.push({ group, index, sequence, outcome, certificateId: state?.certificateId ?? null, pending, state: kept, inDigest });
    }
  }

  /** Targets that could not be parsed, in config order. */
  invalidTargets(): RunProblem[] {
    return this.invalid.sort((a, b) => a.index - b.index || a.sequence - b.sequence).map((entry) => entry.problem);
  }

  /** What was kept, in the summary's order. */
  outcomes(): readonly KeptOutcome[] {
    return this.kept.sort((a, b) => GROUP_RANK[a.group] - GROUP_RANK[b.group] || a.index - b.index || a.sequence - b.sequence);
  }
}

export function describePending(notice: PlannedNotification): string {
  return `${notice.certificateId} ${notice.kind}/${notice.stage}`;
}
