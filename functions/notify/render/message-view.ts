import type { CertificateInfo } from '../../core/certificate';
import { DAY_MS } from '../../core/duration';
import { addressPicture, describeAddresses, type AddressPicture } from '../../core/escalation/addresses-seen';
import type { KnownCertificate, PlannedNotification } from '../../core/watch-state';
import { toAsciiTarget } from '../text-limits';
import { safeLine } from './untrusted-text';

// What every renderer starts from (the notification, its target made safe, the time left at `now`) and what each
// one makes of it: a text for every SNS channel.

/** A subject (email), a long plain-text email, one SMS and a short `default` for any other protocol (HTTPS, SQS, Lambda). */
export interface RenderedMessage {
  readonly subject: string;
  readonly email: string;
  readonly sms: string;
  readonly default: string;
}

/** What the renderers share: sanitised, derived values, computed once. */
export interface MessageView {
  readonly notification: PlannedNotification;
  readonly now: Date;
  /** ASCII target for subject and SMS; `target` keeps the original (redacted) for the email. */
  readonly asciiTarget: string;
  readonly target: string;
  readonly certificate: KnownCertificate | null;
  /** Milliseconds until the governing notAfter at `now` (negative once expired); null when unknown. */
  readonly remainingMs: number | null;
  /** The chain entry whose notAfter governs, when the certificate is known. */
  readonly governing: CertificateInfo | null;
  readonly governingIsLeaf: boolean;
  /** What the addresses behind the target serve; null for a target at one address. */
  readonly addresses: AddressPicture | null;
  /** `2 of 3 addresses serve the renewed certificate; 10.0.0.7 still serves ...`; null when they agree. */
  readonly addressSummary: string | null;
}

export type MessageRenderer = (view: MessageView) => RenderedMessage;

export function toView(notification: PlannedNotification, now: Date): MessageView {
  const target = safeLine(notification.target);
  const certificate = notification.certificate;
  const governingIndex = certificate ? certificate.chain.findIndex((cert) => cert.notAfter === certificate.notAfter) : -1;
  const governing = certificate && governingIndex >= 0 ? certificate.chain[governingIndex] : null;
  return {
    notification,
    now,
    target,
    asciiTarget: toAsciiTarget(target),
    certificate,
    remainingMs: remainingAt(certificate?.notAfter ?? null, notification.daysRemaining, now),
    governing,
    governingIsLeaf: governingIndex <= 0,
    addresses: addressPicture(notification),
    addressSummary: describeAddresses(notification),
  };
}

/**
 * Milliseconds from `now` to `notAfter`; when notAfter is missing or unreadable, the whole days `daysRemaining` proves
 * (a floor: 2 days left is at least 2 days; -3, expired more than 2 days ago); else null.
 */
export function remainingAt(notAfter: string | null, daysRemaining: number | null, now: Date): number | null {
  const notAfterMs = notAfter === null ? Number.NaN : Date.parse(notAfter);
  if (!Number.isNaN(notAfterMs)) return notAfterMs - now.getTime();
  if (daysRemaining === null) return null;
  // Still negative for -1 (expired less than a day ago): the renderers say "expired", never "expires in 0m".
  return daysRemaining < 0 ? Math.min(-1, (daysRemaining + 1) * DAY_MS) : daysRemaining * DAY_MS;
}
