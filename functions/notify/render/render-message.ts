import { DISAPPEARED_STAGE, INVALID_STAGE } from '../../core/escalation/alerts';
import { truncateUtf8 } from '../../core/safe-text';
import type { PlannedNotification } from '../../core/watch-state';
import { cutEnd, DEFAULT_MAX_BYTES, EMAIL_MAX_BYTES, SMS_MAX_CHARS, SUBJECT_MAX_CHARS, toAsciiLine, toSmsText } from '../text-limits';
import { renderDigest } from './digest-message';
import { renderDisappeared } from './disappeared-message';
import { renderExpiry } from './expiry-message';
import { renderInvalid } from './invalid-message';
import { toView, type MessageRenderer, type RenderedMessage } from './message-view';
import { renderProbeFailure } from './probe-failure-message';
import { renderRecovery } from './recovery-message';

// Renders one planned notification for every SNS channel: a subject (email), a long plain-text email, one SMS
// and a short `default` text for any other protocol (HTTPS, SQS, Lambda). Pure: takes `now`, does no I/O.
// Only what the notification carries is rendered: it holds no contact details and no secrets, and targets
// and error messages pass through `redactCredentials` in case a URL with a password ever reaches one.

/** Renders `notification` as seen at `now` (time left is counted from `now`, not from the decision). */
export function renderMessage(notification: PlannedNotification, now: Date): RenderedMessage {
  const rendered = RENDERERS[notification.kind](toView(notification, now));
  // The renderers fit their own limits, keeping what matters most; these cuts are only a last guard.
  return {
    subject: cutEnd(toAsciiLine(rendered.subject), SUBJECT_MAX_CHARS),
    sms: cutEnd(toSmsText(rendered.sms).trim(), SMS_MAX_CHARS),
    email: truncateUtf8(rendered.email, EMAIL_MAX_BYTES),
    default: truncateUtf8(rendered.default, DEFAULT_MAX_BYTES),
  };
}

const RENDERERS: Readonly<Record<PlannedNotification['kind'], MessageRenderer>> = {
  expiry: renderExpiry,
  recovery: renderRecovery,
  // Kind `error` carries the alerts about something wrong now: a probe that fails, a certificate clients reject, and
  // an ACM or IAM certificate gone from its listing.
  error: (view) => (view.notification.stage === INVALID_STAGE ? renderInvalid(view) : view.notification.stage === DISAPPEARED_STAGE ? renderDisappeared(view) : renderProbeFailure(view)),
  digest: renderDigest,
};
