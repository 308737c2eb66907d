import { userInfo } from 'node:os';
import { ConfigError, type CertwatchConfig } from '../core/config';
import { AcknowledgementError } from '../core/escalation/acknowledge';
import { readableStates } from '../core/escalation/state-shape';
import { certificateIdForTarget } from '../core/certificate-id';
import { isFileTarget } from '../core/file-target';
import { InvalidTargetError } from '../core/target';
import { loadConfigFile } from '../config-file/load-config-file';
import { createResolver } from '../probes/dns/create-resolver';
import type * as CertificateFilesModule from '../probes/files/certificate-files';
import type * as CloudReaders from '../probes/cloud-readers';
import { TlsProbe } from '../probes/tls-probe';
import { acknowledgeCertificate, UnknownCertificateError } from '../use-cases/acknowledge-certificate';
import { forgetCertificate } from '../use-cases/forget-certificate';
import { journalledStore } from '../use-cases/journalled-store';
import { runWatch, type RunSummary } from '../use-cases/run-watch';
import { statusReport, type StatusRow } from '../use-cases/status-report';
import type { Notifier, StateStore } from '../core/ports';
import { CLOCK_TOLERANCE_MS } from '../core/escalation/clock';
import type { CliIo } from './cli-io';
import { terminalSafe } from '../core/safe-text';
import { renderColumns } from './render-table';
import { UsageError } from './usage-error';
import type { AckFlags, ForgetFlags, RunFlags, StatusFlags, StoreFlags } from './options';
import { openStore, type OpeningStore, type OpenStore } from './store-wiring';
import { OpeningStateStore } from './opening-state-store';
import { NoLocalStoreError } from './local-store/embedded-dynamodb';
import { createNotifier, parseInstant } from './watch-wiring';
import { parseDuration } from '../core/duration';

// The watch commands' work, loaded only when one of them runs: it pulls in the AWS SDK, dynalite and the
// config validator, which `certwatch check` has no use for.

/** `opening`: the run's store, which the caller started opening before loading this module (store-wiring.ts). */
export async function runCommand(flags: RunFlags, io: CliIo, setExitCode: (code: number) => void, opening: OpeningStore): Promise<void> {
  let now: Date;
  let config: CertwatchConfig;
  let notifier: Notifier;
  let deadline: Date;
  const clock = new Date();
  try {
    deadline = new Date(Date.now() + parseDeadline(flags.deadline));
    now = flags.now ? parseInstant('--now', flags.now) : clock;
    config = readConfig(flags.config);
    notifier = createNotifier(flags.notify, { topicArn: config.snsTopicArn, now: () => now, write: io.err });
    if (opening.journal) refuseLocalNoticesOnSharedTable(flags, opening.description);
  } catch (error) {
    await opening.close();
    throw error;
  }
  // Only now is the store's directory taken (created on a first run): a run refused above leaves none behind. A store
  // held by another certwatch fails here, before any probe; the rest of the opening overlaps probing.
  opening.proceed();
  // Meanwhile (the store's thread, told at once, taking the lock), the first handshakes' trust stores are built.
  const probe = new TlsProbe();
  probe.prepare(firstCaFileSets(config));
  await opening.held;
  // A --now far from the clock is refused on a store that runs on the clock use: told by its ledger, read while the
  // first targets are probed. The run's store waits for the answer, so a refused run reads, writes and publishes
  // nothing: its listing fails with the refusal, which stops the probing (see runWatch) and is the run's error.
  const guarded = new OpeningStateStore(refuseSimulatedTimeOnClockStore(opening.store, flags, now, clock).then(() => opening.store));
  // A table deployed workers use: its change journal is told before the run's first write and after its last.
  const journalled = opening.journal ? journalledStore(guarded, opening.journal) : null;
  const signals = io.stopOnSignals?.();
  try {
    const progress = io.progress ? (done: number, total: number) => io.progress?.(`certwatch: probed ${done}/${total} targets`) : undefined;
    // --dns-server replaces the config's servers, as every command-line option overrides the config.
    const resolver = createResolver(flags.dnsServer ?? config.check.dnsServers);
    // The ACM, IAM and STS clients load only for a config that lists ACM or IAM.
    const hasCloud = config.cloud.acm.length + config.cloud.iam.length > 0;
    const cloud = hasCloud ? new (require('../probes/cloud-readers') as typeof CloudReaders).SdkCloudReaders() : undefined;
    // The file formats' parsers (asn1js, node-forge) load only for a config that lists a certificate file.
    const files = config.targets.some(({ target }) => isFileTarget(target))
      ? new (require('../probes/files/certificate-files') as typeof CertificateFilesModule).CertificateFiles()
      : undefined;
    const summary = await runWatch(config, {
      probe,
      resolver,
      files,
      cloud,
      store: journalled ?? guarded,
      notifier,
      now,
      // A simulated time is not the clock: the run then tells the two apart (and the store is not marked as real).
      ...(flags.now ? { clock } : {}),
      deadline,
      stop: signals?.signal,
      onProgress: progress,
    });
    io.out(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : renderSummary(summary, opening.description));
    setExitCode(needsAttention(summary) ? 1 : 0);
  } finally {
    try {
      await journalled?.finish().catch((error: unknown) => {
        io.err(`certwatch: the change journal of the ${opening.description} could not be told after this run: ${terminalSafe((error as Error).message)}; the deployed workers may not see what it changed for up to a day\n`);
        setExitCode(1);
      });
      await opening.close();
    } finally {
      signals?.dispose();
    }
  }
}

/**
 * The CA files of the endpoints probed first (up to check.concurrency at once), each set once, at most
 * PREPARED_TRUST_STORES of them: the lock is held 5-25 ms after the config is read, a store takes 1-5 ms to make.
 */
function firstCaFileSets(config: CertwatchConfig): (readonly string[])[] {
  const sets = new Map<string, readonly string[]>();
  for (const { target, caFiles } of config.targets.slice(0, config.check.concurrency)) {
    if (!isFileTarget(target)) sets.set(caFiles.join('\0'), caFiles);
    if (sets.size === PREPARED_TRUST_STORES) break;
  }
  return [...sets.values()];
}

/**
 * Trust stores built while a run waits for its store (1-5 ms each: Node's roots copied in C++, the CA files and those
 * of NODE_EXTRA_CA_CERTS that Node does not bundle added); the rest are built as their targets come.
 */
const PREPARED_TRUST_STORES = 2;

/**
 * A DynamoDB table may be the deployed watcher's: a notice this run sends to the console or a file is recorded there
 * as sent (the digest's period too), and the deployed watcher would never send it to its audiences. Refused unless
 * --force-notify says the table is no deployed watcher's.
 */
function refuseLocalNoticesOnSharedTable(flags: RunFlags, description: string): void {
  if (flags.notify === 'sns' || flags.forceNotify) return;
  throw new UsageError(
    `--notify ${flags.notify} with --store dynamodb would record notices as sent in ${description} without its audiences getting them: ` +
      'use --notify sns, or add --force-notify if no deployed watcher uses this table',
  );
}

/** Exit status 1: something is left for the next run, or for a person. */
function needsAttention(summary: RunSummary): boolean {
  return (
    summary.stopped !== null ||
    [
      summary.publishFailures,
      summary.storeFailures,
      summary.unreadableItems,
      summary.replacedItems,
      summary.invalidTargets,
      summary.listingFailures,
      summary.pendingNotices,
      summary.targetsLeft,
      summary.unanswered,
    ].some(
      (list) => list.length > 0,
    )
  );
}

/** Limits of `run --deadline`: a run needs a second at least, and one longer than a day is no longer a cycle. */
const DEADLINE_LIMITS_MS = { min: 1_000, max: 24 * 3_600_000 } as const;

function parseDeadline(text: string): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch {
    throw new UsageError(`--deadline must be a duration such as 30s, 5m or 1h (got "${text}")`);
  }
  if (ms < DEADLINE_LIMITS_MS.min || ms > DEADLINE_LIMITS_MS.max) throw new UsageError(`--deadline must be between 1s and 24h (got "${text}")`);
  return ms;
}

export async function statusCommand(flags: StatusFlags, io: CliIo): Promise<void> {
  const now = flags.now ? parseInstant('--now', flags.now) : new Date();
  let opened: OpenStore;
  try {
    opened = await openStore(flags, { warn: io.err });
  } catch (error) {
    if (!(error instanceof NoLocalStoreError)) throw error;
    // Nothing watched there (yet, or a typo in --store): said, and nothing created.
    io.out(flags.json ? '[]\n' : `no watched certificates yet: ${terminalSafe(error.message)}\n`);
    return;
  }
  try {
    const { states, skipped } = readableStates(await opened.store.list());
    for (const item of skipped) io.err(`${terminalSafe(`certwatch: skipped ${item.key}: ${item.reason}`)}\n`);
    const rows = statusReport(states, now);
    if (flags.json) {
      io.out(`${JSON.stringify(rows, null, 2)}\n`);
    } else {
      const { lastRunAt } = await opened.store.getLedger();
      // A watcher that silently stopped is the failure it exists to prevent: say when it last ran.
      if (lastRunAt) io.out(`last run: ${lastRunAt.slice(0, 16).replace('T', ' ')} UTC (${sinceLastRun(lastRunAt, now)})\n`);
      io.out(renderStatus(rows));
    }
  } finally {
    await opened.close();
  }
}

export async function ackCommand(id: string, flags: AckFlags, io: CliIo): Promise<void> {
  const clock = new Date();
  const at = flags.now ? parseInstant('--now', flags.now) : clock;
  const until = flags.until ? parseInstant('--until', flags.until) : undefined;
  const certificateId = normaliseCertificateId('ack', id, flags.servername);
  const opened = await openExistingStore('ack', flags, io);
  try {
    await refuseSimulatedTimeOnClockStore(opened.store, flags, at, clock);
    const request = { at, alert: flags.alert, until, note: flags.note, by: flags.by ?? userName() };
    const { acknowledgement } = await acknowledgeCertificate(opened.store, certificateId, request, opened.journal).catch((error: unknown) => {
      if (error instanceof AcknowledgementError || error instanceof UnknownCertificateError) throw new UsageError(`ack: ${error.message}`);
      throw error;
    });
    const what = acknowledgement.stage === 'error' ? 'the probe-failure alert' : acknowledgement.stage === 'invalid' ? 'the invalid-certificate alert' : `stage ${acknowledgement.stage}`;
    const lasting = acknowledgement.until ? ` until ${acknowledgement.until}` : '';
    const by = acknowledgement.by ? ` by ${acknowledgement.by}` : '';
    io.out(`${terminalSafe(`acknowledged ${what} of ${certificateId}${lasting}${by}${acknowledgement.note ? `: ${acknowledgement.note}` : ''}`)}\n`);
  } finally {
    await opened.close();
  }
}

export async function forgetCommand(id: string, flags: ForgetFlags, io: CliIo): Promise<void> {
  const certificateId = normaliseCertificateId('forget', id, flags.servername);
  const opened = await openExistingStore('forget', flags, io);
  try {
    const forgotten = await forgetCertificate(opened.store, certificateId, opened.journal).catch((error: unknown) => {
      if (error instanceof UnknownCertificateError) throw new UsageError(`forget: ${error.message}`);
      throw error;
    });
    if ('unreadable' in forgotten) {
      io.out(`${terminalSafe(`forgot ${certificateId}: the unreadable item is deleted from the ${opened.description} (${forgotten.unreadable})`)}\n`);
      return;
    }
    const sent = forgotten.state.sent.length;
    io.out(
      `${terminalSafe(`forgot ${certificateId}: its state, ${sent === 1 ? '1 notice' : `${sent} notices`} sent and its history are deleted from the ${opened.description}`)}\n` +
        'a run whose config still lists it watches it again from scratch: remove it from the config too\n',
    );
  } finally {
    await opened.close();
  }
}

/** Who runs this command, for an acknowledgement: the user's login name, if the system knows one. */
function userName(): string | undefined {
  try {
    return userInfo().username || undefined;
  } catch {
    return undefined; // no name for this uid (a container's user, say)
  }
}

/** The store of a command that changes what is there: none there is a usage mistake (a typo in --store, say). */
async function openExistingStore(command: string, flags: StoreFlags, io: CliIo): Promise<OpenStore> {
  return openStore(flags, { warn: io.err }).catch((error: unknown) => {
    throw error instanceof NoLocalStoreError ? new UsageError(`${command}: ${error.message}`) : error;
  });
}

function readConfig(file: string): CertwatchConfig {
  try {
    return loadConfigFile(file);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * `tls:host:port[/servername]` as stored, or a target as written in the config (`example.com`, `smtp://mail:587`,
 * `tls://host`) with the servername configured for it.
 */
export function normaliseCertificateId(command: string, id: string, servername?: string): string {
  if (/^(tls:(?!\/\/)|acm:|arn:|file:\/\/)/.test(id) || /^iam(:arn:|$)/.test(id)) {
    if (servername !== undefined) throw new UsageError(`${command}: --servername goes with a target; the certificate id ${id} names its certificate already`);
    return id;
  }
  try {
    return certificateIdForTarget(id, servername);
  } catch (error) {
    if (error instanceof InvalidTargetError) throw new UsageError(`${command}: ${error.message}`);
    throw error;
  }
}

function renderStatus(rows: readonly StatusRow[]): string {
  if (rows.length === 0) return 'no watched certificates yet: run `certwatch run` first\n';
  // ACM and IAM certificates say where they are listed; a fleet of endpoints alone keeps the narrower table.
  const aws = rows.some((r) => r.region !== null);
  const header = ['CERTIFICATE', ...(aws ? ['ACCOUNT', 'REGION'] : []), 'STATUS', 'DAYS', 'NOT AFTER (UTC)', 'STAGE', 'LAST NOTICE (UTC)', 'ACK'];
  const cells = rows.map((r) => [
    r.certificateId,
    ...(aws ? [r.account ?? (r.region !== null ? '(default)' : '-'), r.region ?? '-'] : []),
    r.status.toUpperCase() + (r.consecutiveFailures > 0 ? ` (${r.consecutiveFailures} failed)` : '') + (r.rejectedFor ? `, REJECTED (${r.rejectedFor.join(', ')})` : ''),
    r.daysRemaining === null ? '-' : String(r.daysRemaining),
    r.notAfter ? r.notAfter.slice(0, 16).replace('T', ' ') : '-',
    r.stage ?? '-',
    r.lastNotifiedAt ? r.lastNotifiedAt.slice(0, 16).replace('T', ' ') : '-',
    r.acknowledged ?? '-',
  ]);
  // A stale node behind a name is said under the table, in the words of the messages.
  const notes = rows.flatMap((r) => (r.addressSummary ? [`${r.certificateId}: ${r.addressSummary}`] : []));
  return [...renderColumns(header, cells), ...(notes.length > 0 ? ['', ...notes.map(terminalSafe)] : [])].join('\n') + '\n';
}

function renderSummary(summary: RunSummary, where: string): string {
  const statuses = Object.entries(summary.byStatus)
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');
  const lines = [
    `certwatch run at ${summary.at}: ${summary.targets} targets (${statuses || 'none'}), state in ${where}`,
    `notifications: ${summary.notificationsSent} sent, ${summary.notificationsPending} pending; store writes: ${summary.storeWrites}`,
    ...summary.invalidTargets.map((p) => `invalid target: ${p.message}`),
    ...summary.publishFailures.map((p) => `not delivered (retried next run): ${p.message}`),
    ...summary.storeFailures.map((p) => `not stored (retried next run): ${p.certificateId}: ${p.message}`),
    ...summary.unreadableItems.map((p) => `skipped an unreadable item: ${p.message} (\`certwatch forget ${p.certificateId}\` deletes it)`),
    ...summary.replacedItems.map((p) => `replaced an unreadable item: ${p.message}: ${p.certificateId} is configured, so it is watched afresh (what the item held is lost)`),
    ...summary.conflicts.map((id) => `skipped ${id}: another run changed it (or it was forgotten) at the same time`),
    ...summary.listingFailures.map((p) => `listing failed (its certificates keep escalating from the last listing): ${p.message}`),
    ...(summary.disappeared.length > 0 ? [`no longer listed (${summary.disappeared.length}): ${summary.disappeared.join(', ')}`] : []),
    ...notInConfigLines(summary.notInConfig),
    ...summary.unanswered.map((u) => `no answer from ${u.dependency}, not called again in this run: ${u.message}`),
    ...(summary.stopped !== null ? [`stopped early: ${summary.stopped}; ${leftText(summary)}`] : []),
    ...(summary.pendingNotices.length > 0 ? [`pending, sent by a later run (${summary.pendingNotices.length}): ${named(summary.pendingNotices)}`] : []),
    ...(summary.aheadOfClock.length > 0
      ? [`written by a clock ahead of this one (${summary.aheadOfClock.length}): ${named(summary.aheadOfClock)}; what that clock decided ahead of this run's time is set aside, so they alert as they should`]
      : []),
  ];
  return lines.map(terminalSafe).join('\n') + '\n';
}

/** What a stopped run left: the targets it did not get to. */
function leftText(summary: RunSummary): string {
  if (summary.targetsLeft.length === 0) return 'every target was probed and recorded';
  return `${summary.targetsLeft.length} of ${summary.targets} targets left for the next run: ${named(summary.targetsLeft)}`;
}

/** The first few of `items` by name, and how many more. */
function named(items: readonly string[]): string {
  const shown = items.slice(0, NAMED_SHOWN);
  return `${shown.join(', ')}${items.length > shown.length ? ` and ${items.length - shown.length} more` : ''}`;
}

const NAMED_SHOWN = 5;

/** Stored certificates no target names any more: a few by name, and how to remove them. */
function notInConfigLines(ids: readonly string[]): string[] {
  if (ids.length === 0) return [];
  return [`not in this config, still in the store (${ids.length}): ${named(ids)}; \`certwatch forget <id>\` deletes one`];
}

/** How long ago the last run was; one in the future (a clock that was ahead, --force-now) is said to be so. */
function sinceLastRun(iso: string, now: Date): string {
  const ms = now.getTime() - Date.parse(iso);
  if (ms < -CLOCK_TOLERANCE_MS) return `${spanText(-ms)} in the future: a run with --force-now, or a clock that was ahead`;
  const hours = Math.floor(ms / 3_600_000);
  return hours < 1 ? 'less than an hour ago' : hours < 48 ? `${hours} hours ago` : `${Math.floor(hours / 24)} days ago`;
}

/** `3 days`, `5 hours`, `12 minutes`: a span, rounded down, in its largest sensible unit. */
function spanText(ms: number): string {
  const [count, unit] = ms >= 2 * 86_400_000 ? [Math.floor(ms / 86_400_000), 'day'] : ms >= 2 * 3_600_000 ? [Math.floor(ms / 3_600_000), 'hour'] : [Math.floor(ms / 60_000), 'minute'];
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/**
 * `--now` is for simulations on a store of their own: one more than CLOCK_TOLERANCE_MS from the clock, on a store that
 * runs on the clock have used, is refused unless `--force-now` (a run in the future would leave times there that real
 * runs must then set aside; one in the past decides nothing, the store being ahead of it).
 */
async function refuseSimulatedTimeOnClockStore(store: StateStore, flags: { now?: string; forceNow?: boolean }, now: Date, clock: Date): Promise<void> {
  const apart = now.getTime() - clock.getTime();
  if (!flags.now || flags.forceNow || Math.abs(apart) <= CLOCK_TOLERANCE_MS) return;
  const { lastClockRunAt } = await store.getLedger();
  if (lastClockRunAt === null) return;
  throw new UsageError(
    `--now ${flags.now} is ${spanText(Math.abs(apart))} ${apart > 0 ? 'ahead of' : 'behind'} this machine's clock, and runs on the clock use this store ` +
      `(the last at ${lastClockRunAt}): --now is for simulations on a store of their own (--store DIR); --force-now runs it anyway`,
  );
}
