import { ConsoleNotifier, FileNotifier } from '../notify/local-notifiers';
import type * as SnsNotifierModule from '../notify/sns-notifier';
import type { Notifier } from '../core/ports';
import { INSTANT_RULE, isoInstant } from '../core/instant';
import { UsageError } from './usage-error';

// Builds the notifier the watch commands run on, and reads their times. (Their store: store-wiring.ts.) SNS's
// SDK client loads only when chosen.

/** `--notify console | file:PATH | sns` (sns: topic from the config, else CERTWATCH_TOPIC_ARN). */
export function createNotifier(spec: string, options: { topicArn: string | null; now: () => Date; write: (text: string) => void; env?: NodeJS.ProcessEnv }): Notifier {
  if (spec === 'console') return new ConsoleNotifier(options.write, { now: options.now });
  if (spec.startsWith('file:') && spec.length > 'file:'.length) return new FileNotifier(spec.slice('file:'.length), { now: options.now });
  if (spec === 'sns') {
    const topicArn = options.topicArn ?? (options.env ?? process.env).CERTWATCH_TOPIC_ARN;
    if (!topicArn) throw new UsageError('--notify sns needs a topic: set "sns": { "topicArn": ... } in the config or CERTWATCH_TOPIC_ARN');
    const { SnsNotifier } = require('../notify/sns-notifier') as typeof SnsNotifierModule;
    return new SnsNotifier(topicArn, { now: options.now });
  }
  throw new UsageError(`--notify must be console, file:PATH or sns (got "${spec}")`);
}

/** Parses `--now` / `--until` by the Lambda's rule: an ISO 8601 time with a zone (a bare date is refused). */
export function parseInstant(flag: string, text: string): Date {
  const parsed = isoInstant.safeParse(text);
  if (!parsed.success) throw new UsageError(`${flag} must be ${INSTANT_RULE} (got "${text}")`);
  return new Date(parsed.data);
}
