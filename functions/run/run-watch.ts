import { isDeepStrictEqual } from 'node:util';
import { checkTargets, type CheckRequest } from '../check/check-targets';
import type { CheckResult, Status } from '../core/check-result';
import type { CertwatchConfig, WatchedTarget } from '../core/config';
import { markPublished, observe } from '../core/escalation';
import { planDigest } from '../core/escalation-digest';
import { VersionConflictError, type Notifier, type StateStore } from '../core/ports';
import type { WatchState } from '../core/watch-state';
import type { CertificateProbe } from '../probes/tls-probe';

export interface RunDependencies {
  readonly probe: CertificateProbe;
  readonly store: StateStore;
  readonly notifier: Notifier;
  /** The run's clock: every decision in one run uses the same instant. */
  readonly now: Date;
  /** Called as targets finish probing (for a progress line). */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface RunProblem {
  readonly certificateId: string;
  readonly message: string;
}

export interface RunSummary {
  readonly at: string;
  readonly targets: number;
  readonly byStatus: Readonly<Record<Status, number>>;
  /** Targets that could not be parsed: reported, not stored. */
  readonly invalidTargets: readonly RunProblem[];
  readonly notificationsSent: number;
  /** Decided but not delivered (SNS failed): retried next run. */
  readonly notificationsPending: number;
  readonly publishFailures: readonly RunProblem[];
  readonly storeFailures: readonly RunProblem[];
  /** Another run changed the item first: left to that run. */
  readonly conflicts: readonly string[];
  readonly storeWrites: number;
}

export function certificateIdFor(result: CheckResult): string {
  return `tls:${result.target}`;
}

/** One full watch cycle: probe every target, judge, persist, decide, notify. Never stops on one target's failure. */
export async function runWatch(config: CertwatchConfig, deps: RunDependencies): Promise<RunSummary> {
  const at = deps.now.toISOString();
  const writesBefore = deps.store.writeCount;
  const requests: CheckRequest[] = config.targets.map((t) => ({ target: t.target, servername: t.servername, caFiles: t.caFiles }));
  const results = await checkTargets(requests, { ...config.check, caFiles: [] }, { probe: deps.probe, now: () => deps.now, onProgress: deps.onProgress });

  const known = new Map((await deps.store.list()).map((state) => [state.certificateId, state]));
  const byStatus: Record<Status, number> = { ok: 0, warning: 0, critical: 0, expired: 0, error: 0 };
  const tally = { sent: 0, pending: 0 };
  const invalidTargets: RunProblem[] = [];
  const publishFailures: RunProblem[] = [];
  const storeFailures: RunProblem[] = [];
  const conflicts: string[] = [];

  for (const [index, result] of results.entries()) {
    byStatus[result.status]++;
    if (result.error?.code === 'INVALID_TARGET') {
      invalidTargets.push({ certificateId: result.target, message: result.error.message });
      continue;
    }
    const certificateId = certificateIdFor(result);
    try {
      const outcome = await foldAndNotify(known.get(certificateId), certificateId, config.targets[index], result, config, deps);
      tally.sent += outcome.sent;
      tally.pending += outcome.pending;
      publishFailures.push(...outcome.publishFailures);
    } catch (error) {
      if (error instanceof VersionConflictError) conflicts.push(certificateId);
      else storeFailures.push({ certificateId, message: (error as Error).message });
    }
  }

  try {
    tally.sent += (await deliverDigest(config, deps, publishFailures)).sent;
  } catch (error) {
    if (error instanceof VersionConflictError) conflicts.push(error.certificateId);
    else storeFailures.push({ certificateId: 'certwatch#ledger', message: (error as Error).message });
  }

  return {
    at,
    targets: results.length,
    byStatus,
    invalidTargets,
    notificationsSent: tally.sent,
    notificationsPending: tally.pending,
    publishFailures,
    storeFailures,
    conflicts,
    storeWrites: deps.store.writeCount - writesBefore,
  };
}

/**
 * Folds one result into the certificate's state, writes it if anything changed (the decision is durable
 * before anything is sent), then publishes the outbox and records what was delivered.
 */
async function foldAndNotify(
  previous: WatchState | undefined,
  certificateId: string,
  watched: WatchedTarget,
  result: CheckResult,
  config: CertwatchConfig,
  deps: RunDependencies,
): Promise<{ sent: number; pending: number; publishFailures: RunProblem[] }> {
  const { state: folded } = observe(
    previous,
    { certificateId, source: 'tls', target: result.target, owner: watched.owner, tags: watched.tags, result },
    config.policy,
    deps.now,
  );
  let state = folded;
  if (previous === undefined || meaningfullyChanged(previous, state)) {
    state = await deps.store.put(state, previous?.version ?? 0);
  }
  const publishFailures: RunProblem[] = [];
  let sent = 0;
  for (const notification of state.pending) {
    try {
      const { messageId } = await deps.notifier.publish(notification);
      state = markPublished(state, notification.id, messageId, deps.now);
      sent++;
    } catch (error) {
      publishFailures.push({ certificateId, message: `notification ${notification.id}: ${(error as Error).message}` });
    }
  }
  if (sent > 0) state = await deps.store.put(state, state.version);
  return { sent, pending: state.pending.length, publishFailures };
}

/**
 * The digest (when configured): planned from every stored state, sent once per period. The ledger records the
 * last period delivered and when the watcher last ran; a failed publish is retried by the next run of the period.
 */
async function deliverDigest(config: CertwatchConfig, deps: RunDependencies, publishFailures: RunProblem[]): Promise<{ sent: number }> {
  const ledger = await deps.store.getLedger();
  let digestSentFor = ledger.digestSentFor;
  let sent = 0;
  if (config.digest) {
    const digest = planDigest(await deps.store.list(), config.policy, deps.now, config.digest);
    if (digest && digest.id !== ledger.digestSentFor) {
      try {
        await deps.notifier.publish(digest);
        digestSentFor = digest.id;
        sent = 1;
      } catch (error) {
        publishFailures.push({ certificateId: digest.certificateId, message: `digest ${digest.id}: ${(error as Error).message}` });
      }
    }
  }
  await deps.store.putLedger({ lastRunAt: deps.now.toISOString(), digestSentFor, version: ledger.version }, ledger.version);
  return { sent };
}

/** Whether a write is needed: `lastCheckedAt` alone does not justify rewriting every item every run. */
function meaningfullyChanged(before: WatchState, after: WatchState): boolean {
  const comparable = (state: WatchState) => JSON.parse(JSON.stringify({ ...state, lastCheckedAt: null, version: null })) as unknown;
  return !isDeepStrictEqual(comparable(before), comparable(after));
}
