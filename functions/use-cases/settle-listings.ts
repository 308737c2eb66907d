import type { CheckResult } from '../core/check-result';
import type { CertwatchConfig } from '../core/config';
import { foldDisappearance, foldListingRecovered } from '../core/escalation/retire';
import { resultFromLastReading } from '../core/last-known-result';
import type { WatchState } from '../core/watch-state';
import type { CloudListing, ScopeListing } from './list-cloud-certificates';
import type { RunProblem, Settlers, TargetOutcome } from './watch-targets';

// What ACM and IAM listings change in the states: `certwatch run` folds them beside its endpoints, the deployed
// inventory on its own schedule.

/** What the ACM and IAM listings contributed. */
export interface ListingsOutcome {
  readonly results: readonly CheckResult[];
  readonly outcomes: readonly TargetOutcome[];
  readonly failures: readonly RunProblem[];
  readonly disappeared: readonly string[];
}

export const NO_LISTINGS: ListingsOutcome = { results: [], outcomes: [], failures: [], disappeared: [] };

/**
 * Folds what each listing said. A listing that worked: each certificate it holds is folded (tagged with the listing),
 * the listing's own state (its error alert, while it failed) is retired, and a certificate it held before but no
 * longer does has disappeared. A listing that failed: its error is folded into its own state (an error alert after
 * `errorAfterFailures` runs, like a probe's), and each certificate it last listed goes on escalating from that.
 */
export async function settleListings(
  listing: CloudListing,
  byId: ReadonlyMap<string, WatchState>,
  config: CertwatchConfig,
  deps: { readonly now: Date },
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

