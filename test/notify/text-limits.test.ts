import {
  ellipsizeMiddle,
  fitLine,
  toAsciiLine,
  toAsciiTarget,
  toSmsText,
} from '../../functions/notify/text-limits';

const PRINTABLE_ASCII = /^[\x20-\x7E]*$/;

describe('toAsciiLine', () => {
  test('drops accents, transliterates letters and punctuation, drops what has no ASCII form', () => {
    expect(toAsciiLine('Bücher Straße – Œuvre “quoted” 証明書 😀 end')).toBe('Bucher Strasse - OEuvre "quoted" end');
  });

  test('removes control and bidi-override characters and collapses line breaks', () => {
    expect(toAsciiLine('evil\u202Emoc.elgoog\u0007\r\nnext\tline')).toBe('evilmoc.elgoog next line');
  });
});

describe('toAsciiTarget', () => {
  test('an internationalised host becomes punycode, the name DNS actually uses', () => {
    expect(toAsciiTarget('bücher.example:443')).toBe('xn--bcher-kva.example:443');
    expect(toAsciiTarget('smtp://bücher.example:25')).toBe('smtp://xn--bcher-kva.example:25');
  });

  test('ASCII targets are unchanged', () => {
    expect(toAsciiTarget('[2001:db8::1]:443')).toBe('[2001:db8::1]:443');
  });
});

describe('toSmsText', () => {
  test('avoids characters that take two GSM septets or force UCS-2', () => {
    expect(toSmsText('[2001:db8::1]:443 `x` {a|b} ~^\\')).toBe("(2001:db8::1):443 'x' (a/b) -'/");
  });
});

describe('fitLine and ellipsizeMiddle', () => {
  test('shrinks the middle of the flexible part first and keeps its end', () => {
    const host = `${'a'.repeat(240)}.example.com:443`;
    const line = fitLine('CERTWATCH CRITICAL ', host, ' expires in 2d 5h', 60);
    expect(line).toHaveLength(60);
    expect(line.startsWith('CERTWATCH CRITICAL aaa')).toBe(true);
    expect(line).toContain('...');
    expect(line.endsWith('.com:443 expires in 2d 5h')).toBe(true);
  });

  test('cuts the end only when the fixed parts alone are too long', () => {
    const line = fitLine('x'.repeat(100), 'host', 'y'.repeat(100), 50);
    expect(line).toHaveLength(50);
    expect(line.endsWith('...')).toBe(true);
  });

  test('leaves text that fits alone', () => {
    expect(ellipsizeMiddle('short', 10)).toBe('short');
  });
});


test('every helper output for a hostile input is printable ASCII', () => {
  const hostile = '\u0000\u001B[31mred\u202E 証明書 \u{1F600} tab\there';
  for (const text of [toAsciiLine(hostile), toSmsText(hostile), toAsciiTarget(hostile)]) expect(text).toMatch(PRINTABLE_ASCII);
});
