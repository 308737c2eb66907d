import { type Command, InvalidArgumentError, Option } from 'commander';
import type { AcknowledgeableAlert } from '../core/escalation/alerts';

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

export interface StoreFlags {
  store: string;
  table?: string;
}
export type RunFlags = StoreFlags & { config: string; now?: string; notify: string; json?: boolean };
export type StatusFlags = StoreFlags & { now?: string; json?: boolean };
export type AckFlags = StoreFlags & { servername?: string; alert?: AcknowledgeableAlert; until?: string; note?: string; now?: string };
export type ForgetFlags = StoreFlags & { servername?: string };
