import { ConfigError, type CertwatchConfig } from '../core/config';
import { AcknowledgementError } from '../core/escalation/acknowledge';
import { certificateIdForTarget } from '../core/certificate-id';
import { InvalidTargetError } from '../core/target';
import { loadConfigFile } from '../config-file/load-config-file';
import { createResolver } from '../probes/dns/create-resolver';
import { CertificateFiles } from '../probes/files/certificate-files';
import type * as CloudReaders from '../probes/cloud-readers';
import { TlsProbe } from '../probes/tls-probe';
import { acknowledgeCertificate, UnknownCertificateError } from '../use-cases/acknowledge-certificate';
import { forgetCertificate } from '../use-cases/forget-certificate';
import { runWatch, type RunSummary } from '../use-cases/run-watch';
import { statusReport, type StatusRow } from '../use-cases/status-report';
import type { Notifier } from '../core/ports';
import type { CliIo } from './cli-io';
import { terminalSafe } from '../core/safe-text';
import { renderColumns } from './render-table';
import { UsageError } from './usage-error';
import type { AckFlags, ForgetFlags, RunFlags, StatusFlags } from './options';
import { openStore, type OpeningStore } from './store-wiring';
import { createNotifier, parseInstant } from './watch-wiring';

// The watch commands' work, loaded only when one of them runs: it pulls in the AWS SDK, dynalite and the
// config validator, which `certwatch check` has no use for.

/** `opening`: the run's store, which the caller started opening before loading this module (store-wiring.ts). */
export async function runCommand(flags: RunFlags, io: CliIo, setExitCode: (code: number) => void, opening: OpeningStore): Promise<void> {
  let now: Date;
  let config: CertwatchConfig;
  let notifier: Notifier;
  try {
    now = flags.now ? parseInstant('--now', flags.now) : new Date();
    config = readConfig(flags.config);
    notifier = createNotifier(flags.notify, { topicArn: config.snsTopicArn, now: () => now, write: io.err });
  } catch (error) {
    await opening.close();
    throw error;
  }
  // A store held by another certwatch fails here, before any probe; the rest of the opening overlaps probing.
  await opening.held;
  try {
    const progress = io.progress ? (done: number, total: number) => io.progress?.(`certwatch: probed ${done}/${total} targets`) : undefined;
    const resolver = createResolver(config.check.dnsServers);
    // The ACM, IAM and STS clients load only for a config that lists ACM or IAM.
    const hasCloud = config.cloud.acm.length + config.cloud.iam.length > 0;
    const cloud = hasCloud ? new (require('../probes/cloud-readers') as typeof CloudReaders).SdkCloudReaders() : undefined;
    const summary = await runWatch(config, { probe: new TlsProbe(), resolver, files: new CertificateFiles(), cloud, store: opening.store, notifier, now, onProgress: progress });
    io.out(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : renderSummary(summary, opening.description));
    const attention = summary.publishFailures.length + summary.storeFailures.length + summary.unreadableItems.length + summary.invalidTargets.length + summary.listingFailures.length;
    setExitCode(attention > 0 ? 1 : 0);
  } finally {
    await opening.close();
  }
}

export async function statusCommand(flags: StatusFlags, io: CliIo): Promise<void> {
  const now = flags.now ? parseInstant('--now', flags.now) : new Date();
  const opened = await openStore(flags);
  try {
    const { states, unreadable } = await opened.store.list();
    for (const item of unreadable) io.err(`certwatch: skipped ${item.key}: ${item.reason}\n`);
    const rows = statusReport(states, now);
    if (flags.json) {
      io.out(`${JSON.stringify(rows, null, 2)}\n`);
    } else {
      const { lastRunAt } = await opened.store.getLedger();
      // A watcher that silently stopped is the failure it exists to prevent: say when it last ran.
      if (lastRunAt) io.out(`last run: ${lastRunAt.slice(0, 16).replace('T', ' ')} UTC (${hoursAgo(lastRunAt, now)})\n`);
      io.out(renderStatus(rows));
    }
  } finally {
    await opened.close();
  }
}

export async function ackCommand(id: string, flags: AckFlags, io: CliIo): Promise<void> {
  const at = flags.now ? parseInstant('--now', flags.now) : new Date();
  const until = flags.until ? parseInstant('--until', flags.until) : undefined;
  const certificateId = normaliseCertificateId('ack', id, flags.servername);
  const opened = await openStore(flags);
  try {
    const { acknowledgement } = await acknowledgeCertificate(opened.store, certificateId, { at, alert: flags.alert, until, note: flags.note }).catch((error: unknown) => {
      if (error instanceof AcknowledgementError || error instanceof UnknownCertificateError) throw new UsageError(`ack: ${error.message}`);
      throw error;
    });
    const what = acknowledgement.stage === 'error' ? 'the probe-failure alert' : acknowledgement.stage === 'invalid' ? 'the invalid-certificate alert' : `stage ${acknowledgement.stage}`;
    io.out(`acknowledged ${what} of ${certificateId}${acknowledgement.until ? ` until ${acknowledgement.until}` : ''}\n`);
  } finally {
    await opened.close();
  }
}

export async function forgetCommand(id: string, flags: ForgetFlags, io: CliIo): Promise<void> {
  const certificateId = normaliseCertificateId('forget', id, flags.servername);
  const opened = await openStore(flags);
  try {
    const forgotten = await forgetCertificate(opened.store, certificateId).catch((error: unknown) => {
      if (error instanceof UnknownCertificateError) throw new UsageError(`forget: ${error.message}`);
      throw error;
    });
    if ('unreadable' in forgotten) {
      io.out(`forgot ${certificateId}: the unreadable item is deleted from the ${opened.description} (${forgotten.unreadable})\n`);
      return;
    }
    const sent = forgotten.state.sent.length;
    io.out(
      `forgot ${certificateId}: its state, ${sent === 1 ? '1 notice' : `${sent} notices`} sent and its history are deleted from the ${opened.description}\n` +
        'a run whose config still lists it watches it again from scratch: remove it from the config too\n',
    );
  } finally {
    await opened.close();
  }
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
    ...summary.conflicts.map((id) => `skipped ${id}: another run changed it (or it was forgotten) at the same time`),
    ...summary.listingFailures.map((p) => `listing failed (its certificates keep escalating from the last listing): ${p.message}`),
    ...(summary.disappeared.length > 0 ? [`no longer listed (${summary.disappeared.length}): ${summary.disappeared.join(', ')}`] : []),
    ...notInConfigLines(summary.notInConfig),
  ];
  return lines.map(terminalSafe).join('\n') + '\n';
}

/** Stored certificates no target names any more: a few by name, and how to remove them. */
function notInConfigLines(ids: readonly string[]): string[] {
  if (ids.length === 0) return [];
  const shown = ids.slice(0, NOT_IN_CONFIG_SHOWN);
  const more = ids.length > shown.length ? ` and ${ids.length - shown.length} more` : '';
  return [`not in this config, still in the store (${ids.length}): ${shown.join(', ')}${more}; \`certwatch forget <id>\` deletes one`];
}

const NOT_IN_CONFIG_SHOWN = 5;

function hoursAgo(iso: string, now: Date): string {
  const hours = Math.floor((now.getTime() - Date.parse(iso)) / 3_600_000);
  return hours < 1 ? 'less than an hour ago' : hours < 48 ? `${hours} hours ago` : `${Math.floor(hours / 24)} days ago`;
}
