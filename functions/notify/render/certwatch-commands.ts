import { INVALID_STAGE } from '../../core/escalation/alerts';
import type { PlannedNotification } from '../../core/watch-state';

// The certwatch commands a message tells its reader to run, quoted for a POSIX shell.

/** `certwatch check TARGET`: to verify a fix or reproduce a failure. */
export function checkCommand(target: string): string {
  return `certwatch check ${shellQuote(target)}`;
}

export function ackCommand(notification: PlannedNotification): string {
  // A certificate may have several alerts at once (an expiry stage, a probe failure, a rejected certificate):
  // name the alert so the right one is silenced.
  const alert = alertToAcknowledge(notification);
  return `certwatch ack ${shellQuote(notification.certificateId)}${alert ? ` --alert ${alert}` : ''}`;
}

/** The `--alert` a notice's ack command names: its own, unless it is the expiry stage (the default). */
export function alertToAcknowledge(notification: PlannedNotification): 'error' | 'invalid' | null {
  if (notification.kind !== 'error') return null;
  return notification.stage === INVALID_STAGE ? 'invalid' : 'error';
}

/** Quotes for a POSIX shell when the text has characters a shell would interpret (IPv6 brackets, spaces). */
function shellQuote(text: string): string {
  return /^[A-Za-z0-9_:./@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
