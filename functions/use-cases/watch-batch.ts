import type { CertwatchConfig } from '../core/config';
import type { StateBatchReader, StateStore } from '../core/ports';
import { MAX_PROBES_PER_WORKER } from '../core/watch-plan';
import type { WatchState } from '../core/watch-state';
import { configuredCertificateIds, startWatch, summarize, type WatchDependencies, type WatchReport } from './watch-targets';

export interface BatchDependencies extends WatchDependencies {
  readonly store: StateStore & StateBatchReader;
}

/** What a deployed worker did with one batch of a probe run. */
export interface BatchSummary extends WatchReport {
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
  const watch = startWatch(bounded, deps, {
    readStates: (_store, batchConfig) => reader.getMany(configuredCertificateIds(batchConfig)),
    refoldOnConflict: true,
  });
  const { results, outcomes } = await watch.watched;
  const { unreadable } = await watch.stored;
  return { ...summarize(results, outcomes, unreadable), storeWrites: deps.store.writeCount - watch.writesBefore };
}
