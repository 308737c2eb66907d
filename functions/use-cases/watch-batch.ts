import type { Status } from '../core/check-result';
import type { CertwatchConfig } from '../core/config';
import type { StateBatchReader, StateStore } from '../core/ports';
import { MAX_PROBES_PER_WORKER } from '../core/watch-plan';
import type { WatchState } from '../core/watch-state';
import { configuredCertificateIds, watchTargets, type RunProblem, type WatchDependencies } from './watch-targets';

export interface BatchDependencies extends WatchDependencies {
  readonly store: StateStore & StateBatchReader;
}

/** What a deployed worker did with one batch of a probe run. */
export interface BatchSummary {
  readonly targets: number;
  readonly byStatus: Readonly<Record<Status, number>>;
  readonly invalidTargets: readonly RunProblem[];
  readonly notificationsSent: number;
  readonly notificationsPending: number;
  readonly publishFailures: readonly RunProblem[];
  readonly storeFailures: readonly RunProblem[];
  readonly unreadableItems: readonly RunProblem[];
  readonly conflicts: readonly string[];
  readonly storeWrites: number;
  /** The batch's certificates as this batch left them (their metrics: the soonest expiry, those in a stage). */
  readonly states: readonly WatchState[];
}

/**
 * One batch of a deployed probe run: the same watch as `certwatch run`, reading only the batch's own items
 * (BatchGetItem, eventually consistent: a stale read fails its conditional write, and the fold is made again from
 * a consistent read) rather than the whole table each time, and probing at most MAX_PROBES_PER_WORKER at once
 * whatever `check.concurrency` says. The digest and the run's completion are not a batch's business.
 */
export async function watchBatch(config: CertwatchConfig, deps: BatchDependencies): Promise<BatchSummary> {
  const reader: StateBatchReader = deps.store;
  const bounded: CertwatchConfig = { ...config, check: { ...config.check, concurrency: Math.min(config.check.concurrency, MAX_PROBES_PER_WORKER) } };
  const watched = await watchTargets(bounded, deps, {
    readStates: (_store, batchConfig) => reader.getMany(configuredCertificateIds(batchConfig)),
    refoldOnConflict: true,
  });
  return {
    targets: watched.results.length,
    byStatus: watched.byStatus,
    invalidTargets: watched.invalidTargets,
    notificationsSent: watched.notificationsSent,
    notificationsPending: watched.notificationsPending,
    publishFailures: watched.publishFailures,
    storeFailures: watched.storeFailures,
    unreadableItems: watched.unreadableItems,
    conflicts: watched.conflicts,
    storeWrites: watched.storeWrites,
    states: watched.states,
  };
}
