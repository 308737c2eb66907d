import { Option, type Command } from 'commander';
import type { CliIo } from './cli-io';
import { addDnsServerOption, addStoreOptions, ALERT_CHOICES, INSTANT_HELP, type AckFlags, type ForgetFlags, type RunFlags, type StatusFlags } from './options';
import type * as StoreWiring from './store-wiring';
import type * as WatchActions from './watch-actions';

/** The actions load the AWS SDK, dynalite and zod: only when a watch command runs, so `check` starts fast. */
const actions = () => require('./watch-actions') as typeof WatchActions;
/** The store's wiring loads node:worker_threads (the local store's thread): for the watch commands alone too. */
const storeWiring = () => require('./store-wiring') as typeof StoreWiring;

export function registerWatchCommands(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const run = addStoreOptions(program.command('run'))
    .description('One full watch cycle: probe every target, judge, remember, decide who must be told, notify.')
    .option('--config <file>', 'the config file', 'certwatch.config.json')
    .option('--now <iso>', `run as if it were this time (simulations, tests): ${INSTANT_HELP}`)
    .option('--force-now', 'allow --now far from the clock on a store that runs on the clock use (refused by default)')
    .option('--notify <console|file:PATH|sns>', 'where notifications go', 'console')
    .option('--force-notify', 'allow --notify console or file: with --store dynamodb, on a table no deployed watcher uses (refused by default)')
    .option('--deadline <duration>', 'stop starting work after this long (30s, 5m, 1h), then release claims and record deliveries within 10 s', '5m')
    .option('--json', 'print the run summary as JSON');
  addDnsServerOption(run, "instead of the config's check.dnsServers (or the system's resolver)")
    .addHelpText(
      'after',
      '\nExit status: 0 the cycle completed and every notification was delivered; 1 something needs attention (a publish or\n' +
        'store write failed and is retried next run, notices are still pending, a target is invalid, an ACM or IAM listing\n' +
        'failed, or the run stopped at its deadline, on SIGINT/SIGTERM or for a store that does not answer); 3 a usage or\n' +
        'config mistake.\n',
    )
    .action((flags: RunFlags) => {
      // The store opens (the local store's thread boots) while the watch modules load and the config is read.
      const opening = storeWiring().startOpeningStore(flags, { create: true, deferred: true, warn: io.err });
      return actions().runCommand(flags, io, setExitCode, opening);
    });

  addStoreOptions(program.command('status'))
    .description('List watched certificates, soonest expiry first, with stage and last notice.')
    .option('--now <iso>', `count days left from this time: ${INSTANT_HELP}`)
    .option('--json', 'print a JSON array')
    .action((flags: StatusFlags) => actions().statusCommand(flags, io));

  addStoreOptions(program.command('ack'))
    .description('Acknowledge an alert of a certificate (its expiry stage, probe failure, or rejected certificate): its repeats stop; the next stage still fires.')
    .argument('<id>', 'certificate id as `certwatch status` shows it (tls:host:port[/servername], file://PATH#N, an ACM or IAM ARN), or the target as configured')
    .option('--servername <name>', 'with a target: the servername configured for it (targets sharing an address are told apart by it)')
    .addOption(
      new Option('--alert <alert>', 'which alert: the expiry stage, the probe-failure alert, or the certificate clients reject (default: the expiry stage if any, else the failure, else the rejection)').choices(
        ALERT_CHOICES,
      ),
    )
    .option('--until <iso>', `snooze until this time, then the alert repeats again: ${INSTANT_HELP}`)
    .option('--note <text>', 'why, or where the work is tracked (OPS-42): shown in status and the next notices')
    .option('--by <name>', 'who acknowledges (default: your user name): shown with the note')
    .option('--now <iso>', `acknowledge as if it were this time: ${INSTANT_HELP}`)
    .option('--force-now', 'allow --now far from the clock on a store that runs on the clock use (refused by default)')
    .action((id: string, flags: AckFlags) => actions().ackCommand(id, flags, io));

  addStoreOptions(program.command('forget'))
    .description("Delete a certificate's state, alerts and history: a target removed from the config (which `status` would list forever), or an unreadable item.")
    .argument('<id>', 'certificate id as `certwatch status` shows it (tls:host:port[/servername], file://PATH#N, an ACM or IAM ARN), or the target as configured')
    .option('--servername <name>', 'with a target: the servername configured for it')
    .addHelpText('after', '\nA run whose config still lists the target watches it again from scratch (first seen, nothing sent): remove it from the config first.\n')
    .action((id: string, flags: ForgetFlags) => actions().forgetCommand(id, flags, io));
}
