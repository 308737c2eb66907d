import { checkTargets, type CheckRequest, type CheckSettings } from './check-targets';
import type { CheckResult, Status } from '../core/check-result';
import type { CertwatchConfig } from '../core/config';
import { filePathOf, fileTarget, isFileTarget } from '../core/file-target';
import { foldObservation, type FoldOutcome, type ObservedResult } from '../core/escalation/fold';
import { afterDelivery, isClaimable, withClaims } from '../core/escalation/outbox';
import { planDigest } from '../core/escalation/digest';
import { foldDisappearance, foldListingRecovered } from '../core/escalation/retire';
import { resultFromLastReading } from '../core/last-known-result';
import {
  VersionConflictError,
  type CertificateFileSource,
  type CertificateProbe,
  type CloudCertificateReaders,
  type NameResolver,
  type Notifier,
  type RunLedger,
  type StateStore,
} from '../core/ports';
import { certificateIdForResult, certificateSourceOf } from '../core/certificate-id';
import type { WatchState } from '../core/watch-state';
import { listCloudCertificates, type CloudListing, type ScopeListing } from './list-cloud-certificates';
import { retryOnConflict } from './retry-on-conflict';
import { Slots } from './slots';

export interface RunDependencies {
  readonly probe: CertificateProbe;
  /** Finds the addresses behind each target's host (the config's `check.dnsServers`, or the system's). */
  readonly resolver: NameResolver;
  /**
   * Its states are listed while the first targets are probed. A listing that fails (a store that could not open,
   * say) stops the run: no further target is probed, and once the probes in flight have answered the run rejects
   * with the store's error, having written and published nothing.
   */
  readonly store: StateStore;
  readonly notifier: Notifier;
  /** The run's clock: every decision in one run uses the same instant. */
  readonly now: Date;
  /** Called as targets finish probing (for a progress line). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Reads `file://` targets; without it (the Lambda) a file target is reported invalid. */
  readonly files?: CertificateFileSource;
  /** Lists ACM and IAM for a config with `acm` or `iam`; such a config without it is refused before anything runs. */
  readonly cloud?: CloudCertificateReaders;
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
  /** Items in the store that are not readable states: skipped every run until `certwatch forget` deletes them. */
  readonly unreadableItems: readonly RunProblem[];
  /** Another run changed the item first: left to that run. */
  readonly conflicts: readonly string[];
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
  readonly storeWrites: number;
}

/** A config that lists ACM or IAM, run without readers for them. */
export class CloudReadersMissingError extends Error {
  constructor() {
    super('the config lists ACM or IAM certificates (acm, iam), but this watcher was given no way to read them');
    this.name = 'CloudReadersMissingError';
  }
}

/**
 * Store work (fold, write, publish, record) in flight at once. Each certificate's own steps stay in order; the
 * bound keeps a large fleet from opening a burst of requests against the table (or the embedded server's CPU).
 * Above the 25 items of one BatchWriteItem, so that an exclusive store's creates fill whole batches when folds
 * queue up behind the probes (16 left a first run's writes trailing the probing by 0.3-0.9 s).
 */
const STORE_CONCURRENCY = 32;

/** What one target contributed to the summary (invalid targets contribute nothing here). */
interface TargetOutcome {
  /** The certificate's state after this run (the stored one when the write failed; none if never stored). */
  readonly state?: WatchState;
  readonly sent: number;
  readonly pending: number;
  readonly publishFailures: readonly RunProblem[];
  readonly storeFailure?: RunProblem;
  readonly conflict?: string;
}

/**
 * One full watch cycle: probe every target, judge, persist, decide, notify. Never stops on one target's failure.
 * Pipelined: the stored states are read while the first targets
 * are probed, and each result is folded, written and notified as soon as its probe answers, while the others are
 * still being probed. A certificate's steps run in order: write the decision and claim its outbox (one conditional
 * write), publish, record what was sent. The config refuses two targets with one certificate id, so no two folds
 * in a run touch the same item.
 */
export async function runWatch(config: CertwatchConfig, deps: RunDependencies): Promise<RunSummary> {
  const at = deps.now.toISOString();
  const hasCloud = config.cloud.acm.length + config.cloud.iam.length > 0;
  if (hasCloud && !deps.cloud) throw new CloudReadersMissingError();
  const requests: CheckRequest[] = config.targets.map((t) => ({ target: t.target, servername: t.servername, caFiles: t.caFiles, filePath: t.filePath }));
  const settings: CheckSettings = { ...config.check, caFiles: [] };

  const writesBefore = deps.store.writeCount;
  // No fold starts without the listing; a failed one stops the probing, which then rejects with the store's error.
  const stopProbing = new AbortController();
  const stored = deps.store.list().then(({ states, unreadable }) => ({ byId: new Map(states.map((state) => [state.certificateId, state])), unreadable }));
  stored.catch((error: unknown) => stopProbing.abort(error));
  // ACM and IAM are listed while the endpoints are probed.
  const cloudListing = hasCloud ? listCloudCertificates(config.cloud, config.check, { readers: deps.cloud!, now: () => deps.now }) : null;
  cloudListing?.catch(() => undefined); // awaited below

  const storeSlots = new Slots(STORE_CONCURRENCY);
  const observed = new Set<string>();
  const settlers: Settlers = {
    observe: (previous, input) => {
      observed.add(input.certificateId);
      return storeSlots.run(() => settle(previous, input, config, deps));
    },
    retire: (previous, outcome) => {
      observed.add(previous.certificateId);
      return storeSlots.run(() => settleRetirement(previous, outcome, deps));
    },
  };
  // Each result is folded as soon as it is judged, while the other targets are still being probed.
  const outcomes = new Map<CheckResult, Promise<TargetOutcome[]>>();
  const fold = async (index: number, result: CheckResult): Promise<TargetOutcome[]> => {
    if (result.error?.code === 'INVALID_TARGET') return []; // reported, not stored
    const { byId } = await stored;
    const { owner, tags, target } = config.targets[index];
    const base = { source: certificateSourceOf(result.target), owner, tags };
    // A file that cannot be read fails every certificate it held (their escalation goes on from what was read).
    const wholeFile = isFileTarget(target) && result.target === fileTarget(filePathOf(target));
    const ids = wholeFile ? certificatesOfFile(byId, result.target) : [certificateIdForResult(result)];
    return Promise.all(
      ids.map((id) => settlers.observe(byId.get(id), { ...base, certificateId: id, target: wholeFile ? id : result.target, result: wholeFile ? { ...result, target: id } : result })),
    );
  };
  const probing = checkTargets(requests, settings, {
    probe: deps.probe,
    resolver: deps.resolver,
    files: deps.files,
    now: () => deps.now,
    onProgress: deps.onProgress,
    onResult: (index, result) => {
      const outcome = fold(index, result);
      outcome.catch(() => undefined); // awaited below, after probing, in config order
      outcomes.set(result, outcome);
    },
    signal: stopProbing.signal,
  });

  const results = await probing;
  const byStatus: Record<Status, number> = { ok: 0, warning: 0, critical: 0, expired: 0, error: 0 };
  const tally = { sent: 0, pending: 0 };
  const invalidTargets: RunProblem[] = [];
  const publishFailures: RunProblem[] = [];
  const storeFailures: RunProblem[] = [];
  const conflicts: string[] = [];
  const { unreadable, byId } = await stored;
  const unreadableItems = unreadable.map((item) => ({ certificateId: item.key, message: item.reason }));
  const cloud = cloudListing ? await settleListings(await cloudListing, byId, config, deps, settlers) : NO_LISTINGS;
  const settled: TargetOutcome[] = [];
  for (const result of [...results, ...cloud.results]) {
    byStatus[result.status]++;
    if (result.error?.code === 'INVALID_TARGET') invalidTargets.push({ certificateId: result.target, message: result.error.message });
  }
  for (const outcome of [...(await Promise.all(outcomes.values())).flat(), ...cloud.outcomes]) {
    settled.push(outcome);
    tally.sent += outcome.sent;
    tally.pending += outcome.pending;
    publishFailures.push(...outcome.publishFailures);
    if (outcome.storeFailure) storeFailures.push(outcome.storeFailure);
    if (outcome.conflict) conflicts.push(outcome.conflict);
  }

  try {
    // The digest lists the configured targets as this run left them (a retired target is not reported forever).
    const current = settled.flatMap((outcome) => (outcome.state && outcome.state.retiredAt === undefined ? [outcome.state] : []));
    tally.sent += (await deliverDigest(config, deps, current, publishFailures)).sent;
  } catch (error) {
    if (error instanceof VersionConflictError) conflicts.push(error.certificateId);
    else storeFailures.push({ certificateId: 'certwatch#ledger', message: (error as Error).message });
  }

  const notInConfig = [...byId.keys()].filter((certificateId) => !observed.has(certificateId)).sort();

  return {
    at,
    targets: results.length + cloud.results.length,
    byStatus,
    invalidTargets,
    notificationsSent: tally.sent,
    notificationsPending: tally.pending,
    publishFailures,
    storeFailures,
    unreadableItems,
    conflicts,
    notInConfig,
    listingFailures: cloud.failures,
    disappeared: cloud.disappeared,
    storeWrites: deps.store.writeCount - writesBefore,
  };
}

/** The stored certificates of a file (`file://PATH#N`); none yet: the file's own id, for its failure. */
function certificatesOfFile(byId: ReadonlyMap<string, WatchState>, fileTarget: string): string[] {
  const known = [...byId.keys()].filter((id) => id.startsWith(`${fileTarget}#`));
  return known.length > 0 ? known : [fileTarget];
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

/** How a run folds an observation into a state, or retires a state, each within the store's bound. */
interface Settlers {
  observe(previous: WatchState | undefined, input: ObservedResult): Promise<TargetOutcome>;
  /** `outcome` null: nothing to say, the state is deleted at once. */
  retire(previous: WatchState, outcome: FoldOutcome | null): Promise<TargetOutcome>;
}

/** Folds one observation and delivers what it decided; a store failure or conflict is its outcome, not the run's. */
async function settle(previous: WatchState | undefined, input: ObservedResult, config: CertwatchConfig, deps: RunDependencies): Promise<TargetOutcome> {
  const progress: Progress = { sent: 0, publishFailures: [] };
  try {
    const { state: folded } = foldObservation(previous, input, config.policy, deps.now);
    return { ...(await deliver(previous, folded, deps, progress)), ...progress };
  } catch (error) {
    return failedSettlement(input.certificateId, previous, error, progress);
  }
}

/**
 * Retires a state: delivers what its retirement decided (a `disappeared` notice, a recovery), and deletes the state
 * once nothing is left to deliver (at once when nothing was decided). An undelivered notice keeps it for the next run.
 */
async function settleRetirement(previous: WatchState, outcome: FoldOutcome | null, deps: RunDependencies): Promise<TargetOutcome> {
  const progress: Progress = { sent: 0, publishFailures: [] };
  try {
    if (!outcome) {
      await deps.store.delete(previous.certificateId, previous.version);
      return { pending: 0, ...progress };
    }
    const { state, pending } = await deliver(previous, outcome.state, deps, progress);
    if (pending > 0) return { state, pending, ...progress };
    await deps.store.delete(state.certificateId, state.version);
    return { pending: 0, ...progress };
  } catch (error) {
    return failedSettlement(previous.certificateId, previous, error, progress);
  }
}

/** What was published before a failed write still counts: it was sent (and is sent again once the claim lapses). */
function failedSettlement(certificateId: string, previous: WatchState | undefined, error: unknown, progress: Progress): TargetOutcome {
  const failure = error instanceof VersionConflictError ? { conflict: certificateId } : { storeFailure: { certificateId, message: (error as Error).message } };
  return { state: previous, pending: 0, ...progress, ...failure };
}

/** What a fold has delivered so far: kept even when a later write fails. */
interface Progress {
  sent: number;
  publishFailures: RunProblem[];
}

/**
 * Writes a folded state and claims its outbox in one conditional write (the decision is durable, and a racing run
 * loses the write, before anything is sent), publishes what it claimed, then records what was delivered and
 * releases what was not, for the next run.
 */
async function deliver(previous: WatchState | undefined, folded: WatchState, deps: RunDependencies, progress: Progress): Promise<{ state: WatchState; pending: number }> {
  const claimed = folded.pending.filter((n) => isClaimable(n, deps.now)).map((n) => n.id);
  let state = claimed.length > 0 ? withClaims(folded, claimed, deps.now.toISOString()) : folded;
  if (previous === undefined || claimed.length > 0 || meaningfullyChanged(previous, state)) {
    state = await deps.store.put(state, previous?.version ?? 0);
  }
  if (claimed.length === 0) return { state, pending: state.pending.length };

  const delivered = new Map<string, string>();
  for (const notification of state.pending.filter((n) => claimed.includes(n.id))) {
    try {
      delivered.set(notification.id, (await deps.notifier.publish(notification)).messageId);
      progress.sent++;
    } catch (error) {
      progress.publishFailures.push({ certificateId: state.certificateId, message: `notification ${notification.id}: ${(error as Error).message}` });
    }
  }
  const recorded = await recordDelivery(deps.store, state, claimed, delivered, deps.now);
  return { state: recorded, pending: recorded.pending.length };
}

/**
 * Marks the delivered notifications sent and releases the undelivered claims. An acknowledgement written by a
 * person between our claim and now is not overwritten: on a conflict, re-read and apply the same record.
 */
async function recordDelivery(store: StateStore, claimedState: WatchState, claimed: readonly string[], delivered: ReadonlyMap<string, string>, now: Date): Promise<WatchState> {
  let state = claimedState;
  return retryOnConflict(
    () => store.put(afterDelivery(state, claimed, delivered, now), state.version),
    async (conflict) => {
      const latest = await store.get(claimedState.certificateId);
      if (!latest) throw conflict;
      state = latest;
    },
  );
}

/**
 * The digest (when configured): planned from the states of the configured targets, sent once per period. The ledger records the last period delivered and when the watcher last ran; the digest is claimed in
 * the ledger before it is published, like a notification, and a failed publish is retried by the next run.
 */
async function deliverDigest(
  config: CertwatchConfig,
  deps: RunDependencies,
  states: readonly WatchState[],
  publishFailures: RunProblem[],
): Promise<{ sent: number }> {
  let ledger = await deps.store.getLedger();
  const lastRunAt = deps.now.toISOString();
  const digest = config.digest ? planDigest(states, config.policy, deps.now, config.digest) : null;
  const claimable = digest && digest.id !== ledger.digestSentFor && isClaimable(ledger.digestClaim, deps.now);
  if (!digest || !claimable) {
    await deps.store.putLedger({ ...ledger, lastRunAt }, ledger.version);
    return { sent: 0 };
  }
  ledger = await deps.store.putLedger({ ...ledger, lastRunAt, digestClaim: { id: digest.id, claimedAt: lastRunAt } }, ledger.version);
  let next: RunLedger;
  try {
    await deps.notifier.publish(digest);
    next = { ...ledger, digestSentFor: digest.id, digestClaim: null };
  } catch (error) {
    publishFailures.push({ certificateId: digest.certificateId, message: `digest ${digest.id}: ${(error as Error).message}` });
    next = { ...ledger, digestClaim: null };
  }
  await deps.store.putLedger(next, ledger.version);
  return { sent: next.digestSentFor === digest.id ? 1 : 0 };
}

/** Whether a write is needed: `lastCheckedAt` alone does not justify rewriting every item every run. */
function meaningfullyChanged(before: WatchState, after: WatchState): boolean {
  return !sameData({ ...before, lastCheckedAt: null, version: null }, { ...after, lastCheckedAt: null, version: null });
}

/**
 * Equal as stored: key order ignored and undefined members absent (the store drops them), for the plain data a
 * state is. Cheaper than comparing serialised copies, which took most of a quiet run's time after probing.
 */
function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((element, index) => sameData(element, b[index]));
  }
  const aRecord = a as Record<string, unknown>;
  const bRecord = b as Record<string, unknown>;
  let members = 0;
  for (const key in aRecord) {
    if (aRecord[key] === undefined) continue;
    if (!sameData(aRecord[key], bRecord[key])) return false;
    members++;
  }
  for (const key in bRecord) if (bRecord[key] !== undefined) members--;
  return members === 0;
}
