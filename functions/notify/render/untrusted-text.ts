import { clipText, stripControls } from '../../core/safe-text';
import { redactCredentials } from '../../core/target';

// Text from a certificate, a server or the configuration, as a message shows it. Targets and error messages pass
// through `redactCredentials` in case a URL with a password ever reaches one.

/**
 * One line: no control or bidi characters, no line breaks, no URL passwords. Not core's terminalSafe: that turns a
 * lone CR into a space, which would split a password (`user:pa\rss@host`) into two words and defeat the redaction.
 */
export function safeLine(text: string): string {
  return redactCredentials(stripControls(text).replace(/[\r\n\t]+/g, ' '));
}

/** One value (a DN, a name, an error message): a safe line, cut to DETAIL_LIMITS.textChars. */
export function safeField(text: string): string {
  return clipText(safeLine(text));
}
