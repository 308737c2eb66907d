import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../core/duration';
import type { MessageView } from './message-view';
import { safeField } from './untrusted-text';

// Time left and dates, as messages say them: short (`2d 5h`) for subjects and SMS, long (`2 days 5 hours`) for emails,
// dates in UTC. Durations round down: never more time than there is.

/** `expires in 2d 5h (2026-12-01 10:00 UTC)` or `expired 3d 2h ago (...)`, for subjects and SMS. */
export function shortWhen(view: MessageView): string {
  const at = view.certificate ? ` (${utcMinutes(view.certificate.notAfter)})` : '';
  if (view.remainingMs === null) return `expiry unknown${at}`;
  return view.remainingMs < 0 ? `expired ${shortDuration(-view.remainingMs)} ago${at}` : `expires in ${shortDuration(view.remainingMs)}${at}`;
}

/** ` (in 2 days 5 hours)` or ` (expired 3 days 2 hours ago)`, after a date; nothing when the time left is unknown. */
export function leftClause(view: MessageView): string {
  if (view.remainingMs === null) return '';
  return view.remainingMs < 0 ? ` (expired ${longDuration(-view.remainingMs)} ago)` : ` (in ${longDuration(view.remainingMs)})`;
}

/** `2d 5h`, `5h 20m`, `20m`. */
export function shortDuration(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  const hours = Math.floor((ms % DAY_MS) / HOUR_MS);
  const minutes = Math.floor((ms % HOUR_MS) / MINUTE_MS);
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  return `${minutes}m`;
}

/** `2 days 5 hours`, `5 hours 20 minutes`, `20 minutes`. */
export function longDuration(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  const hours = Math.floor((ms % DAY_MS) / HOUR_MS);
  const minutes = Math.floor((ms % HOUR_MS) / MINUTE_MS);
  const unit = (value: number, name: string) => `${value} ${name}${value === 1 ? '' : 's'}`;
  if (days > 0) return `${unit(days, 'day')} ${unit(hours, 'hour')}`;
  if (hours > 0) return `${unit(hours, 'hour')} ${unit(minutes, 'minute')}`;
  return unit(minutes, 'minute');
}

/** `2026-12-01`. */
export function utcDate(iso: string | null | undefined): string {
  return formatUtc(iso, 10).replace(/ UTC$/, '');
}

/** `2026-12-01 10:00 UTC`; an unparseable value is shown as given (made safe). */
export function utcMinutes(iso: string | null | undefined): string {
  return formatUtc(iso, 16);
}

/** `2026-12-01 10:00:00 UTC`. */
export function utcSeconds(iso: string | null | undefined): string {
  return formatUtc(iso, 19);
}

function formatUtc(iso: string | null | undefined, length: number): string {
  if (!iso) return 'an unknown date';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return safeField(iso);
  return `${new Date(ms).toISOString().slice(0, length).replace('T', ' ')} UTC`;
}

/** A suggested snooze for the ack example: one day from now, to the second. */
export function snoozeExample(now: Date): string {
  return new Date(now.getTime() + DAY_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
