import type { AcmCertificateDetail, AcmCertificateSummary } from './acm-certificate';
import type { BatchSummary, ChangeJournalRecord } from './batch-summary';
import type { CheckError, ErrorCode, Observation } from './check-result';
import type { AwsScope } from './cloud-scope';
import type { Target } from './target';
import type { PlannedNotification, WatchState } from './watch-state';
import type { ProbeBatchMessage } from './watch-plan';

// Narrow interfaces between the use cases and the adapters (TLS, DynamoDB, SNS, local files).

export interface ProbeSettings {
  /** The whole probe, from connect through STARTTLS to the end of the handshake. */
  readonly timeoutMs: number;
  /** Extra trust anchors (PEM files) on top of Node's roots. */
  readonly caFiles?: readonly string[];
  /** Once aborted, the probe gives up at once (its run's time is up), closing what it opened. */
  readonly signal?: AbortSignal;
}

/** A per-target failure with a stable code; never stops the other targets. */
export class ProbeError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProbeError';
  }
}

/** Reads the certificate chain a target serves: facts only, judged by the use case. Throws a ProbeError. */
export interface CertificateProbe {
  /**
   * `address`: the IP address to connect to, one of those behind the target's host (the name is still sent as SNI
   * and verified). Without one, the probe connects to the host as the system resolves it.
   */
  probe(target: Target, settings: ProbeSettings, address?: string): Promise<Observation>;
}

/** Finds the addresses behind a host name: the system's resolver, or DNS servers of the user's choosing. */
export interface NameResolver {
  /**
   * Every address of `name` (A and AAAA), at least one, in the order the resolver gave them. Throws a ProbeError:
   * `DNS_NOT_FOUND` when the name has no address, `DNS_<code>` for other failures (`DNS_TIMEOUT`, `DNS_SERVFAIL`).
   */
  resolve(name: string, settings: ResolveSettings): Promise<readonly string[]>;
}

export interface ResolveSettings {
  /** The lookup of one name, retries included. */
  readonly timeoutMs: number;
}

export interface FileReadSettings {
  /** Opens PKCS#12 files (from --password-env: never logged, never printed). */
  readonly password?: string;
  /** Extra trust anchors (PEM files) on top of Node's roots and the bundle's own self-signed CAs. */
  readonly caFiles?: readonly string[];
}

/** One certificate of a file, in file order: what it was seen as (its chain from the same file), or why that part is unreadable. */
export type FileCertificate = { readonly observation: Observation } | { readonly problem: string };

/**
 * Reads the certificates of a file (PEM bundle, DER, PKCS#7, PKCS#12). Throws a ProbeError for the whole file:
 * FILE_NOT_FOUND, FILE_UNREADABLE, NOT_A_CERTIFICATE or PASSWORD_REQUIRED, its message naming the file.
 */
export interface CertificateFileSource {
  read(path: string, settings: FileReadSettings): Promise<FileCertificate[]>;
}

/**
 * One account's ACM certificates in one region. Calls throw a ProbeError: ACCESS_DENIED, ASSUME_ROLE_FAILED, or
 * AWS_REQUEST_FAILED once the SDK's retries are spent (throttling is absorbed by them, never a missing certificate).
 */
export interface AcmCertificateReader {
  /** The region read: the one asked for, or the SDK's (a ProbeError when none is configured). */
  region(): Promise<string>;
  /** Every certificate with a validity (issued, expired, revoked), of every key type, all pages. */
  listCertificates(): Promise<AcmCertificateSummary[]>;
  describeCertificate(arn: string): Promise<AcmCertificateDetail>;
}

/** One IAM server certificate, read whole (body and uploaded chain), or why it could not be read. */
export type IamServerCertificate = { readonly arn: string } & ({ readonly observation: Observation } | { readonly error: CheckError });

/** One account's IAM server certificates (IAM is global). Throws a ProbeError as AcmCertificateReader does. */
export interface IamCertificateReader {
  listServerCertificates(): Promise<IamServerCertificate[]>;
}

/** Builds the readers of each scope (an account, reached with the default credentials or an assumed role, and a region). */
export interface CloudCertificateReaders {
  acm(scope: AwsScope): AcmCertificateReader;
  iam(scope: AwsScope): IamCertificateReader;
}

/**
 * A dependency (the state store, the notifier) answered nothing within its own time limit: a silent endpoint. Whether
 * a write it was sent took effect is unknown. A run calls that dependency no more (a circuit), so that a dead store
 * or topic costs one time limit, not one per certificate.
 */
export class NoAnswerError extends Error {
  constructor(
    /** What did not answer, for messages: `DynamoDB table certwatch`, `SNS`. */
    readonly dependency: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'NoAnswerError';
  }
}

export class VersionConflictError extends Error {
  constructor(readonly certificateId: string) {
    super(`state of ${certificateId} was changed by another run`);
    this.name = 'VersionConflictError';
  }
}

/**
 * An item that is not a readable state, as the store saw it: opaque data (made and read by the store adapter) that
 * lets a later write or delete over it be conditional on the item still being exactly that, whatever it holds (no
 * version, or one that is not a number).
 */
export interface UnreadableRevision {
  readonly unreadable: string;
}

/** What a write or delete expects to find: a state's version (0: nothing), or an unreadable item as it was read. */
export type ExpectedRevision = number | UnreadableRevision;

/** A stored item under a certificate's key that is not a readable certwatch state (corrupt, foreign, too new). */
export class UnreadableStateError extends Error {
  constructor(
    readonly certificateId: string,
    message: string,
    /** The item as read: the condition for deleting or replacing it. */
    readonly revision: UnreadableRevision,
  ) {
    super(message);
    this.name = 'UnreadableStateError';
  }
}

/** Run-level bookkeeping: one record beside the certificates' states. */
export interface RunLedger {
  /** When the last run finished: `certwatch status` shows it; a stale one means the watcher stopped. */
  readonly lastRunAt: string | null;
  /** The id of the last digest delivered (ids name their period, so one digest per period). */
  readonly digestSentFor: string | null;
  /** A digest being published by a run (claimed like a notification, so racing runs send it once). */
  readonly digestClaim: { readonly id: string; readonly claimedAt: string; readonly claimedUntil?: string } | null;
  /** When the last digest was delivered (its run's time): the next waits at least the digest's period. */
  readonly lastDigestAt: string | null;
  /**
   * When a run on the wall clock (not a `--now` simulation) last finished: a store real runs use, where a `--now`
   * far from the clock is refused (unless forced).
   */
  readonly lastClockRunAt: string | null;
  readonly version: number;
}

export const EMPTY_LEDGER: RunLedger = { lastRunAt: null, digestSentFor: null, digestClaim: null, lastDigestAt: null, lastClockRunAt: null, version: 0 };

/** A stored item that is not a readable certwatch state (foreign, corrupt, from an incompatible version). */
export interface UnreadableItem {
  readonly key: string;
  readonly reason: string;
  /** The item as read: the condition for deleting it, or for a run replacing it with a fresh state. */
  readonly revision: UnreadableRevision;
}

export interface StateListing {
  readonly states: WatchState[];
  /** Skipped, so that one bad item does not stop every run; reported by the caller. */
  readonly unreadable: UnreadableItem[];
}

/** A listed state as stored: its JSON document (the state without its key and version), or, rarely, the state itself. */
export type StoredDocument =
  | { readonly certificateId: string; readonly version: number; readonly document: string }
  | { readonly certificateId: string; readonly state: WatchState };

/**
 * A listing as a watch run reads it: each state kept as stored (its JSON document, about half the memory of the
 * object) and read when asked for, so that a large fleet's listing is never held as objects all at once. Map-like.
 */
export interface StoredStates {
  /** Skipped, as by `list()`. */
  readonly unreadable: readonly UnreadableItem[];
  has(certificateId: string): boolean;
  /** The listed state (read again at each call); undefined when not listed, or taken. */
  get(certificateId: string): WatchState | undefined;
  /** As `get`, and out of the listing: a run takes each state it folds. */
  take(certificateId: string): WatchState | undefined;
  /** The certificates still listed. */
  keys(): IterableIterator<string>;
  /** The states still listed, each read as it comes. */
  values(): IterableIterator<WatchState>;
}

export interface StateStore {
  /** Throws UnreadableStateError for an item that is there but not a readable state. */
  get(certificateId: string): Promise<WatchState | undefined>;
  /** Every watched certificate (paginated underneath); unreadable items are skipped and listed. */
  list(): Promise<StateListing>;
  /**
   * The same listing, each state kept as stored until read (StoredStates): what a watch run reads. A store without it
   * is listed with `list()`.
   */
  listStored?(): Promise<StoredStates>;
  /**
   * Writes `next` only if the stored version is still `expected` (0: the item must not exist yet; an unreadable
   * revision: the unreadable item must still be exactly as read, and is replaced). Stores `next` with the version
   * after it (`expected + 1`; 1 over an unreadable item), returned. Throws VersionConflictError otherwise.
   */
  put(next: WatchState, expected: ExpectedRevision): Promise<WatchState>;
  /**
   * Deletes a certificate's state only if it is still as expected: its stored version (a run that wrote it since
   * wins), or an unreadable item exactly as read. Throws VersionConflictError otherwise, also when it is gone already.
   */
  delete(certificateId: string, expected: ExpectedRevision): Promise<void>;
  getLedger(): Promise<RunLedger>;
  /** Conditional on the version read, like `put`. */
  putLedger(next: RunLedger, expectedVersion: number): Promise<RunLedger>;
  /** Writes issued so far (benchmarks count them). */
  readonly writeCount: number;
}

/** Reads the states of named certificates at once (a deployed worker's batch), instead of listing the table. */
export interface StateBatchReader {
  /**
   * The stored states of `certificateIds` (absent ones are not listed); unreadable items are skipped and listed.
   * Eventually consistent: a state written a moment ago may be read as it was before, which only ever makes the
   * next conditional write fail (read again consistently then).
   */
  getMany(certificateIds: readonly string[]): Promise<StateListing>;
}

/** What a deployed batch reads before it probes: its summary and the change journal (batch-summary.ts). */
export interface BatchSummaryRead {
  /** null: none stored under the key, or one that is not readable (`unreadable` says why). */
  readonly summary: BatchSummary | null;
  /** The version of the item under the key, readable or not (0: none): the condition of the next write. */
  readonly storedVersion: number;
  readonly unreadable: string | null;
  /**
   * null: the journal is not readable (`journalUnreadable` says why). The summary is still returned, so that entries
   * can be removed before certificates are folded; none is trusted, and the batch writes none, until it is readable.
   */
  readonly journal: ChangeJournalRecord | null;
  readonly journalUnreadable: string | null;
}

/** Where a deployed batch's summary is kept, beside the states. */
export interface BatchSummaryStore {
  /**
   * The summary under `key` and the change journal, in one read, eventually consistent: a summary or journal a moment
   * old only makes the batch read more states (its entries are older, its journal shorter). A journal that is not
   * readable is no error (`journal` null: the batch reads every state then); a failed read is. `consistent`: both read
   * consistently (after a conditional write lost to another worker's, to write again over what it wrote).
   */
  readBatchSummary(key: string, options?: { readonly consistent?: boolean }): Promise<BatchSummaryRead>;
  /**
   * Writes `next` only if the item under its key is still at `expectedVersion` (0: none, or one without a version);
   * throws VersionConflictError otherwise. Returns it with its new version.
   */
  writeBatchSummary(next: BatchSummary, expectedVersion: number): Promise<BatchSummary>;
}

/**
 * The change journal: changes people make to states between probe runs (acknowledge, forget), so that a deployed
 * batch reads those certificates again instead of trusting its summary.
 */
export interface ChangeJournalStore {
  /** Read consistently: the version is the condition of the next write. */
  getJournal(): Promise<ChangeJournalRecord>;
  /** Conditional on the version read, like `putLedger`: VersionConflictError otherwise. */
  putJournal(next: ChangeJournalRecord, expectedVersion: number): Promise<ChangeJournalRecord>;
}

/** A deployed probe run: sent as `batches` batches, complete when every batch is done. */
export interface ProbeRun {
  readonly runId: string;
  readonly batches: number;
  readonly startedAt: string;
}

/** Counts a deployed probe run's batches as workers finish them, so that one of them knows the run is complete. */
export interface ProbeRunTracker {
  /** Records a new run, superseding the one before (whose batches still left no longer count). */
  begin(run: ProbeRun): Promise<void>;
  /**
   * Counts one batch of `runId` done. The run when this batch was its last (for exactly one caller), else null:
   * batches are still to come, or a later run has superseded this one.
   */
  batchDone(runId: string, at: Date): Promise<ProbeRun | null>;
}

/** Where a probe run's batches go for the workers. */
export interface ProbeBatchQueue {
  /** Sends every message, or throws naming how many could not be sent. */
  send(messages: readonly ProbeBatchMessage[]): Promise<void>;
}

export interface PublishResult {
  /** SNS MessageId, or a local notifier's id. */
  readonly messageId: string;
}

/** Publishes one decided notification to its audiences. Throws when it could not be delivered. */
export interface Notifier {
  publish(notification: PlannedNotification): Promise<PublishResult>;
}
