import { Option, type Command } from 'commander';
import type { CliIo } from './cli-io';
import { addStoreOptions, ALERT_CHOICES, INSTANT_HELP, type AckFlags, type ForgetFlags, type RunFlags, type StatusFlags } from './options';
import { startOpeningStore } from './store-wiring';
import type * as WatchActions from './watch-actions';

/** The actions load the AWS SDK, dynalite and zod: only when a watch command runs, so `check` starts fast. */
const actions = () => require('./watch-actions') as typeof WatchActions;

export function registerWatchCommands(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  addStoreOptions(program.command('run'))
    .description('One full watch cycle: probe every target, judge, remember, decide who must be told, notify.')
    .option('--config <file>', 'the config file', 'certwatch.config.json')
    .option('--now <iso>', `run as if it were this time (simulations, tests): ${INSTANT_HELP}`)
    .option('--notify <console|file:PATH|sns>', 'where notifications go', 'console')
    .option('--json', 'print the run summary as JSON')
    .addHelpText('after', '\nExit status: 0 the cycle completed and every notification was delivered; 1 it completed but something needs\nattention (a publish or store write failed and is retried next run, a target is invalid, or an ACM or IAM listing failed); 3 a usage or config mistake.\n')
    .action((flags: RunFlags) => {
      // The store opens (the local store's thread boots) while the watch modules load and the config is read.
      const opening = startOpeningStore(flags);
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
    .option('--note <text>', 'why (kept in the history)')
    .option('--now <iso>', `acknowledge as if it were this time: ${INSTANT_HELP}`)
    .action((id: string, flags: AckFlags) => actions().ackCommand(id, flags, io));

  addStoreOptions(program.command('forget'))
    .description("Delete a certificate's state, alerts and history: a target removed from the config (which `status` would list forever), or an unreadable item.")
    .argument('<id>', 'certificate id as `certwatch status` shows it (tls:host:port[/servername], file://PATH#N, an ACM or IAM ARN), or the target as configured')
    .option('--servername <name>', 'with a target: the servername configured for it')
    .addHelpText('after', '\nA run whose config still lists the target watches it again from scratch (first seen, nothing sent): remove it from the config first.\n')
    .action((id: string, flags: ForgetFlags) => actions().forgetCommand(id, flags, io));
}
