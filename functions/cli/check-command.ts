import { Option, type Command } from 'commander';
import { CHECK_DEFAULTS, CHECK_LIMITS } from '../core/check-settings';
import type * as CheckAction from './check-action';
import type { CliIo } from './cli-io';
import { addDnsServerOption, addThresholdOptions, collect, integerOption, type CheckFlags } from './options';

/**
 * The action loads the probes (node:tls, node:crypto, the resolver, certificate files): only when `check` runs, so
 * that `--help` and the other commands start fast.
 */
const action = () => require('./check-action') as typeof CheckAction;

export function registerCheckCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const command = program
    .command('check')
    .description('Read the certificates of endpoints (connecting now) or of certificate files, judge them and report.')
    .argument(
      '[targets...]',
      'host, host:port, [v6addr]:port, https://host[:port][/path], smtp:// imap:// pop3:// ftp:// postgres:// ldap:// xmpp:// for STARTTLS, or file://PATH for a certificate file',
    )
    .option('--json', 'print exactly one JSON array, one object per target (per certificate of a file), in input order, written as results come in')
    .option('--servername <name>', 'SNI name sent and the name verified (for targets given as IP addresses)')
    .option('--ca-file <file>', 'extra trust anchors (PEM) on top of Node\'s roots; repeatable', collect);
  addThresholdOptions(command)
    .addOption(integerOption('--timeout-ms <n>', 'time limit for the whole probe of one target, STARTTLS included', CHECK_LIMITS.timeoutMs.min, CHECK_LIMITS.timeoutMs.max, CHECK_DEFAULTS.timeoutMs))
    .addOption(integerOption('--concurrency <n>', 'handshakes at once (each address behind a name is one)', CHECK_LIMITS.concurrency.min, CHECK_LIMITS.concurrency.max, CHECK_DEFAULTS.concurrency))
    .addOption(
      integerOption('--max-addresses <n>', 'addresses probed behind each name (A and AAAA); the rest are counted in ADDRESSES_NOT_PROBED', CHECK_LIMITS.maxAddresses.min, CHECK_LIMITS.maxAddresses.max, CHECK_DEFAULTS.maxAddresses),
    )
    .addOption(new Option('--first-address', 'probe only the first address the resolver gives for each name, as certwatch did before it probed every address').conflicts('maxAddresses'));
  addDnsServerOption(command, "instead of the system's resolver")
    .option('--targets-file <file>', 'read targets from a file, one a line, # for comments')
    .option('--files <glob>', 'certificate files (PEM, DER, PKCS#7, PKCS#12) matching a quoted glob: ** for any folders, {a,b} for either; repeatable; one matching nothing is a usage mistake', collect)
    .option('--password-env <var>', 'the environment variable holding the password of PKCS#12 files (never given on the command line)')
    .addHelpText(
      'after',
      '\nExit status: 0 ok, 1 warning, 2 critical or expired, 3 error or usage mistake.\n' +
        'Examples:\n  certwatch check example.com\n  certwatch check --json --critical-days 14 10.0.0.5:8443 --servername api.internal\n  certwatch check smtp://mail.example.com:587 --targets-file targets.txt\n' +
        "  certwatch check --files 'dist/**/*.{pem,crt,p12}' --password-env P12_PASSWORD --critical-days 90   # a release gate\n",
    )
    .action(async (targets: string[], flags: CheckFlags) => setExitCode(await action().checkCommand(targets, flags, io)));
}
