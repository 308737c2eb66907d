import { clipText, stripControls } from '../../core/safe-text';
import { redactCredentials } from '../../core/target';

// Text from a certificate, a server or the configuration, as a message shows it. Targets and error messages pass
// through `redactCredentials` in case a URL with a password ever reaches one.

/**
 * One line: no URL passwords, no control or bidi characters, no line breaks. Redacted first, while a line break or a
 * control character inside a password (`user:pa\rss@host`) still holds the password together.
 */
export function safeLine(text: string): string {
  return stripControls(redactCredentials(text)).replace(/[\r\n\t]+/g, ' ');
}

/** One value (a DN, a name, an error message): a safe line, cut to DETAIL_LIMITS.textChars. */
export function safeField(text: string): string {
  return clipText(safeLine(text));
}
