import { domainToASCII } from 'node:url';

// Text helpers for channels with hard limits: SNS subjects (ASCII, under 100 characters), SMS (140 plain
// ASCII characters in one segment) and email (UTF-8, bounded bytes). Pure; nothing here cuts a character.

/** Letters that Unicode decomposition does not reduce to ASCII, and common typographic punctuation. */
const TRANSLITERATIONS: Readonly<Record<string, string>> = {
  ß: 'ss', ẞ: 'SS', æ: 'ae', Æ: 'AE', œ: 'oe', Œ: 'OE', ø: 'o', Ø: 'O', ł: 'l', Ł: 'L', đ: 'd', Đ: 'D',
  ð: 'd', Ð: 'D', þ: 'th', Þ: 'TH', ı: 'i', ĸ: 'k', ŋ: 'ng', Ŋ: 'NG',
  '\u2018': "'", '\u2019': "'", '\u201A': "'", '\u201C': '"', '\u201D': '"', '\u201E': '"',
  '\u2013': '-', '\u2014': '-', '\u2212': '-', '\u2026': '...', '\u00A0': ' ', '\u00AB': '"', '\u00BB': '"',
  '\u2192': '->', '\u00B7': '-',
};

/**
 * C0/C1 controls (tab and newline are left to callers), Unicode line separators, and bidirectional
 * overrides that could disguise a name.
 */
const CONTROL_OR_BIDI = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200E\u200F\u2028-\u202E\u2066-\u2069\uFEFF]/g;

/** Removes control and bidi-override characters from text that came from a certificate or a server. */
export function stripControls(text: string): string {
  return text.replace(CONTROL_OR_BIDI, '');
}

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
  const shortened = before + ellipsizeMiddle(flexible, room) + after;
  return shortened.length <= max ? shortened : `${shortened.slice(0, max - 3).trimEnd()}...`;
}

/** Built on first use: creating a Segmenter loads ICU's break rules, about 10 ms that most runs never need. */
let graphemes: Intl.Segmenter | undefined;

/** Cuts `text` to at most `maxChars` UTF-16 units at a grapheme boundary, marking the cut with `...`. */
export function truncateText(text: string, maxChars: number, marker = '...'): string {
  if (text.length <= maxChars) return text;
  return text.slice(0, graphemeBoundaryAtOrBefore(text, Math.max(0, maxChars - marker.length))) + marker;
}

/** Cuts `text` to at most `maxBytes` of UTF-8 at a grapheme boundary, ending with `marker`. */
export function truncateUtf8(text: string, maxBytes: number, marker = '\n[... truncated]'): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const budget = Math.max(0, maxBytes - Buffer.byteLength(marker, 'utf8'));
  let bytes = 0;
  let cut = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > budget) break;
    bytes += size;
    cut += char.length;
  }
  return text.slice(0, graphemeBoundaryAtOrBefore(text, cut)) + marker;
}

/** The largest grapheme boundary at or before `index` (never inside a surrogate pair or a combining sequence). */
function graphemeBoundaryAtOrBefore(text: string, index: number): number {
  if (index <= 0) return 0;
  if (index >= text.length) return text.length;
  // Only the neighbourhood of the cut matters; a grapheme cluster longer than this window is pathological.
  const start = Math.max(0, index - 64);
  const window = text.slice(start, Math.min(text.length, index + 64));
  graphemes ??= new Intl.Segmenter('en', { granularity: 'grapheme' });
  const containing = graphemes.segment(window).containing(index - start);
  return containing ? start + containing.index : index;
}
