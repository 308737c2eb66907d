import type { ProbeBatchQueue, ProbeRun, ProbeRunTracker, StateStore } from '../core/ports';
import { probeBatchMessage, type WatchPlan } from '../core/watch-plan';
import { retryOnConflict } from './retry-on-conflict';

// A deployed probe run: the scheduled function starts it (one progress item, then every batch on the queue); each
// worker counts its batch done, and the one that completes the run records it in the run ledger, as a local run
// does at its end (`certwatch status` shows it, and the dead-man's switch counts completed runs).

export interface StartRunDependencies {
  readonly tracker: ProbeRunTracker;
  readonly queue: ProbeBatchQueue;
  /** Where a run of no batch (a config of ACM and IAM only) is recorded at once. */
  readonly store: StateStore;
  readonly now: Date;
  /** A new id for each start: a retried start supersedes the run it retries. */
  readonly runId: string;
}

/**
 * Records the run, then sends its batches. The run is recorded first, so that no batch can finish before it. A plan
 * of no batch (no endpoint targets) is a run complete at once, recorded in the ledger like any other.
 */
export async function startProbeRun(plan: WatchPlan, deps: StartRunDependencies): Promise<ProbeRun> {
  const run: ProbeRun = { runId: deps.runId, batches: plan.batches.length, startedAt: deps.now.toISOString() };
  if (run.batches === 0) {
    await recordRunEnd(deps.store, deps.now);
    return run;
  }
  await deps.tracker.begin(run);
  await deps.queue.send(plan.batches.map((_, batch) => probeBatchMessage(plan, batch, { runId: run.runId, sentAt: deps.now })));
  return run;
}

export interface FinishBatchDependencies {
  readonly tracker: ProbeRunTracker;
  readonly store: StateStore;
  readonly now: Date;
}

/** Counts a batch done; if it was the run's last, records the run's end in the ledger and returns the run. */
export async function finishBatch(runId: string, deps: FinishBatchDependencies): Promise<ProbeRun | null> {
  const completed = await deps.tracker.batchDone(runId, deps.now);
  if (!completed) return null;
  await recordRunEnd(deps.store, deps.now);
  return completed;
}

/** The run ledger's lastRunAt, where `certwatch status` shows when the watcher last ran. */
async function recordRunEnd(store: StateStore, at: Date): Promise<void> {
  await retryOnConflict(async () => {
    const ledger = await store.getLedger();
    await store.putLedger({ ...ledger, lastRunAt: at.toISOString() }, ledger.version);
  });
}
