// A minimal reader of DER (the encoding of X.509 certificates): walks elements in place, without copying or
// building a tree, for the fields a check reports. A full ASN.1 decode (@peculiar/x509) costs 0.3-1 ms a
// certificate; reading these fields this way costs a few microseconds. See certificate-parser.ts.

/** One DER element in `bytes`: its tag, where its header begins and where its contents start and end. */
export interface DerElement {
  readonly tag: number;
  readonly headerStart: number;
  readonly start: number;
  readonly end: number;
}

/** Bytes that are not the DER this reader expects. */
export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

export const DER_TAG = {
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

/** The element starting at `at`, which must end by `limit`. */
export function readElement(bytes: Uint8Array, at: number, limit: number): DerElement {
  if (at + 2 > limit) throw new DerError(`truncated element at byte ${at}`);
  const tag = bytes[at];
  if ((tag & 0x1f) === 0x1f) throw new DerError(`multi-byte tag at byte ${at}`);
  let length = bytes[at + 1];
  let start = at + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 4) throw new DerError(`unsupported length form at byte ${at}`);
    if (start + octets > limit) throw new DerError(`truncated length at byte ${at}`);
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + bytes[start + i];
    start += octets;
  }
  const end = start + length;
  if (end > limit) throw new DerError(`element at byte ${at} runs past its container`);
  return { tag, headerStart: at, start, end };
}

/** The element at `at`, which must carry `tag`. */
export function expectElement(bytes: Uint8Array, at: number, limit: number, tag: number, what: string): DerElement {
  const element = readElement(bytes, at, limit);
  if (element.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, found 0x${element.tag.toString(16)}`);
  return element;
}

/** The elements directly inside a constructed element (a SEQUENCE or SET), in order. */
export function childrenOf(bytes: Uint8Array, parent: DerElement): DerElement[] {
  const children: DerElement[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const child = readElement(bytes, at, parent.end);
    children.push(child);
    at = child.end;
  }
  return children;
}

/**
 * An OBJECT IDENTIFIER in dotted form; null for an arc too large to be an exact JavaScript number (no
 * certificate field this reader names uses one: the caller treats it as "unknown").
 */
export function oidText(bytes: Uint8Array, element: DerElement): string | null {
  if (element.start === element.end) throw new DerError('empty object identifier');
  const arcs: number[] = [];
  let value = 0;
  let octets = 0;
  for (let i = element.start; i < element.end; i++) {
    const byte = bytes[i];
    if (++octets > 7) return null; // 7 x 7 bits: beyond that an arc may not be exact
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(value);
      value = 0;
      octets = 0;
    }
  }
  if (octets !== 0) throw new DerError('object identifier ends inside an arc');
  const first = arcs[0];
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}

/** Contents as one character per byte (PrintableString, IA5String, and any byte string read as Latin-1). */
export function latin1Text(bytes: Uint8Array, element: DerElement): string {
  // Names and SANs are short: a loop is cheaper than making a Buffer to decode each one.
  if (element.end - element.start > 64) return Buffer.from(bytes.buffer, bytes.byteOffset + element.start, element.end - element.start).toString('latin1');
  let text = '';
  for (let i = element.start; i < element.end; i++) text += String.fromCharCode(bytes[i]);
  return text;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Contents as UTF-8; null when they are not valid UTF-8. */
export function utf8Text(bytes: Uint8Array, element: DerElement): string | null {
  try {
    return strictUtf8.decode(bytes.subarray(element.start, element.end));
  } catch {
    return null;
  }
}

/** Contents as upper-case hex. */
export function hexText(bytes: Uint8Array, element: DerElement): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + element.start, element.end - element.start).toString('hex').toUpperCase();
}

/** A UTCTime (YYMMDDHHMMSSZ; years 50-99 are 19xx) or GeneralizedTime (YYYYMMDDHHMMSSZ); null for other forms. */
export function timeValue(bytes: Uint8Array, element: DerElement): Date | null {
  const yearDigits = element.tag === DER_TAG.utcTime ? 2 : element.tag === DER_TAG.generalizedTime ? 4 : 0;
  const length = element.end - element.start;
  if (yearDigits === 0 || length !== yearDigits + 11 || bytes[element.end - 1] !== 0x5a /* Z */) return null;
  let at = element.start;
  const digits = (count: number): number => {
    let value = 0;
    for (const end = at + count; at < end; at++) {
      const digit = bytes[at] - 0x30;
      if (digit < 0 || digit > 9) return Number.NaN;
      value = value * 10 + digit;
    }
    return value;
  };
  const year = digits(yearDigits);
  const [month, day, hour, minute, second] = [digits(2), digits(2), digits(2), digits(2), digits(2)];
  if ([year, month, day, hour, minute, second].some(Number.isNaN)) return null;
  const fullYear = yearDigits === 2 ? (year >= 50 ? 1900 + year : 2000 + year) : year;
  return new Date(Date.UTC(fullYear, month - 1, day, hour, minute, second));
}
