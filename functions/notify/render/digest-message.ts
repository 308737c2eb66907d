import { DAY_MS } from '../../core/duration';
import type { DigestLine } from '../../core/watch-state';
import { EMAIL_MAX_BYTES, fitLine, SMS_MAX_CHARS, SUBJECT_MAX_CHARS, toAsciiTarget, toSmsText } from '../text-limits';
import { lines, section } from './email-layout';
import { footer } from './email-sections';
import { remainingAt, type MessageView, type RenderedMessage } from './message-view';
import { shortDuration, utcMinutes } from './time-format';
import { safeField, safeLine } from './untrusted-text';

// The periodic digest: every certificate that needs attention, in planDigest's order (soonest first), as many as
// fit in an email, an SMS and a subject.

interface DigestEntry {
  readonly line: DigestLine;
  readonly remainingMs: number | null;
}

export function renderDigest(view: MessageView): RenderedMessage {
  const entries = digestEntries(view.notification.digest ?? [], view.now);
  const count = entries.length;
  const noun = count === 1 ? 'certificate' : 'certificates';
  const first = entries[0];
  const headline = count === 0
    ? `certwatch digest for ${utcMinutes(view.now.toISOString())}: no certificate needs attention.`
    : `certwatch digest for ${utcMinutes(view.now.toISOString())}: ${count} ${noun} need${count === 1 ? 's' : ''} attention (inside the first stage, failing, or rejected by clients), soonest first.`;

  const body: string[] = [];
  let bytes = 0;
  for (const [index, entry] of entries.entries()) {
    const item = digestItem(index + 1, entry);
    bytes += Buffer.byteLength(item, 'utf8');
    if (bytes > EMAIL_MAX_BYTES - 8_000) {
      body.push(`  ... and ${count - index} more (certwatch status lists them all)`);
      break;
    }
    body.push(item);
  }
  const email = [
    headline,
    '',
    ...(count > 0 ? [...body, ''] : []),
    ...section('WHAT TO DO', count === 0 ? ['Nothing.'] : [
      'Renew (or fix) and deploy the certificates above, soonest first; each also has its own alerts.',
      'Acknowledge one: certwatch ack <certificateId> [--until ISO-8601 time]',
      `or invoke the certwatch on-demand function with ${JSON.stringify({ action: 'ack', certificateId: '<certificateId>', until: '<ISO-8601 time>' })}`,
    ]),
    ...footer(view),
  ];

  return {
    subject: first
      ? fitLine(`[certwatch] Digest: ${count} ${noun}, soonest `, entryTarget(first), ` ${entryWhen(first)}`, SUBJECT_MAX_CHARS)
      : '[certwatch] Digest: no certificate needs attention',
    sms: digestSms(entries),
    email: lines(email),
    default: lines([headline, ...body.slice(0, 20)]),
  };
}

/** The lines in the order given: planDigest's `soonestExpiryFirst` is the one order, not re-decided here. */
function digestEntries(digestLines: readonly DigestLine[], now: Date): DigestEntry[] {
  return digestLines.map((line) => ({ line, remainingMs: remainingAt(line.notAfter, line.daysRemaining, now) }));
}

/** As many "target days" pairs as fit in one SMS, soonest first, then how many were left out. */
function digestSms(entries: readonly DigestEntry[]): string {
  const count = entries.length;
  const head = `CERTWATCH DIGEST ${count} ${count === 1 ? 'cert' : 'certs'}`;
  if (count === 0) return `${head}: none needs attention`;
  let text = `${head}:`;
  for (const [index, entry] of entries.entries()) {
    const rest = count - index - 1;
    const more = rest > 0 ? ` +${rest} more` : '';
    const candidate = `${text} ${toSmsText(entryTarget(entry))} ${entryShort(entry)}${rest > 0 ? ',' : ''}`;
    if (candidate.length + more.length <= SMS_MAX_CHARS) {
      text = candidate;
      continue;
    }
    // The soonest one is always named, its host name shortened if it must be.
    if (index === 0) return fitLine(`${head}: `, toSmsText(entryTarget(entry)), ` ${entryShort(entry)}${more}`, SMS_MAX_CHARS);
    return `${text.replace(/,$/, '')} +${count - index} more`;
  }
  return text;
}

function entryTarget(entry: DigestEntry): string {
  return toAsciiTarget(safeLine(entry.line.target));
}

function digestItem(position: number, { line, remainingMs }: DigestEntry): string {
  const when = line.notAfter === null
    ? 'expiry unknown'
    : remainingMs !== null && remainingMs < 0
      ? `EXPIRED ${shortDuration(-remainingMs)} ago (${utcMinutes(line.notAfter)})`
      : `expires in ${shortDuration(remainingMs ?? 0)} (${utcMinutes(line.notAfter)})`;
  const rejected = line.rejectedFor && line.rejectedFor.length > 0 ? [`rejected by clients: ${line.rejectedFor.join(', ')}`] : [];
  const state = [`stage ${line.stage ?? '-'}`, `status ${line.status}`, ...rejected, ...(line.acknowledged ? [acknowledgedText(line)] : [])].join(', ');
  return [
    `  ${position}. ${safeField(line.target)}  ${when}  [${state}]`,
    `     ${line.subject ? safeField(line.subject) : 'certificate not read yet'}  (id ${safeLine(line.certificateId)})`,
    ...(line.addressSummary ? [`     ${safeLine(line.addressSummary)}`] : []),
  ].join('\n');
}

/** `acknowledged by alice until 2026-12-01 09:00 UTC: OPS-42`, as far as the acknowledgement says. */
function acknowledgedText(line: DigestEntry['line']): string {
  const ack = line.acknowledgement;
  if (!ack) return 'acknowledged';
  return `acknowledged${ack.by ? ` by ${safeField(ack.by)}` : ''}${ack.until ? ` until ${utcMinutes(ack.until)}` : ''}${ack.note ? `: ${safeField(ack.note)}` : ''}`;
}

/** `in 2d 5h` or `expired 1d 0h ago`, for the subject. */
function entryWhen(entry: DigestEntry): string {
  if (entry.remainingMs === null) return '(expiry unknown)';
  return entry.remainingMs < 0 ? `expired ${shortDuration(-entry.remainingMs)} ago` : `in ${shortDuration(entry.remainingMs)}`;
}

/** `2d` or `-1d`, for the SMS. */
function entryShort(entry: DigestEntry): string {
  if (entry.remainingMs === null) return '?';
  return entry.remainingMs < 0 ? `-${Math.ceil(-entry.remainingMs / DAY_MS)}d` : `${Math.floor(entry.remainingMs / DAY_MS)}d`;
}
