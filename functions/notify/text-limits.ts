import { domainToASCII } from 'node:url';
import { stripControls } from '../core/safe-text';

// Text helpers for channels with hard limits: SNS subjects (ASCII, under 100 characters), SMS (140 plain
// ASCII characters in one segment). Pure. Stripping and cutting untrusted text is core/safe-text's.

/** SNS: "less than 100 characters", ASCII, no line breaks or control characters. */
export const SUBJECT_MAX_CHARS = 99;
/** One SMS segment of plain ASCII. */
export const SMS_MAX_CHARS = 140;
/** Leaves room in SNS's 256 KB message (email + sms + default, JSON-escaped) and its attributes. */
export const EMAIL_MAX_BYTES = 100_000;
export const DEFAULT_MAX_BYTES = 8_000;

/** Letters that Unicode decomposition does not reduce to ASCII, and common typographic punctuation. */
const TRANSLITERATIONS: Readonly<Record<string, string>> = {
  ß: 'ss', ẞ: 'SS', æ: 'ae', Æ: 'AE', œ: 'oe', Œ: 'OE', ø: 'o', Ø: 'O', ł: 'l', Ł: 'L', đ: 'd', Đ: 'D',
  ð: 'd', Ð: 'D', þ: 'th', Þ: 'TH', ı: 'i', ĸ: 'k', ŋ: 'ng', Ŋ: 'NG',
  '\u2018': "'", '\u2019': "'", '\u201A': "'", '\u201C': '"', '\u201D': '"', '\u201E': '"',
  '\u2013': '-', '\u2014': '-', '\u2212': '-', '\u2026': '...', '\u00A0': ' ', '\u00AB': '"', '\u00BB': '"',
  '\u2192': '->', '\u00B7': '-',
};

/**
 * One line of printable ASCII: accents dropped (`ü` -> `u`), a few letters and punctuation transliterated,
 * anything else (CJK, emoji) dropped; white space collapsed and trimmed.
 */
export function toAsciiLine(text: string): string {
  return asciiRun(text).trim();
}

/** As `toAsciiLine`, but keeps leading and trailing spaces, so that parts can be joined. */
function asciiRun(text: string): string {
  const decomposed = stripControls(text).normalize('NFKD').replace(/\p{M}/gu, '');
  let ascii = '';
  for (const char of decomposed) {
    if (char >= ' ' && char <= '~') ascii += char;
    else if (char === '\t' || char === '\n' || char === '\r') ascii += ' ';
    else ascii += TRANSLITERATIONS[char] ?? '';
  }
  return ascii.replace(/\s+/g, ' ');
}

/**
 * A target as ASCII. An internationalised host name becomes its punycode form (the name DNS and the
 * certificate actually use), not a look-alike transliteration; anything else falls back to `toAsciiLine`.
 */
export function toAsciiTarget(target: string): string {
  if (/^[\x20-\x7E]*$/.test(target)) return target;
  const match = /^([a-z][a-z0-9+.-]*:\/\/)?([^:/[\]]+)(:\d+)?$/i.exec(target.trim());
  if (match) {
    const host = domainToASCII(stripControls(match[2]));
    if (host) return `${match[1] ?? ''}${host}${match[3] ?? ''}`;
  }
  return toAsciiLine(target);
}

/** SMS text that stays in one GSM-7 segment: GSM escape characters take two septets, a backtick forces UCS-2. */
const GSM_SAFE: Readonly<Record<string, string>> = { '[': '(', ']': ')', '{': '(', '}': ')', '\\': '/', '|': '/', '~': '-', '^': "'", '`': "'" };

export function toSmsText(text: string): string {
  return asciiRun(text).replace(/[[\]{}\\|~^`]/g, (char) => GSM_SAFE[char]);
}

/**
 * Shortens ASCII text to `width` by replacing its middle with `...`, keeping more of the end: for a host
 * name the registered domain and the port are what tell targets apart.
 */
export function ellipsizeMiddle(text: string, width: number): string {
  if (text.length <= width) return text;
  if (width <= 3) return text.slice(0, Math.max(0, width));
  const keep = width - 3;
  const head = Math.floor(keep * 0.4);
  return `${text.slice(0, head)}...${text.slice(text.length - (keep - head))}`;
}

/**
 * Joins `before + flexible + after` within `max` ASCII characters: the flexible part (a long host name)
 * shrinks first, down to `minFlexible`; only then is the end cut. Inputs must already be ASCII.
 */
export function fitLine(before: string, flexible: string, after: string, max: number, minFlexible = 24): string {
  const whole = before + flexible + after;
  if (whole.length <= max) return whole;
  const room = Math.max(minFlexible, max - before.length - after.length);
  return cutEnd(before + ellipsizeMiddle(flexible, room) + after, max);
}

/**
 * The first of `afters` (most to least informative) that fits in `max` with the flexible part (the target) kept
 * whole or shortened no further than fitLine would; the last one, fitted, if none does.
 */
export function fitFirst(before: string, flexible: string, afters: readonly string[], max: number, minFlexible = 24): string {
  const flexibleRoom = Math.min(flexible.length, minFlexible);
  const fitting = afters.find((after) => before.length + flexibleRoom + after.length <= max) ?? afters[afters.length - 1];
  return fitLine(before, flexible, fitting, max, minFlexible);
}

/** Cuts plain ASCII at the end, marking the cut (one character is one code unit here). */
export function cutEnd(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3).trimEnd()}...`;
}
