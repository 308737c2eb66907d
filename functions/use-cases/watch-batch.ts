import type { CertwatchConfig } from '../core/config';
import type { StateBatchReader, StateStore } from '../core/ports';
import { MAX_PROBES_PER_WORKER } from '../core/watch-plan';
import type { WatchState } from '../core/watch-state';
import { configuredCertificateIds, watchCycle, type RunDependencies, type RunSummary } from './run-watch';

export interface BatchDependencies extends RunDependencies {
  readonly store: StateStore & StateBatchReader;
}

/** What a deployed worker did with one batch of a probe run. */
export interface BatchSummary extends RunSummary {
  /** The batch's certificates as this batch left them (their metrics: the soonest expiry, those in a stage). */
  readonly states: readonly WatchState[];
}

/**
 * One batch of a deployed probe run: `certwatch run`'s own cycle, reading only the batch's items (BatchGetItem,
 * eventually consistent: a stale read fails its conditional write, and the fold is made again from a consistent
 * read) rather than the whole table each time, probing at most MAX_PROBES_PER_WORKER at once whatever
 * `check.concurrency` says. The run's record in the ledger and the digest are not a batch's business.
 */
export async function watchBatch(config: CertwatchConfig, deps: BatchDependencies): Promise<BatchSummary> {
  const reader: StateBatchReader = deps.store;
  // ACM and IAM are the inventory's: a batch is its endpoint targets alone.
  const bounded: CertwatchConfig = {
    ...config,
    check: { ...config.check, concurrency: Math.min(config.check.concurrency, MAX_PROBES_PER_WORKER) },
    cloud: { acm: [], iam: [] },
  };
  const { summary, states } = await watchCycle(bounded, deps, {
    readStates: (_store, batchConfig) => reader.getMany(configuredCertificateIds(batchConfig)),
    refoldOnConflict: true,
    recordRun: false,
    keepStates: true,
  });
  return { ...summary, states };
}
