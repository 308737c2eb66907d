import { clipText, DETAIL_LIMITS, stripControls, terminalSafe, truncateText, truncateUtf8 } from '../../functions/core/safe-text';

/** A lone surrogate is what cutting inside a character leaves behind. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('truncation never cuts a character', () => {
  const emoji = '\u{1F600}';
  const family = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}';
  const combining = 'e\u0301';

  test.each([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])('truncateText at %i units', (max) => {
    const cut = truncateText(`${emoji}${family}${combining}${emoji}`.repeat(3), max, '');
    expect(cut.length).toBeLessThanOrEqual(max);
    expect(cut).not.toMatch(LONE_SURROGATE);
    expect(cut.endsWith('e')).toBe(false);
  });

  test.each([3, 4, 5, 7, 9, 20, 41])('truncateUtf8 at %i bytes', (max) => {
    const cut = truncateUtf8(`ab${emoji}é${family}${combining}`.repeat(5), max, '');
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(max);
    expect(cut).not.toMatch(LONE_SURROGATE);
    expect(Buffer.from(cut, 'utf8').toString('utf8')).toBe(cut);
    expect(cut.endsWith('e')).toBe(false);
  });

  test('the marker counts towards the limit', () => {
    const cut = truncateUtf8('ä'.repeat(1000), 100);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(100);
    expect(cut.endsWith('[... truncated]')).toBe(true);
  });
});


describe('one stripper for notices and terminals', () => {
  test('controls, bidi overrides and isolates, separators and the byte order mark go; tab and line feed stay for the caller', () => {
    expect(stripControls('a\u0007b\u202Ec\u2066d\u2028e\uFEFFf\u061Cg\u009Bh\ti\nj\rk')).toBe('abcdefgh\ti\njk');
  });

  test('a terminal cell is one line', () => {
    expect(terminalSafe('evil\u001b]0;title\u0007\r\nnext\tline\u202E')).toBe('evil]0;title next line');
  });

  test('clipText bounds any one text to DETAIL_LIMITS.textChars, marking the cut', () => {
    const clipped = clipText('x'.repeat(1000));
    expect(clipped).toHaveLength(DETAIL_LIMITS.textChars);
    expect(clipped.endsWith('...')).toBe(true);
    expect(clipText('short')).toBe('short');
  });
});
