import type { CertwatchConfig } from '../core/config';
import { VersionConflictError, type CloudCertificateReaders } from '../core/ports';
import { deliverDigest } from './deliver-digest';
import { listCloudCertificates } from './list-cloud-certificates';
import { NO_LISTINGS, settleListings } from './settle-listings';
import { startWatch, summarize, type RunProblem, type WatchDependencies, type WatchReport } from './watch-targets';

export type { RunProblem } from './watch-targets';

export interface RunDependencies extends WatchDependencies {
  /** Lists ACM and IAM for a config with `acm` or `iam`; such a config without it is refused before anything runs. */
  readonly cloud?: CloudCertificateReaders;
}

export interface RunSummary extends WatchReport {
  readonly at: string;
  /**
   * Certificates in the store that no configured target names any more, sorted: no longer probed nor notified,
   * but still listed by `status` until `certwatch forget` deletes them.
   */
  readonly notInConfig: readonly string[];
  /** ACM and IAM listings (an account's region, an account's IAM) that failed: their certificates keep escalating from what they last listed. */
  readonly listingFailures: readonly RunProblem[];
  /**
   * ACM and IAM certificates their listing no longer has, sorted: those in use and not expired get one `disappeared`
   * notice, the others are dropped quietly; either way their state is deleted once nothing is left to deliver.
   */
  readonly disappeared: readonly string[];
}

/** A config that lists ACM or IAM, run without readers for them. */
export class CloudReadersMissingError extends Error {
  constructor() {
    super('the config lists ACM or IAM certificates (acm, iam), but this watcher was given no way to read them');
    this.name = 'CloudReadersMissingError';
  }
}

/**
 * One full watch cycle, as `certwatch run` makes it: every stored state read (a Scan), every target watched
 * (startWatch), ACM and IAM listed meanwhile and folded, then the digest and the run recorded in the ledger, and what
 * the store holds that the config no longer names.
 */
export async function runWatch(config: CertwatchConfig, deps: RunDependencies): Promise<RunSummary> {
  const at = deps.now.toISOString();
  const hasCloud = config.cloud.acm.length + config.cloud.iam.length > 0;
  if (hasCloud && !deps.cloud) throw new CloudReadersMissingError();
  const watch = startWatch(config, deps, { readStates: (store) => store.list() });
  // ACM and IAM are listed while the endpoints are probed.
  const cloudListing = hasCloud ? listCloudCertificates(config.cloud, config.check, { readers: deps.cloud!, now: () => deps.now }) : null;
  cloudListing?.catch(() => undefined); // awaited below

  const { results, outcomes } = await watch.watched;
  const { unreadable, byId } = await watch.stored;
  const cloud = cloudListing ? await settleListings(await cloudListing, byId, config, deps, watch.settlers) : NO_LISTINGS;
  const report = summarize([...results, ...cloud.results], [...outcomes, ...cloud.outcomes], unreadable);
  const publishFailures = [...report.publishFailures];
  const storeFailures = [...report.storeFailures];
  const conflicts = [...report.conflicts];
  let sent = report.notificationsSent;
  try {
    const digest = await deliverDigest(config, deps, report.states, { lastRunAt: at });
    sent += digest.sent;
    publishFailures.push(...digest.publishFailures);
  } catch (error) {
    if (error instanceof VersionConflictError) conflicts.push(error.certificateId);
    else storeFailures.push({ certificateId: 'certwatch#ledger', message: (error as Error).message });
  }

  const notInConfig = [...byId.keys()].filter((certificateId) => !watch.observed.has(certificateId)).sort();

  return {
    at,
    targets: report.targets,
    byStatus: report.byStatus,
    invalidTargets: report.invalidTargets,
    notificationsSent: sent,
    notificationsPending: report.notificationsPending,
    publishFailures,
    storeFailures,
    unreadableItems: report.unreadableItems,
    conflicts,
    notInConfig,
    listingFailures: cloud.failures,
    disappeared: cloud.disappeared,
    storeWrites: deps.store.writeCount - watch.writesBefore,
  };
}
