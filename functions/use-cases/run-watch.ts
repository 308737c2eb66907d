import type { CertwatchConfig } from '../core/config';
import { foldDisappearance, foldListingRecovered } from '../core/escalation/retire';
import { resultFromLastReading } from '../core/last-known-result';
import { VersionConflictError, type CloudCertificateReaders } from '../core/ports';
import type { CheckResult } from '../core/check-result';
import type { WatchState } from '../core/watch-state';
import { deliverDigest } from './deliver-digest';
import { listCloudCertificates, type CloudListing, type ScopeListing } from './list-cloud-certificates';
import { startWatch, summarize, type RunProblem, type Settlers, type TargetOutcome, type WatchDependencies, type WatchReport } from './watch-targets';

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

/** What the ACM and IAM listings contributed. */
interface ListingsOutcome {
  readonly results: readonly CheckResult[];
  readonly outcomes: readonly TargetOutcome[];
  readonly failures: readonly RunProblem[];
  readonly disappeared: readonly string[];
}

const NO_LISTINGS: ListingsOutcome = { results: [], outcomes: [], failures: [], disappeared: [] };

/**
 * Folds what each listing said. A listing that worked: each certificate it holds is folded (tagged with the listing),
 * the listing's own state (its error alert, while it failed) is retired, and a certificate it held before but no
 * longer does has disappeared. A listing that failed: its error is folded into its own state (an error alert after
 * `errorAfterFailures` runs, like a probe's), and each certificate it last listed goes on escalating from that.
 */
async function settleListings(
  listing: CloudListing,
  byId: ReadonlyMap<string, WatchState>,
  config: CertwatchConfig,
  deps: RunDependencies,
  settlers: Settlers,
): Promise<ListingsOutcome> {
  const { observe, retire } = settlers;
  const resultById = new Map(listing.results.map((result) => [result.target, result]));
  const stateOf = (scope: ScopeListing) => [...byId.values()].filter((state) => state.scope === scope.id && state.retiredAt === undefined);
  const base = (scope: ScopeListing) => ({ source: scope.service, owner: null, tags: {}, scope: scope.id });
  const folds: Promise<TargetOutcome>[] = [];
  const disappeared: string[] = [];
  const taken = new Set<string>();
  for (const scope of listing.scopes) {
    if (scope.error) {
      folds.push(observe(byId.get(scope.id), { ...base(scope), certificateId: scope.id, target: scope.id, result: resultById.get(scope.id)! }));
      for (const state of stateOf(scope)) {
        const result = resultFromLastReading(state, config.check, deps.now);
        if (result) folds.push(observe(state, { ...base(scope), certificateId: state.certificateId, target: state.target, result }));
      }
      continue;
    }
    const listed = scope.certificateIds.filter((id) => !taken.has(id));
    for (const id of listed) {
      taken.add(id);
      folds.push(observe(byId.get(id), { ...base(scope), certificateId: id, target: id, result: resultById.get(id)! }));
    }
    const own = byId.get(scope.id);
    if (own && own.retiredAt === undefined) {
      taken.add(scope.id);
      folds.push(retire(own, foldListingRecovered(own, deps.now)));
    }
    const listedNow = new Set(scope.certificateIds);
    for (const state of stateOf(scope).filter((state) => !listedNow.has(state.certificateId) && !taken.has(state.certificateId))) {
      taken.add(state.certificateId);
      disappeared.push(state.certificateId);
      folds.push(retire(state, foldDisappearance(state, config.policy, deps.now)));
    }
  }
  // Retired earlier and not listed again: what they still owe is delivered, then they go.
  for (const state of byId.values()) {
    if (state.retiredAt !== undefined && !taken.has(state.certificateId)) folds.push(retire(state, { state, planned: [] }));
  }
  const failures = listing.scopes.flatMap((scope) => (scope.error ? [{ certificateId: scope.id, message: scope.error.message }] : []));
  return { results: listing.results, outcomes: await Promise.all(folds), failures, disappeared: disappeared.sort() };
}

