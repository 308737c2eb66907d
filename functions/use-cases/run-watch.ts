import type { CertwatchConfig } from '../core/config';
import { VersionConflictError } from '../core/ports';
import { certificateIdForResult } from '../core/certificate-id';
import { deliverDigest } from './deliver-digest';
import { watchTargets, type WatchDependencies, type WatchReport } from './watch-targets';

export type { RunProblem } from './watch-targets';
export type RunDependencies = WatchDependencies;

export interface RunSummary extends WatchReport {
  readonly at: string;
  /**
   * Certificates in the store that no configured target names any more, sorted: no longer probed nor notified,
   * but still listed by `status` until `certwatch forget` deletes them.
   */
  readonly notInConfig: readonly string[];
}

/**
 * One full watch cycle, as `certwatch run` makes it: every stored state read (a Scan), every target watched
 * (watchTargets), then the digest and the run recorded in the ledger, and what the store holds that the config no
 * longer names.
 */
export async function runWatch(config: CertwatchConfig, deps: RunDependencies): Promise<RunSummary> {
  const at = deps.now.toISOString();
  const watched = await watchTargets(config, deps, { readStates: (store) => store.list() });
  const writesBefore = deps.store.writeCount - watched.storeWrites;
  const publishFailures = [...watched.publishFailures];
  const storeFailures = [...watched.storeFailures];
  const conflicts = [...watched.conflicts];
  let sent = watched.notificationsSent;
  try {
    const digest = await deliverDigest(config, deps, watched.states, { lastRunAt: at });
    sent += digest.sent;
    publishFailures.push(...digest.publishFailures);
  } catch (error) {
    if (error instanceof VersionConflictError) conflicts.push(error.certificateId);
    else storeFailures.push({ certificateId: 'certwatch#ledger', message: (error as Error).message });
  }

  const configured = new Set(watched.results.flatMap((result) => (result.error?.code === 'INVALID_TARGET' ? [] : [certificateIdForResult(result)])));
  const notInConfig = [...watched.read.keys()].filter((certificateId) => !configured.has(certificateId)).sort();

  return {
    at,
    targets: watched.results.length,
    byStatus: watched.byStatus,
    invalidTargets: watched.invalidTargets,
    notificationsSent: sent,
    notificationsPending: watched.notificationsPending,
    publishFailures,
    storeFailures,
    unreadableItems: watched.unreadableItems,
    conflicts,
    notInConfig,
    storeWrites: deps.store.writeCount - writesBefore,
  };
}
