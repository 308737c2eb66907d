import type { Command } from 'commander';
import { exitCodeFor, worstStatus } from '../core/check-result';
import { CHECK_DEFAULTS, CHECK_LIMITS } from '../core/check-settings';
import { parseTargetList } from '../core/target-list';
import { checkTargets, type CheckSettings } from '../use-cases/check-targets';
import { ProbeError } from '../core/ports';
import { TlsProbe } from '../probes/tls-probe';
import { TrustStore } from '../probes/trust-store';
import { InputFileError, readInputText } from '../files/input-file';
import type { CliIo } from './cli-io';
import { integerOption } from './options';
import { renderCheckTable } from './render-table';
import { UsageError } from './usage-error';

interface CheckFlags {
  json?: boolean;
  servername?: string;
  caFile?: string[];
  warningDays: number;
  criticalDays: number;
  timeoutMs: number;
  concurrency: number;
  targetsFile?: string;
}

export function registerCheckCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  program
    .command('check')
    .description('Connect to each target now, read the certificate chain it serves, judge it and report.')
    .argument('[targets...]', 'host, host:port, [v6addr]:port, https://host[:port][/path], or smtp:// imap:// pop3:// ftp:// postgres:// ldap:// xmpp:// for STARTTLS')
    .option('--json', 'print exactly one JSON array, one object per target, in input order')
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
    .action(async (targets: string[], flags: CheckFlags) => {
      const requests = [...targets, ...readTargetsFile(flags.targetsFile)].map((target) => ({ target }));
      if (requests.length === 0) throw new UsageError('check: no targets given (name them, or use --targets-file FILE)');
      if (flags.criticalDays > flags.warningDays) {
        throw new UsageError(`check: --critical-days (${flags.criticalDays}) must not exceed --warning-days (${flags.warningDays})`);
      }
      const settings: CheckSettings = {
        warningDays: flags.warningDays,
        criticalDays: flags.criticalDays,
        timeoutMs: flags.timeoutMs,
        concurrency: flags.concurrency,
        servername: flags.servername,
        caFiles: flags.caFile ?? [],
      };
      validateCaFiles(settings.caFiles ?? []);
      const results = await checkTargets(requests, settings, { probe: new TlsProbe(), now: () => new Date() });
      io.out(flags.json ? JSON.stringify(results, null, 2) + '\n' : renderCheckTable(results, io.isTty));
      setExitCode(exitCodeFor(worstStatus(results.map((r) => r.status))));
    });
}

function readTargetsFile(file: string | undefined): string[] {
  if (file === undefined) return [];
  try {
    return parseTargetList(readInputText(file));
  } catch (error) {
    if (error instanceof InputFileError) throw new UsageError(`check: cannot read --targets-file ${file}: ${error.reason}`);
    throw error;
  }
}

/** A CA file named on the command line is read up front: a typo is a usage mistake, not N target errors. */
function validateCaFiles(files: readonly string[]): void {
  if (files.length === 0) return;
  try {
    TrustStore.withCaFiles(files);
  } catch (error) {
    if (error instanceof ProbeError) throw new UsageError(`check: --ca-file: ${error.message}`);
    throw error;
  }
}
