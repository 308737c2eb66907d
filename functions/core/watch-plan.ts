import * as z from 'zod';
import { MAX_PROBES_PER_WORKER } from './check-settings';
import { ConfigError, parseConfig, type CertwatchConfig, type ConfigInput, type TargetEntry } from './config';
import { groupBySize } from './size-groups';

// What the AWS deployment carries from `cdk synth` to its functions. The scheduled function's bundle holds the
// watch plan: the config without addresses, its targets cut into batches. Each probe run sends every batch as one
// SQS message, itself a small config file (the shared part and the batch's targets) that the worker parses with
// the same validator as `certwatch run`. Pure: the files and messages are written and read by the adapters.

/** The config every batch shares, as the config file writes it, without `targets`. */
export type SharedConfigInput = Omit<ConfigInput, 'targets'>;

export interface WatchPlan {
  readonly version: 1;
  readonly shared: SharedConfigInput;
  readonly batches: readonly (readonly TargetEntry[])[];
  /**
   * A batch still unstarted this long after it was sent is dropped: the next run, already sent, covers its targets
   * (the probe schedule's longest gap).
   */
  readonly batchLifetimeMs: number;
}

/** One SQS message: batch `batch` of `batches` of run `runId`. */
export interface ProbeBatchMessage {
  readonly version: 1;
  readonly runId: string;
  readonly batch: number;
  readonly batches: number;
  readonly sentAt: string;
  readonly expiresAt: string;
  readonly config: ConfigInput;
}

/** The file name of the watch plan beside the scheduled function's handler. */
export const WATCH_PLAN_FILE = 'watch-plan.json';

/**
 * SQS takes messages up to 256 KiB; a batch stays well below so that the shared part (policy) and JSON escaping
 * never push one over.
 */
export const MAX_BATCH_MESSAGE_BYTES = 200 * 1024;

export interface BatchLimits {
  /** Targets per batch. */
  readonly maxTargets: number;
  /** Bytes of a batch's targets as JSON. @default MAX_BATCH_MESSAGE_BYTES */
  readonly maxBytes?: number;
}

/** Cuts the targets into batches of at most `maxTargets` and `maxBytes`, in config order. */
export function planBatches(targets: readonly TargetEntry[], limits: BatchLimits): TargetEntry[][] {
  const maxBytes = limits.maxBytes ?? MAX_BATCH_MESSAGE_BYTES;
  const bytesOf = (entry: TargetEntry) => Buffer.byteLength(JSON.stringify(entry)) + 1;
  const oversized = targets.find((entry) => bytesOf(entry) > maxBytes);
  if (oversized !== undefined) {
    const name = typeof oversized === 'string' ? oversized : oversized.target;
    throw new Error(`target ${name} alone is ${bytesOf(oversized)} bytes as JSON, over a batch's ${maxBytes}`);
  }
  return groupBySize(targets, { maxCount: limits.maxTargets, maxBytes }, bytesOf);
}

export class InvalidBatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidBatchError';
  }
}

const planSchema = z.object({
  version: z.literal(1),
  shared: z.record(z.string(), z.unknown()),
  batches: z.array(z.array(z.unknown()).min(1)),
  batchLifetimeMs: z.number().int().positive(),
});

const messageSchema = z.object({
  version: z.literal(1),
  runId: z.string().min(1).max(100),
  batch: z.number().int().min(0),
  batches: z.number().int().min(1),
  sentAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  config: z.record(z.string(), z.unknown()),
});

/** Validates a watch plan's envelope (its config is validated batch by batch, where it is used). */
export function parseWatchPlan(json: unknown, source: string): WatchPlan {
  const parsed = planSchema.safeParse(json);
  if (!parsed.success) throw new ConfigError(source, parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`));
  return parsed.data as unknown as WatchPlan;
}

/** The message that carries batch `batch` of a run. */
export function probeBatchMessage(plan: WatchPlan, batch: number, run: { readonly runId: string; readonly sentAt: Date }): ProbeBatchMessage {
  return {
    version: 1,
    runId: run.runId,
    batch,
    batches: plan.batches.length,
    sentAt: run.sentAt.toISOString(),
    expiresAt: new Date(run.sentAt.getTime() + plan.batchLifetimeMs).toISOString(),
    config: { ...plan.shared, targets: [...plan.batches[batch]] },
  };
}

/** The whole config of a plan: every batch's targets under the shared part (the digest lists them all). */
export function planConfig(plan: WatchPlan, source: string): CertwatchConfig {
  return parseConfig({ ...plan.shared, targets: plan.batches.flat() }, source);
}

/** Reads one SQS message body: the envelope, then its config with the config file's validator. */
export function parseProbeBatch(body: string): { readonly message: ProbeBatchMessage; readonly config: CertwatchConfig } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new InvalidBatchError('the message is not JSON');
  }
  const parsed = messageSchema.safeParse(json);
  if (!parsed.success) throw new InvalidBatchError(`not a probe batch: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`).join('; ')}`);
  const message = parsed.data as unknown as ProbeBatchMessage;
  if (message.batch >= message.batches) throw new InvalidBatchError(`batch ${message.batch} of a run of ${message.batches} batches`);
  try {
    return { message, config: parseConfig(message.config, `batch ${message.batch + 1}/${message.batches} of run ${message.runId}`, { fileTargets: 'refuse' }) };
  } catch (error) {
    if (error instanceof ConfigError) throw new InvalidBatchError(error.message);
    throw error;
  }
}

/** Time a worker needs beyond its probes: reading the batch's summary and states, writes, publishes, the run's progress. */
export const WORKER_OVERHEAD_MS = 60_000;

/** Lambda's limit for one invocation. */
export const LAMBDA_MAX_TIMEOUT_MS = 15 * 60_000;

/** How long SQS hides a batch a worker took, in worker timeouts: AWS's advice for a Lambda event source. */
export const VISIBILITY_TIMEOUTS = 6;

/** Receives of a batch before it goes to the dead-letter queue: the first, and two retries. */
export const MAX_RECEIVES = 3;

/** The batch size a deployment prefers (fewer, larger batches: fewer cold starts, requests and progress writes). */
export const PREFERRED_BATCH_SIZE = 250;

export interface ProbeCapacityInput {
  readonly targets: number;
  readonly batchSize: number;
  /** Handshakes at once in a worker (each address behind a name is one); at most MAX_PROBES_PER_WORKER count. */
  readonly concurrency: number;
  /** The config's `check.timeoutMs`: the longest a name's lookup, or one address's probe, can take. */
  readonly timeoutMs: number;
  /** The config's `check.maxAddresses`: addresses probed behind each name, at most. */
  readonly maxAddresses: number;
  /** Workers at most at once (the event source's maximum concurrency). */
  readonly workers: number;
  /** The probe schedule's longest gap: a batch older than that is dropped (the next run covers it). */
  readonly periodMs: number;
}

export interface ProbeCapacity {
  readonly batches: number;
  readonly probesPerWorker: number;
  /**
   * A batch in which every address of every target times out: the lookups (at once), the handshakes in waves of
   * `probesPerWorker`, and the worker's overhead. The worker's timeout.
   */
  readonly worstBatchMs: number;
  /**
   * A run in which every target (one address each) times out: its batches in waves of `workers`. What must fit in
   * a schedule period (a fleet of names with many addresses each multiplies the handshakes).
   */
  readonly worstRunMs: number;
  /** How long SQS hides a batch a worker took: VISIBILITY_TIMEOUTS worker timeouts. A failed batch is offered again then. */
  readonly visibilityTimeoutMs: number;
  /**
   * Retries of a failed batch that come within the schedule period (at most MAX_RECEIVES - 1): each comes one
   * visibility timeout after the last attempt began, and a batch older than the period is dropped.
   */
  readonly retriesWithinPeriod: number;
}

/** The arithmetic behind the worker's timeout, the queue's visibility, and the promise that a run ends inside its period. */
export function probeCapacity(input: ProbeCapacityInput): ProbeCapacity {
  const batches = Math.ceil(input.targets / input.batchSize);
  const probesPerWorker = Math.min(input.concurrency, MAX_PROBES_PER_WORKER);
  const batchMs = (addressesEach: number) => input.timeoutMs + Math.ceil((input.batchSize * addressesEach) / probesPerWorker) * input.timeoutMs + WORKER_OVERHEAD_MS;
  const worstBatchMs = batchMs(input.maxAddresses);
  const visibilityTimeoutMs = VISIBILITY_TIMEOUTS * Math.ceil(worstBatchMs / 1000) * 1000;
  // Attempt k begins (k - 1) visibility timeouts after the first, and must begin inside the period.
  const retries = Math.max(0, Math.floor((input.periodMs - worstBatchMs) / visibilityTimeoutMs));
  return {
    batches,
    probesPerWorker,
    worstBatchMs,
    worstRunMs: Math.ceil(batches / input.workers) * batchMs(1),
    visibilityTimeoutMs,
    retriesWithinPeriod: Math.min(MAX_RECEIVES - 1, retries),
  };
}

/**
 * The largest batch, at most `preferred`, whose worst case fits in one Lambda invocation and leaves a failed batch
 * its retries (MAX_RECEIVES - 1) within the schedule period; when no batch does (a short period, long time-outs), the
 * largest that fits in one invocation. 0: not even one target fits.
 */
export function largestBatchSize(input: Omit<ProbeCapacityInput, 'targets' | 'batchSize' | 'workers'>, preferred: number): number {
  const capacity = (size: number) => probeCapacity({ ...input, targets: size, batchSize: size, workers: 1 });
  const fits = (size: number) => capacity(size).worstBatchMs <= LAMBDA_MAX_TIMEOUT_MS;
  for (let size = preferred; size >= 1; size--) {
    if (fits(size) && capacity(size).retriesWithinPeriod === MAX_RECEIVES - 1) return size;
  }
  for (let size = preferred; size >= 1; size--) if (fits(size)) return size;
  return 0;
}
