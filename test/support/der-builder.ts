import { createPrivateKey, sign, type KeyObject } from 'node:crypto';

// A small DER encoder, so that tests can build certificates with any encoding in any field (a rare string type,
// a malformed extension), which certificate libraries refuse to produce. Signed with node:crypto when a server
// must serve them.

export type Der = Uint8Array;

/** One element: `tag`, a DER length, the contents. */
export function tlv(tag: number, ...contents: Der[]): Der {
  const body = Buffer.concat(contents);
  const length = body.length;
  let header: number[];
  if (length < 0x80) header = [tag, length];
  else {
    const octets: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest & 0xff);
    header = [tag, 0x80 | octets.length, ...octets];
  }
  return Buffer.concat([Buffer.from(header), body]);
}

export const seq = (...items: Der[]) => tlv(0x30, ...items);
export const set = (...items: Der[]) => tlv(0x31, ...items);
export const octets = (bytes: Der) => tlv(0x04, bytes);
export const bitString = (bytes: Der) => tlv(0x03, Buffer.from([0]), bytes);
export const boolean = (value: boolean) => tlv(0x01, Buffer.from([value ? 0xff : 0]));
export const nullValue = () => tlv(0x05);
/** A string element of any tag, its bytes given as a string (Latin-1) or raw bytes. */
export const text = (tag: number, value: string | Der) => tlv(tag, typeof value === 'string' ? Buffer.from(value, 'latin1') : value);
export const utf8 = (value: string) => tlv(0x0c, Buffer.from(value, 'utf8'));
export const printable = (value: string) => text(0x13, value);
export const ia5 = (value: string) => text(0x16, value);

export function oid(dotted: string): Der {
  const arcs = dotted.split('.').map(BigInt);
  const values = [arcs[0] * 40n + arcs[1], ...arcs.slice(2)];
  const bytes: number[] = [];
  for (const value of values) {
    const groups: number[] = [];
    for (let rest = value; ; rest >>= 7n) {
      groups.unshift(Number(rest & 0x7fn));
      if (rest < 0x80n) break;
    }
    bytes.push(...groups.map((group, i) => (i < groups.length - 1 ? group | 0x80 : group)));
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** An INTEGER from its content bytes exactly as given (sign byte included or not: the test decides). */
export const integer = (content: Der | number[]) => tlv(0x02, Buffer.from(content));

const two = (n: number) => String(n).padStart(2, '0');
export function utcTime(date: Date): Der {
  const d = date;
  return text(0x17, `${two(d.getUTCFullYear() % 100)}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}Z`);
}
export function generalizedTime(date: Date): Der {
  const d = date;
  return text(0x18, `${String(d.getUTCFullYear()).padStart(4, '0')}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}Z`);
}

/** One attribute (type OID and a value element) of a name. */
export const attribute = (type: string, value: Der) => seq(oid(type), value);
/** A Name from its RDNs, each a list of attributes (more than one: a multi-valued RDN). */
export const name = (...rdns: Der[][]) => seq(...rdns.map((attributes) => set(...attributes)));
export const cn = (value: string) => [attribute('2.5.4.3', printable(value))];

export const extension = (type: string, value: Der, critical = false) => seq(oid(type), ...(critical ? [boolean(true)] : []), octets(value));
/** subjectAltName from GeneralName elements (context tags: 0x82 dNSName, 0x87 iPAddress, ...). */
export const subjectAltName = (...names: Der[]) => extension('2.5.29.17', seq(...names));
export const dnsName = (value: string) => text(0x82, value);

export const OIDS = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
} as const;

export interface CertificateParts {
  readonly serial?: Der;
  readonly signatureAlgorithm?: Der;
  readonly issuer: Der;
  readonly subject: Der;
  readonly notBefore: Der;
  readonly notAfter: Der;
  /** DER SubjectPublicKeyInfo (KeyObject.export({ type: 'spki', format: 'der' })). */
  readonly spki: Der;
  readonly extensions?: readonly Der[];
  /** Without one, the signature is 64 bytes of zero: enough for parsing, not for a TLS server. */
  readonly signingKey?: KeyObject | string;
}

/** A v3 certificate from its parts; signed with `signingKey` (sha256, ECDSA or RSA) if given. */
export function certificate(parts: CertificateParts): Der {
  const signatureAlgorithm = parts.signatureAlgorithm ?? seq(oid(OIDS.ecdsaWithSha256));
  const tbs = seq(
    tlv(0xa0, integer([2])),
    parts.serial ?? integer([0x01, 0x23, 0x45]),
    signatureAlgorithm,
    parts.issuer,
    seq(parts.notBefore, parts.notAfter),
    parts.subject,
    parts.spki,
    ...(parts.extensions && parts.extensions.length > 0 ? [tlv(0xa3, seq(...parts.extensions))] : []),
  );
  const signature = parts.signingKey
    ? sign('sha256', tbs, typeof parts.signingKey === 'string' ? createPrivateKey(parts.signingKey) : parts.signingKey)
    : Buffer.alloc(64);
  return seq(tbs, signatureAlgorithm, bitString(signature));
}

export function toPem(der: Der): string {
  const base64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${base64.trimEnd()}\n-----END CERTIFICATE-----\n`;
}
