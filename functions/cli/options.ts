import { type Command, InvalidArgumentError, Option } from 'commander';
import { CHECK_DEFAULTS, CHECK_LIMITS, resolveThresholds, ThresholdsError, type Thresholds } from '../core/check-settings';
import { DNS_SERVER_FORMS, InvalidDnsServerError, parseDnsServer, type DnsServer } from '../core/dns-server';
import type { AcknowledgeableAlert } from '../core/escalation/alerts';
import { UsageError } from './usage-error';

// The options the commands share, declared once, and the flags each command's action receives.

/** A commander option whose value must be a whole number within [min, max]. */
export function integerOption(flags: string, description: string, min: number, max: number, defaultValue?: number): Option {
  const option = new Option(flags, description).argParser((value: string) => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`"${value}" is not a whole number`);
    const number = Number(value);
    if (number < min || number > max) throw new InvalidArgumentError(`${number} is outside ${min}-${max}`);
    return number;
  });
  return defaultValue === undefined ? option : option.default(defaultValue);
}

/** A repeatable string option's accumulator. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--dns-server`, repeatable (tried in order, up to CHECK_LIMITS.dnsServers.max): `instead` says what it replaces. */
export function addDnsServerOption(command: Command, instead: string): Command {
  return command.option('--dns-server <address[:port]>', `resolve names with this DNS server ${instead} (${DNS_SERVER_FORMS}); repeatable, tried in order`, collectDnsServer);
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

export interface ThresholdFlags {
  warningDays?: number;
  criticalDays?: number;
}

/**
 * `--warning-days` and `--critical-days`, without commander defaults: resolveThresholds fills them in, so that
 * `--critical-days 90` alone raises the warning threshold with it.
 */
export function addThresholdOptions(command: Command): Command {
  const { min, max } = CHECK_LIMITS.days;
  return command
    .addOption(integerOption('--warning-days <n>', `warning when fewer than n days remain (default ${CHECK_DEFAULTS.warningDays}, or --critical-days when that is higher)`, min, max))
    .addOption(integerOption('--critical-days <n>', `critical when fewer than n days remain (default ${CHECK_DEFAULTS.criticalDays})`, min, max));
}

/** The thresholds the flags ask for; an explicit --warning-days below --critical-days is a usage mistake. */
export function thresholdsFromFlags(flags: ThresholdFlags, command: string): Thresholds {
  try {
    return resolveThresholds(flags);
  } catch (error) {
    if (error instanceof ThresholdsError) throw new UsageError(`${command}: --critical-days (${error.criticalDays}) must not exceed --warning-days (${error.warningDays})`);
    throw error;
  }
}

/** The password in the environment variable `--password-env` names: never taken from the command line itself. */
export function passwordFromEnvironment(variable: string | undefined, command: string): string | undefined {
  if (variable === undefined) return undefined;
  const password = process.env[variable];
  if (password === undefined) throw new UsageError(`${command}: --password-env ${variable}: that environment variable is not set`);
  return password;
}

export const DEFAULT_STORE_DIR = '.certwatch';

/** `--store` and `--table`, as every watch command takes them. */
export function addStoreOptions(command: Command): Command {
  return command
    .option(
      '--store <dir|dynamodb>',
      'where state lives: a directory for the embedded store, or "dynamodb" for the DynamoDB API (table from --table, CERTWATCH_TABLE or "certwatch"; endpoint from AWS_ENDPOINT_URL_DYNAMODB or AWS)',
      DEFAULT_STORE_DIR,
    )
    .option('--table <name>', 'DynamoDB table name with --store dynamodb');
}

export const INSTANT_HELP = 'an ISO 8601 time with a zone, e.g. 2026-12-01T09:00:00Z (a bare date is refused)';

/** `--alert` choices, as the engine's ACKNOWLEDGEABLE_ALERTS: a literal so that `check` does not load the engine. */
export const ALERT_CHOICES = ['expiry', 'error', 'invalid'] as const satisfies readonly AcknowledgeableAlert[];

export interface CheckFlags extends ThresholdFlags {
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

export interface StoreFlags {
  store: string;
  table?: string;
}
export type RunFlags = StoreFlags & { config: string; now?: string; forceNow?: boolean; notify: string; forceNotify?: boolean; json?: boolean; deadline: string; dnsServer?: DnsServer[] };
export type StatusFlags = StoreFlags & { now?: string; json?: boolean };
export type AckFlags = StoreFlags & { servername?: string; alert?: AcknowledgeableAlert; until?: string; note?: string; by?: string; now?: string; forceNow?: boolean };
export type ForgetFlags = StoreFlags & { servername?: string };
