import type { CertwatchConfig } from '../core/config';
import type { CloudCertificateReaders } from '../core/ports';
import { listCloudCertificates } from './list-cloud-certificates';
import { settleListings } from './settle-listings';
import { createSettlers, summarize, type RunProblem, type SettleDependencies, type WatchReport } from './watch-targets';

export interface InventoryDependencies extends SettleDependencies {
  readonly cloud: CloudCertificateReaders;
}

/** What a deployed inventory did. */
export interface InventorySummary extends WatchReport {
  /** ACM and IAM listings that failed: their certificates keep escalating from what they last listed. */
  readonly listingFailures: readonly RunProblem[];
  /** Certificates their listing no longer has (see RunSummary.disappeared). */
  readonly disappeared: readonly string[];
}

/**
 * The deployed ACM and IAM inventory, on its own schedule: every scope of the config listed, folded into the stored
 * states exactly as `certwatch run` folds them (a failed listing is its own error alert, a certificate gone from a
 * working listing is retired), notified. Reads the table (a Scan: a scope's earlier certificates are found by their
 * state) once per inventory.
 */
export async function watchInventory(config: CertwatchConfig, deps: InventoryDependencies): Promise<InventorySummary> {
  const writesBefore = deps.store.writeCount;
  const [listing, { states, unreadable }] = await Promise.all([
    listCloudCertificates(config.cloud, config.check, { readers: deps.cloud, now: () => deps.now }),
    deps.store.list(),
  ]);
  const { settlers } = createSettlers(config, deps);
  const cloud = await settleListings(listing, new Map(states.map((state) => [state.certificateId, state])), config, deps, settlers);
  const { states: _states, ...report } = summarize(cloud.results, cloud.outcomes, unreadable);
  return { ...report, listingFailures: cloud.failures, disappeared: cloud.disappeared, storeWrites: deps.store.writeCount - writesBefore };
}
