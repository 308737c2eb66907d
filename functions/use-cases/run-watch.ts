import { setMaxListeners } from 'node:events';
import { checkTargetsInOrder, type CheckRequest, type CheckSettings } from './check-targets';
import type { CheckResult, Status } from '../core/check-result';
import type { CertwatchConfig } from '../core/config';
import { filePathOf, fileTarget, isFileTarget } from '../core/file-target';
import { foldObservation, type FoldOutcome, type ObservedResult } from '../core/escalation/fold';
import { damagedStateReason, readableStates, stateShapeProblems } from '../core/escalation/state-shape';
import { afterDelivery, isClaimable, withClaims, type Claim } from '../core/escalation/outbox';
import { isDigestDue, planDigest } from '../core/escalation/digest';
import { horizonOf, isBeyond } from '../core/escalation/clock';
import { foldDisappearance, foldListingRecovered } from '../core/escalation/retire';
import { resultFromLastReading } from '../core/last-known-result';
import {
  NoAnswerError,
  UnreadableStateError,
  VersionConflictError,
  type CertificateFileSource,
  type CertificateProbe,
  type CloudCertificateReaders,
  type ExpectedRevision,
  type NameResolver,
  type Notifier,
  type RunLedger,
  type StateListing,
  type StateStore,
  type StoredStates,
  type UnreadableItem,
} from '../core/ports';
import { ListedStates } from '../core/stored-states';
import { certificateIdForResult, certificateIdForTarget, certificateSourceOf } from '../core/certificate-id';
import { InvalidTargetError } from '../core/target';
import type { WatchState } from '../core/watch-state';
import { listCloudCertificates, type CloudListing, type ScopeListing } from './list-cloud-certificates';
import { retryOnConflict } from './retry-on-conflict';
import { RunOutcomes, type RunProblem, type TargetOutcome } from './run-outcomes';
import { Circuit, DEFAULT_RUN_DEADLINE_MS, guardedNotifier, guardedStore, LEASE_MARGIN_MS, RunControl } from './run-control';
import { Slots } from './slots';

export interface RunDependencies {
  readonly probe: CertificateProbe;
  /** Finds the addresses behind each target's host (the config's `check.dnsServers`, or the system's). */
  readonly resolver: NameResolver;
  /**
   * Its states are listed while the first targets are probed. A listing that fails (a store that could not open,
   * say) stops the run: no further target is probed, the probes in flight are abandoned, and the run rejects with
   * the store's error, having written and published nothing. A store that answers nothing in time (a NoAnswerError)
   * stops the run instead, as the run's circuit does: it resolves, saying why it stopped and what was left.
   */
  readonly store: StateStore;
  readonly notifier: Notifier;
  /** The run's clock: every decision in one run uses the same instant. */
  readonly now: Date;
  /**
   * The wall clock, given when `now` is simulated (`--now`): what tells a time a real clock wrote from one written by a
   * clock that was ahead (clock.ts). Absent: `now` is the clock, and the ledger records a run on the clock
   * (`lastClockRunAt`: a store real runs use, where the CLI refuses a `--now` far from the clock).
   */
  readonly clock?: Date;
  /**
   * Wall-clock time at which the run starts no more work (probes, decisions, publishes); it then has WRAP_UP_MS to
   * release its claims and record what it delivered. A Lambda passes its remaining invocation time minus a margin.
   * @default DEFAULT_RUN_DEADLINE_MS (5 minutes) from the start
   */
  readonly deadline?: Date;
  /** Stops the run early, like its deadline (a signal); the abort reason says why. */
  readonly stop?: AbortSignal;
  /** The wrap-up after the deadline or a stop. @default WRAP_UP_MS (10 s) */
  readonly wrapUpMs?: number;
  /** Called as targets finish probing (for a progress line). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Reads `file://` targets; without it (the Lambda) a file target is reported invalid. */
  readonly files?: CertificateFileSource;
  /** Lists ACM and IAM for a config with `acm` or `iam`; such a config without it is refused before anything runs. */
  readonly cloud?: CloudCertificateReaders;
}

/**
 * How a deployed function runs the same cycle on part of the watch: a worker's batch (its own items, read eventually
 * consistent, the run recorded by the worker that completes it), the inventory (ACM and IAM, no targets).
 */
export interface RunOptions {
  /**
   * Reads the states the folds start from, while the first targets are probed.
   * @default every stored state (a Scan), which also tells what is no longer configured
   */
  readonly readStates?: (store: StateStore, config: CertwatchConfig) => Promise<StateListing>;
  /**
   * A fold whose first write finds the item changed since it was read folds again, once, from a consistent read:
   * what states read eventually consistent need (a stale read only ever fails the write's condition).
   * @default false: the conflict is reported, the item left to the writer that won
   */
  readonly refoldOnConflict?: boolean;
  /**
   * Records the run in the ledger and sends the digest when due. Off for part of a deployed run.
   * @default true
   */
  readonly recordRun?: boolean;
  /**
   * Returns every certificate's state as the cycle left it (a deployed batch's metrics). Off, a run keeps of each
   * state only what its summary and digest need, so that its memory does not grow with the fleet.
   * @default false
   */
  readonly keepStates?: boolean;
  /**
   * What a deployed batch's summary says of a result's certificate (watch-batch.ts): `unchanged`, its state is as
   * stored with nothing due, so it is neither read, folded nor written; `unread`, `readStates` left it out, so it is read
   * on its own (consistently) and folded; `listed`, it is folded from what `readStates` gave. A promise is awaited
   * before the fold; one that rejects leaves the certificate unfolded, a store failure of the run.
   * @default every certificate is `listed`
   */
  readonly summarized?: (input: ObservedResult) => SummaryVerdict | Promise<SummaryVerdict>;
}

/** RunOptions.summarized */
export type SummaryVerdict = 'unchanged' | 'unread' | 'listed';

export type { RunProblem } from './run-outcomes';

/** A dependency that answered nothing within its time limit, and was called no more in the run. */
export interface UnansweredDependency {
  readonly dependency: string;
  readonly message: string;
}

export interface RunSummary {
  readonly at: string;
  readonly targets: number;
  readonly byStatus: Readonly<Record<Status, number>>;
  /** Targets that could not be parsed: reported, not stored. */
  readonly invalidTargets: readonly RunProblem[];
  readonly notificationsSent: number;
  /** Decided but not delivered (SNS failed, the run stopped, or another run holds the claim): retried next run. */
  readonly notificationsPending: number;
  /** The notices counted in notificationsPending, as `<certificateId> <kind>/<stage>`. */
  readonly pendingNotices: readonly string[];
  readonly publishFailures: readonly RunProblem[];
  readonly storeFailures: readonly RunProblem[];
  /**
   * Items in the store that are not readable states, under no configured target: skipped every run until
   * `certwatch forget` deletes them.
   */
  readonly unreadableItems: readonly RunProblem[];
  /**
   * Unreadable items under a configured target: replaced by this run's fresh state of it (conditionally on the item
   * being as read), so that the target is watched again; what they held is lost.
   */
  readonly replacedItems: readonly RunProblem[];
  /** Another run changed the item first: left to that run. */
  readonly conflicts: readonly string[];
  /**
   * Certificates in the store that no configured target names any more, sorted: no longer probed nor notified,
   * but still listed by `status` until `certwatch forget` deletes them. Empty when the run stopped early (it did
   * not get to every target).
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
  /** Why the run stopped before doing all its work (its deadline, a signal, a store that does not answer); null: it did not. */
  readonly stopped: string | null;
  /** Targets not probed, or probed but not recorded, because the run stopped: the next run watches them. */
  readonly targetsLeft: readonly string[];
  /** Dependencies that answered nothing in time: each was called no more in this run. */
  readonly unanswered: readonly UnansweredDependency[];
  /**
   * Certificates (and `certwatch#ledger`) last written by a clock ahead of this run's, beyond its horizon (a forward
   * clock jump, a `--force-now` run): what was decided beyond it was set aside, so they alert again as they should.
   */
  readonly aheadOfClock: readonly string[];
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

/**
 * Results judged and not yet folded (waiting for the listing, or for the store) beyond which probing waits: they would
 * otherwise pile up while a large listing is read or while the store falls behind.
 */
const FOLD_BACKLOG = 1_000;

/** What every step of one run shares: its ports (guarded by its circuits), its time and its control. */
interface RunContext {
  readonly config: CertwatchConfig;
  readonly now: Date;
  readonly store: StateStore;
  readonly notifier: Notifier;
  readonly control: RunControl;
  readonly notifierCircuit: Circuit;
  /** The wall clock at the start (`now`, unless simulated). */
  readonly clock: Date;
  /** Whether `now` is the clock (no simulated time was given). */
  readonly onTheClock: boolean;
  /** The latest time a record can honestly carry (clock.ts): anything later was written by a clock ahead. */
  readonly horizon: number;
  /** A claim by this run: it holds until the run's deadline and wrap-up are over, plus a margin (in the run's time). */
  claim(): Claim;
  /** RunOptions.refoldOnConflict */
  readonly refoldOnConflict: boolean;
}

/**
 * One full watch cycle: probe every target, judge, persist, decide, notify. Never stops on one target's failure.
 * Pipelined: the stored states are read while the first targets are probed, and each result is folded, written and
 * notified as soon as its probe answers, while the others are still being probed. A certificate's steps run in order:
 * write the decision and claim its outbox (one conditional write), publish, record what was sent. The config refuses
 * two targets with one certificate id, so no two folds in a run touch the same item.
 *
 * Bounded in time: at its deadline (or `stop`) the run starts no more probes, decisions or publishes; within
 * WRAP_UP_MS it releases the claims it made and did not publish and records what it delivered, and says what was
 * left. A dependency that answers nothing in time is called no more (a circuit): a silent store stops the run, a
 * silent notifier leaves the remaining notices pending, unclaimed, for the next run.
 */
export async function runWatch(config: CertwatchConfig, deps: RunDependencies): Promise<RunSummary> {
  return (await watchCycle(config, deps)).summary;
}

/** runWatch, with the options of a deployed function, and the states the cycle left (RunOptions.keepStates; none without). */
export async function watchCycle(config: CertwatchConfig, deps: RunDependencies, options: RunOptions = {}): Promise<{ readonly summary: RunSummary; readonly states: readonly WatchState[] }> {
  const hasCloud = config.cloud.acm.length + config.cloud.iam.length > 0;
  if (hasCloud && !deps.cloud) throw new CloudReadersMissingError();
  const control = new RunControl(deps.deadline ?? new Date(Date.now() + DEFAULT_RUN_DEADLINE_MS), deps.stop, deps.wrapUpMs);
  try {
    return await watch(config, deps, control, options);
  } finally {
    control.dispose();
  }
}

/** What every step of a run shares, guarded by circuits that stop the run when the store falls silent. */
function runContext(config: CertwatchConfig, deps: Pick<RunDependencies, 'store' | 'notifier' | 'now' | 'clock'>, control: RunControl, options: RunOptions) {
  const at = deps.now.toISOString();
  const storeCircuit = new Circuit();
  const notifierCircuit = new Circuit();
  storeCircuit.whenOpen((error) => control.stop(`${error.dependency} got no answer in time`));
  const run: RunContext = {
    config,
    now: deps.now,
    store: guardedStore(deps.store, storeCircuit, control.endSignal),
    notifier: guardedNotifier(deps.notifier, notifierCircuit, control.endSignal),
    control,
    notifierCircuit,
    clock: deps.clock ?? deps.now,
    onTheClock: deps.clock === undefined,
    horizon: horizonOf(deps.now, deps.clock ?? deps.now),
    claim: () => ({ claimedAt: at, claimedUntil: new Date(deps.now.getTime() + (control.endsAt - Date.now()) + LEASE_MARGIN_MS).toISOString() }),
    refoldOnConflict: options.refoldOnConflict ?? false,
  };
  return { run, storeCircuit, notifierCircuit };
}

async function watch(config: CertwatchConfig, deps: RunDependencies, control: RunControl, options: RunOptions): Promise<{ summary: RunSummary; states: WatchState[] }> {
  const at = deps.now.toISOString();
  const hasCloud = config.cloud.acm.length + config.cloud.iam.length > 0;
  const requests: CheckRequest[] = config.targets.map((t) => ({ target: t.target, servername: t.servername, caFiles: t.caFiles, filePath: t.filePath }));
  const settings: CheckSettings = { ...config.check, caFiles: [] };
  const { run, storeCircuit, notifierCircuit } = runContext(config, deps, control, options);

  const writesBefore = deps.store.writeCount;
  // No fold starts without the listing. One that failed stops the probing (the probes in flight abandoned) and is the
  // run's error; one that got no answer in time stops the run, as the store's circuit does (RunOptions.readStates
  // may read around the guarded store): what was probed is left as the store holds it, and the run says so.
  const listingFailed = new AbortController();
  const stored = readStoredStates(run.store, config, options).then((byId) => ({ byId, unreadable: new Map(byId.unreadable.map((item) => [item.key, item])) }));
  stored.catch((error: unknown) => {
    if (error instanceof NoAnswerError) control.stop(`${error.dependency} got no answer in time`);
    else listingFailed.abort(error);
  });
  // ACM and IAM are listed while the endpoints are probed.
  const cloudListing = hasCloud ? listCloudCertificates(config.cloud, config.check, { readers: deps.cloud!, now: () => deps.now }) : null;
  cloudListing?.catch(() => undefined); // awaited below

  const storeSlots = new Slots(STORE_CONCURRENCY);
  const observed = new Set<string>();
  // Once the run has stopped, a certificate not yet settled is left as the store holds it.
  const leftAs = (state: WatchState | undefined, target: string): TargetOutcome => ({ state, sent: 0, publishFailures: [], left: target });
  const settlers: Settlers = {
    observe: (previous, input, over, readFirst) => {
      observed.add(input.certificateId);
      const left = () => Promise.resolve(leftAs(previous, input.target));
      if (control.stopSignal.aborted) return left();
      return storeSlots.run(() => (control.stopSignal.aborted ? left() : settle(previous, input, over, run, readFirst)));
    },
    retire: (previous, outcome) => {
      observed.add(previous.certificateId);
      const left = () => Promise.resolve(leftAs(previous, previous.target));
      if (control.stopSignal.aborted) return left();
      return storeSlots.run(() => (control.stopSignal.aborted ? left() : settleRetirement(previous, outcome, run)));
    },
  };
  // Each result is folded as soon as it is judged, while the other targets are still being probed; of the results and
  // the states they lead to, only what the summary reports is kept (RunOutcomes).
  const tally = new RunOutcomes({ config, now: deps.now, keepStates: options.keepStates ?? false });
  const resultsOf = requests.map(() => 0);
  const fold = async (index: number, result: CheckResult): Promise<TargetOutcome[]> => {
    if (result.error?.code === 'INVALID_TARGET') return []; // reported, not stored
    const listing = await stored.catch(() => null);
    if (!listing) return [leftAs(undefined, result.target)];
    const { byId, unreadable } = listing;
    const { owner, tags, target } = config.targets[index];
    const base = { source: certificateSourceOf(result.target), owner, tags };
    // A file that cannot be read fails every certificate it held (their escalation goes on from what was read).
    const wholeFile = isFileTarget(target) && result.target === fileTarget(filePathOf(target));
    const ids = wholeFile ? certificatesOfFile(byId, result.target) : [certificateIdForResult(result)];
    return Promise.all(
      ids.map(async (id) => {
        const input: ObservedResult = { ...base, certificateId: id, target: wholeFile ? id : result.target, result: wholeFile ? { ...result, target: id } : result };
        let summarized: SummaryVerdict;
        try {
          summarized = await (options.summarized?.(input) ?? 'listed');
        } catch (error) {
          observed.add(id);
          return failedSettlement(id, byId.take(id), error, { sent: 0, publishFailures: [] });
        }
        const previous = byId.take(id); // out of the listing once folded: what the run holds shrinks as it goes
        if (summarized === 'unchanged') {
          // Left as stored, unread: it contributes no state and nothing sent.
          observed.add(id);
          return { sent: 0, publishFailures: [] };
        }
        // An unreadable item under a configured target must not silence it: a fresh state replaces it, if still as read.
        return settlers.observe(previous, input, previous ? undefined : unreadable.get(id), summarized === 'unread');
      }),
    );
  };
  // A run without its listing has failed, like one that stopped: no target is started after that, and the probes in
  // flight are abandoned (a silent target would hold the store's error for its whole timeout).
  const stopProbing = AbortSignal.any([listingFailed.signal, control.stopSignal]);
  setMaxListeners(0, stopProbing); // as on the run's own signals (RunControl): the probes in flight listen through onAbort
  const probing = checkTargetsInOrder(
    requests,
    settings,
    {
      probe: deps.probe,
      resolver: deps.resolver,
      files: deps.files,
      now: () => deps.now,
      onProgress: deps.onProgress,
      onResult: (index, result) => {
        resultsOf[index]++;
        tally.result(result, index);
        tally.settling('probed', index, fold(index, result));
        return tally.backlog(FOLD_BACKLOG, control.stopSignal);
      },
      signal: stopProbing,
    },
    () => undefined, // each result is tallied and folded as it comes (onResult): none is kept for an ordered list
  );
  // Stopped (deadline, signal, a silent store): what was probed is what there is. A listing that failed otherwise
  // rejects the run with the store's error.
  await probing.catch((error: unknown) => {
    if (!control.stopSignal.aborted) throw error;
  });
  const listing = await stored.catch((error: unknown) => {
    if (error instanceof NoAnswerError) return null;
    throw error;
  });

  const byId = listing?.byId ?? ListedStates.of({ states: [], unreadable: [] });
  const cloud = cloudListing && listing ? await settleListings(await cloudListing, byId, run, settlers) : NO_LISTINGS;
  for (const result of cloud.results) tally.result(result, requests.length);
  tally.settledNow('listed', requests.length, cloud.outcomes);
  requests.forEach((request, index) => {
    if (resultsOf[index] > 0) return;
    // Never probed (the run stopped first): what the store holds for it, pending notices among it, is what there is.
    // (A state of the wrong shape among them is not: the outcome's readers would fail on it.)
    const stored = storedStatesOf(byId, request).filter((state) => stateShapeProblems(state) === null);
    tally.settledNow('neverProbed', index, [leftAs(undefined, request.target), ...stored.map((state) => ({ state, sent: 0, publishFailures: [] }))]);
  });
  await tally.settled();

  let sent = tally.sent;
  const publishFailures: RunProblem[] = [];
  const storeFailures: RunProblem[] = [];
  const conflicts: string[] = [];
  const replacedItems: RunProblem[] = [];
  const targetsLeft: string[] = [];
  const pendingNotices: string[] = [];
  const finalStates: WatchState[] = [];
  const inDigest: WatchState[] = [];
  const aheadOfClock: string[] = [];
  for (const kept of tally.outcomes()) {
    const { outcome } = kept;
    pendingNotices.push(...kept.pending);
    if (kept.state) finalStates.push(kept.state);
    if (kept.state && kept.inDigest) inDigest.push(kept.state);
    if (outcome.left !== undefined) {
      targetsLeft.push(outcome.left);
      continue;
    }
    publishFailures.push(...outcome.publishFailures);
    if (outcome.storeFailure) storeFailures.push(outcome.storeFailure);
    if (outcome.conflict) conflicts.push(outcome.conflict);
    if (outcome.replaced) replacedItems.push(outcome.replaced);
    if (outcome.aheadOfClock && kept.certificateId !== null) aheadOfClock.push(kept.certificateId);
  }

  if (listing && !storeCircuit.openedBy && (options.recordRun ?? true)) {
    try {
      // The digest lists the configured targets as this run left them (a retired target is not reported forever).
      const digest = await deliverDigest(run, inDigest, publishFailures, { recordRun: true });
      sent += digest.sent;
      if (digest.ledgerAheadOfClock) aheadOfClock.push(LEDGER_ID);
    } catch (error) {
      if (error instanceof VersionConflictError) conflicts.push(error.certificateId);
      else storeFailures.push({ certificateId: LEDGER_ID, message: (error as Error).message });
    }
  }

  // A run that stopped early did not get to every target: it cannot tell what is no longer configured.
  const notInConfig = control.stoppedBecause === null ? [...byId.keys()].filter((certificateId) => !observed.has(certificateId)).sort() : [];
  const replacedIds = new Set(replacedItems.map((item) => item.certificateId));
  const unreadableItems = [...(listing?.unreadable.values() ?? [])].filter((item) => !replacedIds.has(item.key)).map((item) => ({ certificateId: item.key, message: item.reason }));

  const summary: RunSummary = {
    at,
    targets: tally.results + resultsOf.filter((count) => count === 0).length,
    byStatus: tally.byStatus,
    invalidTargets: tally.invalidTargets(),
    notificationsSent: sent,
    notificationsPending: pendingNotices.length,
    pendingNotices,
    publishFailures,
    storeFailures,
    unreadableItems,
    replacedItems,
    conflicts,
    notInConfig,
    listingFailures: cloud.failures,
    disappeared: cloud.disappeared,
    storeWrites: deps.store.writeCount - writesBefore,
    stopped: control.stoppedBecause,
    targetsLeft,
    unanswered: [storeCircuit.openedBy, notifierCircuit.openedBy].flatMap((error) => (error ? [{ dependency: error.dependency, message: error.message }] : [])),
    aheadOfClock,
  };
  return { summary, states: finalStates };
}

/** The certificate ids of the config's endpoint targets that parse (the others are reported by the probe, not stored). */
export function configuredCertificateIds(config: CertwatchConfig): string[] {
  return config.targets.flatMap((watched) => {
    try {
      return isFileTarget(watched.target) ? [] : [certificateIdForTarget(watched.target, watched.servername)];
    } catch (error) {
      if (error instanceof InvalidTargetError) return [];
      throw error;
    }
  });
}

/** What the deployed digest did. */
export interface DigestOutcome {
  readonly sent: number;
  readonly publishFailures: readonly RunProblem[];
  readonly unreadableItems: readonly RunProblem[];
}

/**
 * The deployed digest, on its own schedule: every stored state read (a Scan, once per digest period), those of the
 * configured targets listed, sent once per period as a run sends it. When the watcher last ran is the probe runs'
 * business: the ledger's lastRunAt is left as it is.
 */
export async function sendDigest(config: CertwatchConfig, deps: Pick<RunDependencies, 'store' | 'notifier' | 'now' | 'deadline'>): Promise<DigestOutcome> {
  const control = new RunControl(deps.deadline ?? new Date(Date.now() + DEFAULT_RUN_DEADLINE_MS));
  try {
    const { run } = runContext(config, deps, control, {});
    // Every state is read here (once per digest period): one of the wrong shape is set aside, not the digest.
    const { states, skipped } = readableStates(await run.store.list());
    const configured = new Set(configuredCertificateIds(config));
    const publishFailures: RunProblem[] = [];
    const current = states.filter((state) => configured.has(state.certificateId) && state.retiredAt === undefined);
    const { sent } = await deliverDigest(run, current, publishFailures, { recordRun: false });
    return { sent, publishFailures, unreadableItems: skipped.map((item) => ({ certificateId: item.key, message: item.reason })) };
  } finally {
    control.dispose();
  }
}

/** The run ledger, as the summary names it. */
const LEDGER_ID = 'certwatch#ledger';

/**
 * The states a run folds from: RunOptions.readStates, else the store's listing kept as stored (StateStore.listStored)
 * where the store offers it, else its listing.
 */
async function readStoredStates(store: StateStore, config: CertwatchConfig, options: RunOptions): Promise<StoredStates> {
  if (options.readStates) return ListedStates.of(await options.readStates(store, config));
  return store.listStored ? store.listStored() : ListedStates.of(await store.list());
}

/** The stored states of a configured target that was never probed: its certificate's, or every one of its file's. */
function storedStatesOf(byId: StoredStates, request: CheckRequest): WatchState[] {
  if (isFileTarget(request.target)) {
    const file = fileTarget(filePathOf(request.target));
    return [...byId.values()].filter((state) => state.certificateId.startsWith(`${file}#`));
  }
  try {
    const state = byId.get(certificateIdForTarget(request.target, request.servername));
    return state ? [state] : [];
  } catch {
    return []; // a target that does not parse has no state
  }
}


/** The stored certificates of a file (`file://PATH#N`); none yet: the file's own id, for its failure. */
function certificatesOfFile(byId: StoredStates, fileTarget: string): string[] {
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
async function settleListings(listing: CloudListing, byId: StoredStates, run: RunContext, settlers: Settlers): Promise<ListingsOutcome> {
  const { config, now } = run;
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
        folds.push(
          decided(state, () => {
            const result = resultFromLastReading(state, config.check, now);
            return result ? observe(state, { ...base(scope), certificateId: state.certificateId, target: state.target, result }) : Promise.resolve(NOTHING_DONE);
          }),
        );
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
      folds.push(decided(own, () => retire(own, foldListingRecovered(own, now))));
    }
    const listedNow = new Set(scope.certificateIds);
    for (const state of stateOf(scope).filter((state) => !listedNow.has(state.certificateId) && !taken.has(state.certificateId))) {
      taken.add(state.certificateId);
      disappeared.push(state.certificateId);
      folds.push(decided(state, () => retire(state, foldDisappearance(state, config.policy, now))));
    }
  }
  // Retired earlier and not listed again: what they still owe is delivered, then they go.
  for (const state of byId.values()) {
    if (state.retiredAt !== undefined && !taken.has(state.certificateId)) folds.push(retire(state, { state, planned: [] }));
  }
  const failures = listing.scopes.flatMap((scope) => (scope.error ? [{ certificateId: scope.id, message: scope.error.message }] : []));
  return { results: listing.results, outcomes: await Promise.all(folds), failures, disappeared: disappeared.sort() };
}

const NOTHING_DONE: TargetOutcome = { sent: 0, publishFailures: [] };

/**
 * What a listing decides about a stored state, or the failure of that one certificate when deciding it throws (a
 * stored state of the wrong shape): the rest of the run goes on.
 */
function decided(state: WatchState, decide: () => Promise<TargetOutcome>): Promise<TargetOutcome> {
  try {
    return decide();
  } catch (error) {
    return Promise.resolve(failedSettlement(state.certificateId, state, error, { sent: 0, publishFailures: [] }));
  }
}

/** How a run folds an observation into a state, or retires a state, each within the store's bound. */
interface Settlers {
  /**
   * `over`: an unreadable item under the certificate's key, which its first write replaces. `readFirst`: the state was
   * not listed: read it (consistently) and fold from that.
   */
  observe(previous: WatchState | undefined, input: ObservedResult, over?: UnreadableItem, readFirst?: boolean): Promise<TargetOutcome>;
  /** `outcome` null: nothing to say, the state is deleted at once. */
  retire(previous: WatchState, outcome: FoldOutcome | null): Promise<TargetOutcome>;
}

/** Folds one observation and delivers what it decided; a store failure or conflict is its outcome, not the run's. */
async function settle(previous: WatchState | undefined, input: ObservedResult, unreadableItem: UnreadableItem | undefined, run: RunContext, readFirst = false): Promise<TargetOutcome> {
  const progress: Progress = { sent: 0, publishFailures: [] };
  let from = previous;
  /** An item this run replaces with a fresh state: why, and the revision the replacing write expects. */
  let over: { readonly reason: string; readonly revision: ExpectedRevision } | undefined = unreadableItem;
  if (readFirst) {
    try {
      from = await run.store.get(input.certificateId);
    } catch (error) {
      if (!(error instanceof UnreadableStateError)) return failedSettlement(input.certificateId, undefined, error, progress);
      over = { reason: error.message, revision: error.revision };
    }
  }
  for (let attempt = 1; ; attempt++) {
    let fold: FoldOutcome;
    try {
      fold = foldObservation(from, input, run.config.policy, run.now, run.clock);
    } catch (error) {
      // A stored state of the wrong shape (damaged, edited by hand, another tool's write) is replaced with a fresh one,
      // as an unreadable item is; anything else is a fault of this run, reported as such.
      const damage = from === undefined ? null : damageOf(from, input.certificateId);
      if (from === undefined || damage === null) return failedSettlement(input.certificateId, from, error, progress);
      over = { reason: damagedStateReason(input.certificateId, damage, error), revision: from.version };
      from = undefined;
      continue;
    }
    try {
      const state = await deliver(from, fold.state, run, progress, over?.revision);
      return {
        state,
        ...progress,
        ...(over ? { replaced: { certificateId: input.certificateId, message: over.reason } } : {}),
        ...(fold.aheadOfClock ? { aheadOfClock: true as const } : {}),
      };
    } catch (error) {
      // RunOptions.refoldOnConflict: nothing is published before the claim's write, so a conflict on it leaves nothing
      // half done to fold again, once, from a consistent read.
      const refold = run.refoldOnConflict && attempt === 1 && error instanceof VersionConflictError && progress.sent === 0 && progress.publishFailures.length === 0;
      if (!refold) return failedSettlement(input.certificateId, from, error, progress);
      try {
        from = await run.store.get(input.certificateId);
      } catch (reread) {
        return failedSettlement(input.certificateId, from, reread, progress);
      }
    }
  }
}

/**
 * Retires a state: delivers what its retirement decided (a `disappeared` notice, a recovery), and deletes the state
 * once nothing is left to deliver (at once when nothing was decided). An undelivered notice keeps it for the next run.
 */
async function settleRetirement(previous: WatchState, outcome: FoldOutcome | null, run: RunContext): Promise<TargetOutcome> {
  const progress: Progress = { sent: 0, publishFailures: [] };
  try {
    if (!outcome) {
      await run.store.delete(previous.certificateId, previous.version);
      return { ...progress };
    }
    const state = await deliver(previous, outcome.state, run, progress);
    if (state.pending.length > 0) return { state, ...progress };
    await run.store.delete(state.certificateId, state.version);
    return { ...progress };
  } catch (error) {
    return failedSettlement(previous.certificateId, previous, error, progress);
  }
}

/** What makes a stored state one a fold cannot take: its shape, or another certificate's id in it; null when neither. */
function damageOf(state: WatchState, certificateId: string): string | null {
  if (typeof state.certificateId === 'string' && state.certificateId !== certificateId) return `it holds the state of ${JSON.stringify(state.certificateId)}`;
  return stateShapeProblems(state);
}

/** What was published before a failed write still counts: it was sent (and is sent again once the claim lapses). */
function failedSettlement(certificateId: string, previous: WatchState | undefined, error: unknown, progress: Progress): TargetOutcome {
  // A stored state of the wrong shape is not handed on (the outcome's readers would fail on it too); the error it
  // caused (a TypeError from a retirement that read it) says what is wrong with it.
  const damage = previous === undefined ? null : stateShapeProblems(previous);
  const caused = damage !== null && (error instanceof TypeError || error instanceof RangeError);
  const message = caused ? damagedStateReason(certificateId, damage, error) : (error as Error).message;
  const failure = error instanceof VersionConflictError ? { conflict: certificateId } : { storeFailure: { certificateId, message } };
  return { state: damage === null ? previous : undefined, ...progress, ...failure };
}

/** What a fold has delivered so far: kept even when a later write fails. */
interface Progress {
  sent: number;
  publishFailures: RunProblem[];
}

/**
 * Writes a folded state and claims its outbox in one conditional write (the decision is durable, and a racing run
 * loses the write, before anything is sent), publishes what it claimed, then records what was delivered and
 * releases what was not, for the next run. Nothing is claimed once the run has stopped or its notifier has gone
 * silent: the decision is written, its notices left unclaimed for the next run. `over`: the unreadable item the
 * first write replaces.
 */
async function deliver(previous: WatchState | undefined, folded: WatchState, run: RunContext, progress: Progress, over?: ExpectedRevision): Promise<WatchState> {
  const publishing = () => !run.control.stopSignal.aborted && !run.notifierCircuit.openedBy;
  const claimed = publishing() ? folded.pending.filter((n) => isClaimable(n, run.now)).map((n) => n.id) : [];
  let state = claimed.length > 0 ? withClaims(folded, claimed, run.claim()) : folded;
  if (previous === undefined || claimed.length > 0 || meaningfullyChanged(previous, state)) {
    state = await run.store.put(state, previous?.version ?? over ?? 0);
  }
  if (claimed.length === 0) return state;

  const delivered = new Map<string, string>();
  for (const notification of state.pending.filter((n) => claimed.includes(n.id))) {
    // Stopped, or the notifier went silent meanwhile: the rest is released below, for the next run.
    if (!publishing()) break;
    try {
      delivered.set(notification.id, (await run.notifier.publish(notification)).messageId);
      progress.sent++;
    } catch (error) {
      progress.publishFailures.push({ certificateId: state.certificateId, message: `notification ${notification.id}: ${(error as Error).message}` });
    }
  }
  return recordDelivery(run.store, state, claimed, delivered, run.now);
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
 * The digest (when configured): planned from the states of the configured targets, sent once per period and never
 * twice within one (isDigestDue). The ledger records the last digest delivered and when the watcher last ran (and
 * last ran on the clock); the digest is claimed in the ledger before it is published, like a notification, and a
 * failed publish is retried by the next run. A run that stopped early, or whose notifier went silent, only records
 * that it ran. A run in the past never moves the ledger back; a ledger written by a clock that was ahead does not
 * hold this run back (its times beyond the horizon are set aside).
 */
async function deliverDigest(run: RunContext, states: readonly WatchState[], publishFailures: RunProblem[], options: { readonly recordRun: boolean }): Promise<{ sent: number; ledgerAheadOfClock: boolean }> {
  const { config, now, store, horizon } = run;
  const stored = await store.getLedger();
  const nowIso = now.toISOString();
  const ledgerAheadOfClock = [stored.lastRunAt, stored.lastDigestAt, stored.digestClaim?.claimedAt].some((time) => isBeyond(time, horizon));
  let ledger: RunLedger = {
    ...stored,
    ...(options.recordRun
      ? {
          // The latest run, unless a clock that was ahead wrote it: a run in the past leaves it as it was.
          lastRunAt: stored.lastRunAt && !isBeyond(stored.lastRunAt, horizon) && stored.lastRunAt > nowIso ? stored.lastRunAt : nowIso,
          ...(run.onTheClock ? { lastClockRunAt: nowIso } : {}),
        }
      : {}),
    lastDigestAt: isBeyond(stored.lastDigestAt, horizon) ? null : stored.lastDigestAt,
    digestClaim: isBeyond(stored.digestClaim?.claimedAt, horizon) ? null : stored.digestClaim,
  };
  const publishing = !run.control.stopSignal.aborted && !run.notifierCircuit.openedBy;
  const digest = config.digest && publishing ? planDigest(states, config.policy, now, config.digest) : null;
  const claimable = digest && config.digest && isDigestDue(ledger, digest.id, config.digest.everyMs, now, horizon) && isClaimable(ledger.digestClaim, now);
  if (!digest || !claimable) {
    await store.putLedger(ledger, stored.version);
    return { sent: 0, ledgerAheadOfClock };
  }
  ledger = await store.putLedger({ ...ledger, digestClaim: { id: digest.id, ...run.claim() } }, stored.version);
  let next: RunLedger;
  try {
    await run.notifier.publish(digest);
    next = { ...ledger, digestSentFor: digest.id, lastDigestAt: nowIso, digestClaim: null };
  } catch (error) {
    publishFailures.push({ certificateId: digest.certificateId, message: `digest ${digest.id}: ${(error as Error).message}` });
    next = { ...ledger, digestClaim: null };
  }
  await store.putLedger(next, ledger.version);
  return { sent: next.digestSentFor === digest.id ? 1 : 0, ledgerAheadOfClock };
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
