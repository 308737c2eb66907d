import type { Command } from 'commander';
import { ConfigError, type CertwatchConfig } from '../core/config';
import { acknowledge, AcknowledgementError } from '../core/escalation';
import { daysRemaining } from '../core/judge';
import { VersionConflictError } from '../core/ports';
import { InvalidTargetError, parseTarget } from '../core/target';
import type { WatchState } from '../core/watch-state';
import { loadConfigFile } from '../config/load-config-file';
import { TlsProbe } from '../probes/tls-probe';
import { runWatch, type RunSummary } from '../run/run-watch';
import type { CliIo } from './main';
import { UsageError } from './usage-error';
import { createNotifier, DEFAULT_STORE_DIR, openStore, parseInstant } from './watch-wiring';

const STORE_HELP = `where state lives: a directory for the embedded store, or "dynamodb" for the DynamoDB API (table from --table, CERTWATCH_TABLE or "certwatch"; endpoint from AWS_ENDPOINT_URL_DYNAMODB or AWS)`;

interface StoreFlags {
  store: string;
  table?: string;
}

export function registerWatchCommands(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  program
    .command('run')
    .description('One full watch cycle: probe every target, judge, remember, decide who must be told, notify.')
    .option('--config <file>', 'the config file', 'certwatch.config.json')
    .option('--now <iso>', 'run as if it were this time (simulations, tests)')
    .option('--store <dir|dynamodb>', STORE_HELP, DEFAULT_STORE_DIR)
    .option('--table <name>', 'DynamoDB table name with --store dynamodb')
    .option('--notify <console|file:PATH|sns>', 'where notifications go', 'console')
    .option('--json', 'print the run summary as JSON')
    .addHelpText('after', '\nExit status: 0 the cycle completed and every notification was delivered; 1 it completed but something needs\nattention (a publish or store write failed and is retried next run, or a target is invalid); 3 a usage or config mistake.\n')
    .action(async (flags: StoreFlags & { config: string; now?: string; notify: string; json?: boolean }) => {
      const now = flags.now ? parseInstant('--now', flags.now) : new Date();
      const config = readConfig(flags.config);
      const notifier = createNotifier(flags.notify, { topicArn: config.snsTopicArn, now: () => now, write: io.err });
      const opened = await openStore(flags.store, flags.table);
      try {
        const progress = io.progress ? (done: number, total: number) => io.progress?.(`certwatch: probed ${done}/${total} targets`) : undefined;
        const summary = await runWatch(config, { probe: new TlsProbe(), store: opened.store, notifier, now, onProgress: progress });
        io.out(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : renderSummary(summary, opened.description));
        setExitCode(summary.publishFailures.length + summary.storeFailures.length + summary.invalidTargets.length > 0 ? 1 : 0);
      } finally {
        await opened.close();
      }
    });

  program
    .command('status')
    .description('List watched certificates, soonest expiry first, with stage and last notice.')
    .option('--store <dir|dynamodb>', STORE_HELP, DEFAULT_STORE_DIR)
    .option('--table <name>', 'DynamoDB table name with --store dynamodb')
    .option('--now <iso>', 'count days left from this time')
    .option('--json', 'print a JSON array')
    .action(async (flags: StoreFlags & { now?: string; json?: boolean }) => {
      const now = flags.now ? parseInstant('--now', flags.now) : new Date();
      const opened = await openStore(flags.store, flags.table);
      try {
        const rows = (await opened.store.list()).map((state) => statusRow(state, now)).sort(bySoonest);
        io.out(flags.json ? `${JSON.stringify(rows, null, 2)}\n` : renderStatus(rows));
      } finally {
        await opened.close();
      }
    });

  program
    .command('ack')
    .description('Acknowledge the current escalation stage of a certificate: its repeats stop; the next stage still fires.')
    .argument('<id>', 'certificate id as `certwatch status` shows it (tls:host:port), or the target as configured')
    .option('--until <iso>', 'snooze until this time, then the stage repeats again')
    .option('--note <text>', 'why (kept in the history)')
    .option('--now <iso>', 'acknowledge as if it were this time')
    .option('--store <dir|dynamodb>', STORE_HELP, DEFAULT_STORE_DIR)
    .option('--table <name>', 'DynamoDB table name with --store dynamodb')
    .action(async (id: string, flags: StoreFlags & { until?: string; note?: string; now?: string }) => {
      const at = flags.now ? parseInstant('--now', flags.now) : new Date();
      const until = flags.until ? parseInstant('--until', flags.until) : undefined;
      const certificateId = normaliseCertificateId(id);
      const opened = await openStore(flags.store, flags.table);
      try {
        const state = await acknowledgeWithRetry(opened.store, certificateId, { at, until, note: flags.note });
        io.out(`acknowledged ${state.acknowledgement?.stage} for ${certificateId}${state.acknowledgement?.until ? ` until ${state.acknowledgement.until}` : ''}\n`);
      } finally {
        await opened.close();
      }
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

/** `tls:host:port` as stored, or a target as written in the config (`example.com`, `smtp://mail:587`). */
export function normaliseCertificateId(id: string): string {
  if (/^(tls|acm):|^arn:/.test(id)) return id;
  try {
    return `tls:${parseTarget(id).target}`;
  } catch (error) {
    if (error instanceof InvalidTargetError) throw new UsageError(`ack: ${error.message}`);
    throw error;
  }
}

async function acknowledgeWithRetry(
  store: Awaited<ReturnType<typeof openStore>>['store'],
  certificateId: string,
  request: Parameters<typeof acknowledge>[1],
): Promise<WatchState> {
  for (let attempt = 1; ; attempt++) {
    const state = await store.get(certificateId);
    if (!state) throw new UsageError(`ack: no watched certificate ${certificateId} (see certwatch status)`);
    try {
      return await store.put(acknowledge(state, request), state.version);
    } catch (error) {
      if (error instanceof AcknowledgementError) throw new UsageError(`ack: ${error.message}`);
      // A run wrote the item between our read and write: read again and re-apply.
      if (error instanceof VersionConflictError && attempt < 3) continue;
      throw error;
    }
  }
}

interface StatusRow {
  readonly certificateId: string;
  readonly target: string;
  readonly status: string;
  readonly daysRemaining: number | null;
  readonly notAfter: string | null;
  readonly subject: string | null;
  readonly stage: string | null;
  readonly lastNotifiedAt: string | null;
  readonly acknowledged: string | null;
  readonly consecutiveFailures: number;
  readonly lastError: string | null;
  readonly pendingNotifications: number;
}

function statusRow(state: WatchState, now: Date): StatusRow {
  const lastSent = state.sent.at(-1);
  return {
    certificateId: state.certificateId,
    target: state.target,
    status: state.status,
    daysRemaining: state.certificate ? daysRemaining(new Date(state.certificate.notAfter), now) : null,
    notAfter: state.certificate?.notAfter ?? null,
    subject: state.certificate?.subject ?? null,
    stage: state.expiry.stage,
    lastNotifiedAt: lastSent?.sentAt ?? null,
    acknowledged: state.acknowledgement ? `${state.acknowledgement.stage}${state.acknowledgement.until ? ` until ${state.acknowledgement.until}` : ''}` : null,
    consecutiveFailures: state.consecutiveFailures,
    lastError: state.lastError ? `${state.lastError.code}: ${state.lastError.message}` : null,
    pendingNotifications: state.pending.length,
  };
}

function bySoonest(a: StatusRow, b: StatusRow): number {
  if (a.notAfter === b.notAfter) return a.certificateId.localeCompare(b.certificateId);
  if (a.notAfter === null) return 1;
  if (b.notAfter === null) return -1;
  return Date.parse(a.notAfter) - Date.parse(b.notAfter);
}

function renderStatus(rows: readonly StatusRow[]): string {
  if (rows.length === 0) return 'no watched certificates yet: run `certwatch run` first\n';
  const header = ['CERTIFICATE', 'STATUS', 'DAYS', 'NOT AFTER (UTC)', 'STAGE', 'LAST NOTICE (UTC)', 'ACK'];
  const cells = rows.map((r) => [
    r.certificateId,
    r.status.toUpperCase() + (r.consecutiveFailures > 0 ? ` (${r.consecutiveFailures} failed)` : ''),
    r.daysRemaining === null ? '-' : String(r.daysRemaining),
    r.notAfter ? r.notAfter.slice(0, 16).replace('T', ' ') : '-',
    r.stage ?? '-',
    r.lastNotifiedAt ? r.lastNotifiedAt.slice(0, 16).replace('T', ' ') : '-',
    r.acknowledged ?? '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i].length)));
  return [header, ...cells].map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n') + '\n';
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
    ...summary.conflicts.map((id) => `skipped ${id}: another run changed it at the same time`),
  ];
  return lines.join('\n') + '\n';
}
