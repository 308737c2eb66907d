// Text taken from a certificate, a server or a config (DNs, SANs, error messages, targets): made safe to store and
// to show, and bounded. Pure; nothing here cuts a character in two.

/**
 * How much of a certificate's details certwatch keeps and shows: what is stored per certificate (so that a hostile
 * certificate cannot push a DynamoDB item past 400 KB) and what a message lists are the same bounds.
 */
export const DETAIL_LIMITS = {
  /** SANs per certificate (`sanCount` keeps the total). */
  sans: 100,
  /** Served certificates, leaf first. */
  chain: 10,
  /** Findings per certificate. */
  findings: 30,
  /** Addresses behind a name remembered (and listed) per target; `addressCount` keeps the total. */
  addresses: 32,
  /** Any one text: a DN, a SAN, a finding or error message. */
  textChars: 300,
} as const;

/**
 * C0 and C1 controls (tab and line feed are left to callers), DEL, Unicode line and paragraph separators, the Arabic
 * letter mark, bidi marks, embeddings, overrides and isolates, and the byte order mark: text from a certificate or a
 * server must not move a terminal's cursor, retitle it, or reorder what a reader sees (a name disguised by an
 * override).
 */
const CONTROL_OR_BIDI = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028-\u202E\u2066-\u2069\uFEFF]/g;

/** Removes control and bidi characters (keeping tab and line feed, which callers turn into what fits). */
export function stripControls(text: string): string {
  return text.replace(CONTROL_OR_BIDI, '');
}

/** One line for a terminal: line breaks and tabs become spaces, other controls go. */
export function terminalSafe(text: string): string {
  return stripControls(text.replace(/[\t\n\r]+/g, ' '));
}

/** Cuts a text from a certificate or a server to DETAIL_LIMITS.textChars, marking the cut. */
export function clipText(text: string): string {
  return truncateText(text, DETAIL_LIMITS.textChars);
}

/** Built on first use: creating a Segmenter loads ICU's break rules, about 10 ms that most runs never need. */
let graphemes: Intl.Segmenter | undefined;

/** Cuts `text` to at most `maxChars` UTF-16 units at a grapheme boundary, marking the cut with `marker`. */
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
