import { InvalidArgumentError, Option, type Command } from 'commander';
import { exitCodeFor, worstStatus } from '../core/check-result';
import { CHECK_DEFAULTS, CHECK_LIMITS } from '../core/check-settings';
import { DNS_SERVER_FORMS, InvalidDnsServerError, parseDnsServer, type DnsServer } from '../core/dns-server';
import { fileTarget } from '../core/file-target';
import { parseTargetList } from '../core/target-list';
import { checkTargets, type CheckSettings } from '../use-cases/check-targets';
import { ProbeError } from '../core/ports';
import { createResolver } from '../probes/dns/create-resolver';
import { CertificateFiles } from '../probes/files/certificate-files';
import type * as FileGlobs from '../probes/files/expand-file-globs';
import { TlsProbe } from '../probes/tls-probe';
import { TrustStore } from '../probes/trust-store';
import { InputFileError, readInputText } from '../files/input-file';
import type { CliIo } from './cli-io';
import { addThresholdOptions, collect, integerOption, passwordFromEnvironment, thresholdsFromFlags, type ThresholdFlags } from './options';
import { renderCheckTable } from './render-table';
import { UsageError } from './usage-error';

interface CheckFlags extends ThresholdFlags {
  json?: boolean;
  servername?: string;
  caFile?: string[];
  timeoutMs: number;
  concurrency: number;
  maxAddresses: number;
  firstAddress?: boolean;
  dnsServer?: DnsServer[];
  targetsFile?: string;
  files?: string[];
  passwordEnv?: string;
}

export function registerCheckCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const command = program
    .command('check')
    .description('Read the certificates of endpoints (connecting now) or of certificate files, judge them and report.')
    .argument(
      '[targets...]',
      'host, host:port, [v6addr]:port, https://host[:port][/path], smtp:// imap:// pop3:// ftp:// postgres:// ldap:// xmpp:// for STARTTLS, or file://PATH for a certificate file',
    )
    .option('--json', 'print exactly one JSON array, one object per target (per certificate of a file), in input order')
    .option('--servername <name>', 'SNI name sent and the name verified (for targets given as IP addresses)')
    .option('--ca-file <file>', 'extra trust anchors (PEM) on top of Node\'s roots; repeatable', collect);
  addThresholdOptions(command)
    .addOption(integerOption('--timeout-ms <n>', 'time limit for the whole probe of one target, STARTTLS included', CHECK_LIMITS.timeoutMs.min, CHECK_LIMITS.timeoutMs.max, CHECK_DEFAULTS.timeoutMs))
    .addOption(integerOption('--concurrency <n>', 'handshakes at once (each address behind a name is one)', CHECK_LIMITS.concurrency.min, CHECK_LIMITS.concurrency.max, CHECK_DEFAULTS.concurrency))
    .addOption(
      integerOption('--max-addresses <n>', 'addresses probed behind each name (A and AAAA); the rest are counted in ADDRESSES_NOT_PROBED', CHECK_LIMITS.maxAddresses.min, CHECK_LIMITS.maxAddresses.max, CHECK_DEFAULTS.maxAddresses),
    )
    .addOption(new Option('--first-address', 'probe only the first address the resolver gives for each name, as certwatch did before it probed every address').conflicts('maxAddresses'))
    .option('--dns-server <address[:port]>', `resolve names with this DNS server instead of the system's resolver (${DNS_SERVER_FORMS}); repeatable, tried in order`, collectDnsServer)
    .option('--targets-file <file>', 'read targets from a file, one a line, # for comments')
    .option('--files <glob>', 'certificate files (PEM, DER, PKCS#7, PKCS#12) matching a quoted glob: ** for any folders, {a,b} for either; repeatable; one matching nothing is a usage mistake', collect)
    .option('--password-env <var>', 'the environment variable holding the password of PKCS#12 files (never given on the command line)')
    .addHelpText(
      'after',
      '\nExit status: 0 ok, 1 warning, 2 critical or expired, 3 error or usage mistake.\n' +
        'Examples:\n  certwatch check example.com\n  certwatch check --json --critical-days 14 10.0.0.5:8443 --servername api.internal\n  certwatch check smtp://mail.example.com:587 --targets-file targets.txt\n' +
        "  certwatch check --files 'dist/**/*.{pem,crt,p12}' --password-env P12_PASSWORD --critical-days 90   # a release gate\n",
    )
    .action(async (targets: string[], flags: CheckFlags) => {
      const thresholds = thresholdsFromFlags(flags, 'check');
      const password = passwordFromEnvironment(flags.passwordEnv, 'check');
      const files = await matchedFiles(flags.files ?? []);
      const requests = [...targets, ...readTargetsFile(flags.targetsFile), ...files.map(fileTarget)].map((target) => ({ target }));
      if (requests.length === 0) throw new UsageError('check: no targets given (name them, or use --targets-file FILE or --files GLOB)');
      const settings: CheckSettings = {
        ...thresholds,
        timeoutMs: flags.timeoutMs,
        concurrency: flags.concurrency,
        maxAddresses: flags.maxAddresses,
        firstAddress: flags.firstAddress,
        servername: flags.servername,
        caFiles: flags.caFile ?? [],
        password,
      };
      validateCaFiles(settings.caFiles ?? []);
      const resolver = createResolver(flags.dnsServer ?? []);
      const results = await checkTargets(requests, settings, { probe: new TlsProbe(), resolver, files: new CertificateFiles(), now: () => new Date() });
      io.out(flags.json ? JSON.stringify(results, null, 2) + '\n' : renderCheckTable(results, io.isTty));
      setExitCode(exitCodeFor(worstStatus(results.map((r) => r.status))));
    });
}

/**
 * The files the `--files` globs match, each once, glob by glob in sorted path order. A glob that matches nothing is
 * a usage mistake: a typo must not let a release gate pass.
 */
async function matchedFiles(patterns: readonly string[]): Promise<string[]> {
  if (patterns.length === 0) return [];
  // The glob library loads only for --files.
  const { expandFileGlobs } = require('../probes/files/expand-file-globs') as typeof FileGlobs;
  const expanded = await expandFileGlobs(patterns);
  const empty = expanded.filter((glob) => glob.paths.length === 0).map((glob) => `'${glob.pattern}'`);
  if (empty.length > 0) throw new UsageError(`check: --files ${empty.join(', ')} ${empty.length === 1 ? 'matches' : 'match'} no file`);
  return [...new Set(expanded.flatMap((glob) => glob.paths))];
}

function collectDnsServer(value: string, previous: DnsServer[] = []): DnsServer[] {
  if (previous.length >= CHECK_LIMITS.dnsServers.max) throw new InvalidArgumentError(`at most ${CHECK_LIMITS.dnsServers.max} DNS servers`);
  try {
    return [...previous, parseDnsServer(value)];
  } catch (error) {
    if (error instanceof InvalidDnsServerError) throw new InvalidArgumentError(error.message);
    throw error;
  }
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
