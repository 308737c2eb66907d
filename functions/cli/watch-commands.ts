import { Option, type Command } from 'commander';
import type { AcknowledgeableAlert } from '../core/escalation';
import { startOpeningStore } from './store-wiring';
import type { CliIo } from './main';
import type * as WatchActions from './watch-actions';

/** The actions load the AWS SDK, dynalite and zod: only when a watch command runs, so `check` starts fast. */
const actions = () => require('./watch-actions') as typeof WatchActions;

export const DEFAULT_STORE_DIR = '.certwatch';

const STORE_HELP = `where state lives: a directory for the embedded store, or "dynamodb" for the DynamoDB API (table from --table, CERTWATCH_TABLE or "certwatch"; endpoint from AWS_ENDPOINT_URL_DYNAMODB or AWS)`;

interface StoreFlags {
  store: string;
  table?: string;
}
export type RunFlags = StoreFlags & { config: string; now?: string; notify: string; json?: boolean };
export type StatusFlags = StoreFlags & { now?: string; json?: boolean };
export type AckFlags = StoreFlags & { servername?: string; alert?: AcknowledgeableAlert; until?: string; note?: string; now?: string };
export type ForgetFlags = StoreFlags & { servername?: string };

/** `--alert` choices, as the engine's ACKNOWLEDGEABLE_ALERTS: a literal so that `check` does not load the engine. */
const ALERT_CHOICES = ['expiry', 'error', 'invalid'] as const satisfies readonly AcknowledgeableAlert[];

const INSTANT_HELP = 'an ISO 8601 time with a zone, e.g. 2026-12-01T09:00:00Z (a bare date is refused)';

export function registerWatchCommands(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  program
    .command('run')
    .description('One full watch cycle: probe every target, judge, remember, decide who must be told, notify.')
    .option('--config <file>', 'the config file', 'certwatch.config.json')
    .option('--now <iso>', `run as if it were this time (simulations, tests): ${INSTANT_HELP}`)
    .option('--store <dir|dynamodb>', STORE_HELP, DEFAULT_STORE_DIR)
    .option('--table <name>', 'DynamoDB table name with --store dynamodb')
    .option('--notify <console|file:PATH|sns>', 'where notifications go', 'console')
    .option('--json', 'print the run summary as JSON')
    .addHelpText('after', '\nExit status: 0 the cycle completed and every notification was delivered; 1 it completed but something needs\nattention (a publish or store write failed and is retried next run, or a target is invalid); 3 a usage or config mistake.\n')
    .action((flags: RunFlags) => {
      // The store opens (the local store's thread boots) while the watch modules load and the config is read.
      const opening = startOpeningStore(flags);
      return actions().runCommand(flags, io, setExitCode, opening);
    });

  program
    .command('status')
    .description('List watched certificates, soonest expiry first, with stage and last notice.')
    .option('--store <dir|dynamodb>', STORE_HELP, DEFAULT_STORE_DIR)
    .option('--table <name>', 'DynamoDB table name with --store dynamodb')
    .option('--now <iso>', `count days left from this time: ${INSTANT_HELP}`)
    .option('--json', 'print a JSON array')
    .action((flags: StatusFlags) => actions().statusCommand(flags, io));

  program
    .command('ack')
    .description('Acknowledge an alert of a certificate (its expiry stage, probe failure, or rejected certificate): its repeats stop; the next stage still fires.')
    .argument('<id>', 'certificate id as `certwatch status` shows it (tls:host:port[/servername]), or the target as configured')
    .option('--servername <name>', 'with a target: the servername configured for it (targets sharing an address are told apart by it)')
    .addOption(
      new Option('--alert <alert>', 'which alert: the expiry stage, the probe-failure alert, or the certificate clients reject (default: the expiry stage if any, else the failure, else the rejection)').choices(
        ALERT_CHOICES,
      ),
    )
    .option('--until <iso>', `snooze until this time, then the alert repeats again: ${INSTANT_HELP}`)
    .option('--note <text>', 'why (kept in the history)')
    .option('--now <iso>', `acknowledge as if it were this time: ${INSTANT_HELP}`)
    .option('--store <dir|dynamodb>', STORE_HELP, DEFAULT_STORE_DIR)
    .option('--table <name>', 'DynamoDB table name with --store dynamodb')
    .action((id: string, flags: AckFlags) => actions().ackCommand(id, flags, io));

  program
    .command('forget')
    .description("Delete a certificate's state, alerts and history: a target removed from the config (which `status` would list forever), or an unreadable item.")
    .argument('<id>', 'certificate id as `certwatch status` shows it (tls:host:port[/servername]), or the target as configured')
    .option('--servername <name>', 'with a target: the servername configured for it')
    .option('--store <dir|dynamodb>', STORE_HELP, DEFAULT_STORE_DIR)
    .option('--table <name>', 'DynamoDB table name with --store dynamodb')
    .addHelpText('after', '\nA run whose config still lists the target watches it again from scratch (first seen, nothing sent): remove it from the config first.\n')
    .action((id: string, flags: ForgetFlags) => actions().forgetCommand(id, flags, io));
}
