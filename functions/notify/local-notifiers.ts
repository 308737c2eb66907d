import { appendFile } from 'node:fs/promises';
import type { Notifier, PublishResult } from '../core/ports';
import { addressCountOf, describeAddresses, staleAddresses } from '../core/escalation/addresses-seen';
import type { AddressSeen, AlertKind, PlannedNotification } from '../core/watch-state';
import { renderMessage } from './render/render-message';
import { redactCredentials } from '../core/target';

// Notifiers for local runs (`--notify file:PATH`, `--notify console`): the same rendering as SNS, no AWS.

/** One line of a `--notify file:PATH` file: a stable contract, exactly these keys. */
export interface NotificationFileLine {
  readonly kind: AlertKind;
  readonly stage: string;
  /** A recovery that leaves the certificate in a stage (eased, or a correction): that stage; null otherwise. */
  readonly stageNow: string | null;
  /** A recovery correcting an expiry notice a clock that was ahead sent: its stage and the time it gave it; null otherwise. */
  readonly corrects: { readonly stage: string; readonly decidedAt: string } | null;
  readonly audiences: readonly string[];
  readonly certificateId: string;
  readonly target: string;
  readonly daysRemaining: number | null;
  /** The addresses behind the name when it was decided (bounded, as `status --json` has them); null for one address. */
  readonly addresses: readonly AddressSeen[] | null;
  /** How many addresses there were; null for one address. */
  readonly addressCount: number | null;
  /** Those still serving (or, failing, last seen serving) a certificate older than the newest: where to deploy it. */
  readonly staleAddresses: readonly string[];
  /** `2 of 3 addresses serve the renewed certificate; 10.0.0.7 still serves ...`; null when they agree. */
  readonly addressSummary: string | null;
  readonly subject: string;
  readonly email: string;
  readonly sms: string;
  /** The notification's decision time. */
  readonly at: string;
}

export interface LocalNotifierOptions {
  /** The clock used to count the time left in the message. */
  readonly now?: () => Date;
}

export function notificationFileLine(notification: PlannedNotification, now: Date): NotificationFileLine {
  const { subject, email, sms } = renderMessage(notification, now);
  return {
    kind: notification.kind,
    stage: notification.stage,
    stageNow: notification.stageNow ?? null,
    corrects: notification.corrects ?? null,
    audiences: notification.audiences,
    certificateId: notification.certificateId,
    target: redactCredentials(notification.target),
    daysRemaining: notification.daysRemaining,
    addresses: notification.addresses ?? null,
    addressCount: addressCountOf(notification),
    staleAddresses: staleAddresses(notification),
    addressSummary: describeAddresses(notification),
    subject,
    email,
    sms,
    at: notification.decidedAt,
  };
}

/** Appends one JSON line per notification; the file is created when missing, never truncated. */
export class FileNotifier implements Notifier {
  private readonly now: () => Date;

  constructor(
    private readonly path: string,
    options: LocalNotifierOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  async publish(notification: PlannedNotification): Promise<PublishResult> {
    // One write per line in append mode: lines from concurrent publishes do not interleave.
    await appendFile(this.path, `${JSON.stringify(notificationFileLine(notification, this.now()))}\n`, { encoding: 'utf8', flag: 'a' });
    return { messageId: `file:${notification.id}` };
  }
}

/** Prints a readable block per notification through `write` (e.g. `(text) => process.stdout.write(text)`). */
export class ConsoleNotifier implements Notifier {
  private readonly now: () => Date;

  constructor(
    private readonly write: (text: string) => void,
    options: LocalNotifierOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  async publish(notification: PlannedNotification): Promise<PublishResult> {
    const { subject, email, sms } = renderMessage(notification, this.now());
    const rule = '='.repeat(78);
    this.write(
      [
        rule,
        `${notification.kind.toUpperCase()} ${notification.stage} -> ${notification.audiences.join(', ') || '(no audience)'}`,
        `Subject: ${subject}`,
        `SMS:     ${sms}`,
        '-'.repeat(78),
        email.trimEnd(),
        rule,
        '',
      ].join('\n'),
    );
    return { messageId: `console:${notification.id}` };
  }
}
