import { EMAIL_MAX_BYTES, SMS_MAX_CHARS, SUBJECT_MAX_CHARS } from '../../../functions/notify/text-limits';
import type { RenderedMessage } from '../../../functions/notify/render/message-view';

const PRINTABLE_ASCII = /^[\x20-\x7E]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Every channel of a rendered message within its limits: ASCII subject and SMS, bounded email, no character cut in two. */
export function expectWithinLimits(message: RenderedMessage): void {
  expect(message.subject.length).toBeLessThanOrEqual(SUBJECT_MAX_CHARS);
  expect(message.subject).toMatch(PRINTABLE_ASCII);
  expect(message.subject.length).toBeGreaterThan(10);
  expect(message.sms.length).toBeLessThanOrEqual(SMS_MAX_CHARS);
  expect(message.sms).toMatch(/^[\x20-\x5A\x5F\x61-\x7A]*$/); // printable ASCII without GSM escapes or backtick
  expect(Buffer.byteLength(message.email, 'utf8')).toBeLessThanOrEqual(EMAIL_MAX_BYTES);
  for (const text of Object.values(message)) expect(text).not.toMatch(LONE_SURROGATE);
}
