import type { Command } from 'commander';
import { CHECK_DEFAULTS, CHECK_LIMITS } from '../core/check-settings';
import type * as CheckAction from './check-action';
import type { CliIo } from './cli-io';
import { integerOption, type CheckFlags } from './options';

/** The action loads the probe (node:tls, node:crypto): only when `check` runs, so `--help` and the others start fast. */
const action = () => require('./check-action') as typeof CheckAction;

export function registerCheckCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  program
    .command('check')
    .description('Connect to each target now, read the certificate chain it serves, judge it and report.')
    .argument('[targets...]', 'host, host:port, [v6addr]:port, https://host[:port][/path], or smtp:// imap:// pop3:// ftp:// postgres:// ldap:// xmpp:// for STARTTLS')
    .option('--json', 'print exactly one JSON array, one object per target, in input order (streamed as results arrive)')
    .option('--servername <name>', 'SNI name sent and the name verified (for targets given as IP addresses)')
    .option('--ca-file <file>', 'extra trust anchors (PEM) on top of Node\'s roots; repeatable', (value: string, previous: string[] = []) => [...previous, value])
    .addOption(integerOption('--warning-days <n>', 'warning when fewer than n days remain', CHECK_LIMITS.days.min, CHECK_LIMITS.days.max, CHECK_DEFAULTS.warningDays))
    .addOption(integerOption('--critical-days <n>', 'critical when fewer than n days remain', CHECK_LIMITS.days.min, CHECK_LIMITS.days.max, CHECK_DEFAULTS.criticalDays))
    .addOption(integerOption('--timeout-ms <n>', 'time limit for the whole probe of one target, STARTTLS included', CHECK_LIMITS.timeoutMs.min, CHECK_LIMITS.timeoutMs.max, CHECK_DEFAULTS.timeoutMs))
    .addOption(integerOption('--concurrency <n>', 'targets probed at once', CHECK_LIMITS.concurrency.min, CHECK_LIMITS.concurrency.max, CHECK_DEFAULTS.concurrency))
    .option('--targets-file <file>', 'read targets from a file, one a line, # for comments')
    .addHelpText(
      'after',
      '\nExit status: 0 ok, 1 warning, 2 critical or expired, 3 error or usage mistake.\n' +
        'Examples:\n  certwatch check example.com\n  certwatch check --json --critical-days 14 10.0.0.5:8443 --servername api.internal\n  certwatch check smtp://mail.example.com:587 --targets-file targets.txt\n',
    )
    .action(async (targets: string[], flags: CheckFlags) => setExitCode(await action().checkCommand(targets, flags, io)));
}
