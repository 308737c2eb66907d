import { X509Certificate } from 'node:crypto';
import {
  childrenOf,
  DER_TAG,
  DerError,
  expectElement,
  hexText,
  latin1Text,
  oidText,
  readElement,
  timeValue,
  utf8Text,
  type DerElement,
} from './der';
import type * as FullDecode from './certificate-decode';
import type { CertificateInfo } from './certificate';
import { CURVE_BITS, EDWARDS_BITS, fingerprintSha256, SIGNATURE_OIDS, type KeyDescription } from './x509-names';

/**
 * Reads what a check reports from a DER certificate: the probes' hot path, a few microseconds a certificate.
 *
 * Only the fields of CertificateInfo are read, and of the extensions only subjectAltName: a malformed extension
 * of another kind (one a check never looks at) does not make the certificate unreadable. Values are exactly
 * those of the full decode (decodeCertificate in certificate-decode.ts, @peculiar/x509): the common encodings
 * are read here, and anything else (a rare string type in a name, an otherName SAN, an RSA-PSS signature, ...)
 * is handed to the library, that one field at a time. A field neither takes (a malformed subjectAltName) is read as
 * OpenSSL reads it, so that a certificate the TLS handshake read is still reported, dates and all. Throws on bytes
 * that OpenSSL does not take for a certificate either.
 * `fingerprintSha256`, when the caller has it already (Node computes it for every peer certificate), is not
 * computed again.
 */
export function parseCertificate(der: Uint8Array, known: { readonly fingerprintSha256?: string } = {}): CertificateInfo {
  let fields: CertificateFields;
  try {
    fields = readCertificateFields(der);
  } catch (error) {
    if (!(error instanceof DerError)) throw error;
    // Encodings this reader does not walk (BER lengths, say): the library's decode decides, else OpenSSL's reading.
    try {
      return fullDecode().decodeCertificate(der).info;
    } catch (refused) {
      return openSslReading(der, known) ?? throwAgain(refused);
    }
  }
  // Each field: read here, else by the library, else (a part neither takes, such as a malformed subjectAltName, in a
  // certificate the TLS handshake read) as OpenSSL reads it, so that the certificate is still reported, dates and all.
  let openSsl: X509Certificate | null | undefined;
  const field = <T>(here: (() => T | null) | null, library: () => T, fromOpenSsl: (certificate: X509Certificate) => T): T => {
    const read = here === null ? null : unlessMalformed(here);
    if (read !== null) return read;
    try {
      return library();
    } catch (refused) {
      openSsl ??= openSslCertificate(der);
      return openSsl === null ? throwAgain(refused) : fromOpenSsl(openSsl);
    }
  };
  const slice = (element: DerElement) => der.subarray(element.headerStart, element.end);
  const subject = field(() => nameText(der, fields.subject), () => fullDecode().nameText(slice(fields.subject)), (certificate) => openSslName(certificate.subject));
  const issuer = field(() => nameText(der, fields.issuer), () => fullDecode().nameText(slice(fields.issuer)), (certificate) => openSslName(certificate.issuer));
  const dates =
    fields.notBefore && fields.notAfter ? { notBefore: fields.notBefore, notAfter: fields.notAfter } : field(null, () => fullDecode().validity(der), openSslDates);
  const san = fields.subjectAltName;
  return {
    subject,
    issuer,
    sans: san ? field(() => subjectAltNames(der, san), () => fullDecode().subjectAltNames(slice(san)), openSslAltNames) : [],
    notBefore: dates.notBefore.toISOString(),
    notAfter: dates.notAfter.toISOString(),
    serialNumber: fields.serialNumber,
    fingerprintSha256: known.fingerprintSha256 ?? fingerprintSha256(der),
    ...field(() => describeKey(der, fields.subjectPublicKeyInfo), () => fullDecode().describeKey(slice(fields.subjectPublicKeyInfo)), openSslKey),
    signatureAlgorithm: (fields.signatureOid && SIGNATURES[fields.signatureOid]) ?? field(null, () => fullDecode().describeSignature(der), () => 'unknown'),
    // An issuer name is never empty: two that are (names nobody could read) are not the same name.
    selfIssued: subject === issuer && issuer !== '',
  };
}

function throwAgain(error: unknown): never {
  throw error;
}

/** What a reader of one field gives, or null when the field's DER is not what it walks: the library reads it then. */
function unlessMalformed<T>(read: () => T | null): T | null {
  try {
    return read();
  } catch (error) {
    if (error instanceof DerError) return null;
    throw error;
  }
}

/** OpenSSL's names for the curves a check names. */
const OPENSSL_CURVES: Readonly<Record<string, string>> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521', secp256k1: 'K-256' };

/** The certificate as OpenSSL reads it (node:crypto's X509Certificate), with readable dates; null when it refuses it. */
function openSslCertificate(der: Uint8Array): X509Certificate | null {
  try {
    const certificate = new X509Certificate(der);
    openSslDates(certificate);
    return certificate;
  } catch {
    return null;
  }
}

/**
 * A certificate neither reader takes as a whole (BER the hot path does not walk, with a part the library refuses), as
 * OpenSSL reads it: see the fields' readers below. null when OpenSSL refuses it too.
 */
function openSslReading(der: Uint8Array, known: { readonly fingerprintSha256?: string }): CertificateInfo | null {
  const certificate = openSslCertificate(der);
  if (certificate === null) return null;
  const dates = openSslDates(certificate);
  const subject = openSslName(certificate.subject);
  const issuer = openSslName(certificate.issuer);
  return {
    subject,
    issuer,
    sans: openSslAltNames(certificate),
    notBefore: dates.notBefore.toISOString(),
    notAfter: dates.notAfter.toISOString(),
    serialNumber: openSslSerial(certificate.serialNumber),
    fingerprintSha256: known.fingerprintSha256 ?? fingerprintSha256(der),
    ...openSslKey(certificate),
    signatureAlgorithm: SIGNATURES[unlessMalformed(() => outerSignatureOid(der)) ?? ''] ?? 'unknown',
    selfIssued: subject === issuer && issuer !== '',
  };
}

/** notBefore and notAfter as OpenSSL prints them ("Apr  1 00:00:00 2026 GMT"); throws on its "Bad time value". */
function openSslDates(certificate: X509Certificate): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(certificate.validFrom);
  const notAfter = new Date(certificate.validTo);
  if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime())) throw new DerError(`OpenSSL cannot read the dates (${certificate.validFrom}, ${certificate.validTo})`);
  return { notBefore, notAfter };
}

/** OpenSSL's short names where the library writes others (ATTRIBUTE_NAMES), or an OID. */
const OPENSSL_ATTRIBUTE_NAMES: Readonly<Record<string, string>> = { emailAddress: 'E', GN: 'G', initials: 'I', title: 'T', serialNumber: '2.5.4.5' };

/** A name as Node prints it (one attribute a line, a multi-valued one joined by " + ") in the library's form. */
function openSslName(printed: string | undefined): string {
  return (printed ?? '')
    .split('\n')
    .map((rdn) =>
      rdn
        .split(' + ')
        .map((attribute) => attribute.replace(/^([^=]+)=/, (_, type: string) => `${OPENSSL_ATTRIBUTE_NAMES[type] ?? type}=`))
        .join('+'),
    )
    .join(', ');
}

/** OpenSSL's hex serial (no sign byte, "0" for zero) as the readers give it: whole bytes, upper case; a negative one as printed. */
function openSslSerial(hex: string): string {
  const digits = hex.toUpperCase();
  return digits.startsWith('-') || digits.length % 2 === 0 ? digits : `0${digits}`;
}

/** The certificate's signatureAlgorithm OID, read from the outer structure only. */
function outerSignatureOid(der: Uint8Array): string | null {
  const certificate = expectElement(der, 0, der.length, DER_TAG.sequence, 'certificate');
  const signatureAlgorithm = childrenOf(der, certificate)[1];
  return signatureAlgorithm?.tag === DER_TAG.sequence ? firstOid(der, signatureAlgorithm) : null;
}

/** OpenSSL's printed subjectAltName ("DNS:a.test, IP Address:10.0.0.1") in certwatch's form; none when it cannot print it. */
function openSslAltNames(certificate: X509Certificate): string[] {
  let printed: string | undefined;
  try {
    printed = certificate.subjectAltName;
  } catch {
    return [];
  }
  const names: string[] = [];
  // Node quotes a value holding a comma or a quote (JSON-style escapes inside).
  for (const [, type, value] of (printed ?? '').matchAll(/(?:^|, )([A-Za-z][A-Za-z ]*):("(?:[^"\\]|\\.)*"|[^,]*)/g)) {
    const text = value.startsWith('"') ? unquoted(value) : value;
    const prefix = OPENSSL_NAME_TYPES[type];
    names.push(prefix === undefined ? `${type.toLowerCase()}:${text}` : prefix + text);
  }
  return names;
}

const OPENSSL_NAME_TYPES: Readonly<Record<string, string>> = { DNS: '', 'IP Address': 'ip:', email: 'email:', URI: 'url:' };

function unquoted(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return quoted;
  }
}

function openSslKey(certificate: X509Certificate): KeyDescription {
  try {
    const key = certificate.publicKey;
    const details = key.asymmetricKeyDetails ?? {};
    switch (key.asymmetricKeyType) {
      case 'rsa':
      case 'rsa-pss':
        return { keyAlgorithm: 'RSA', keySize: details.modulusLength ?? null };
      case 'ec': {
        const curve = OPENSSL_CURVES[details.namedCurve ?? ''];
        return { keyAlgorithm: 'EC', keySize: curve ? CURVE_BITS[curve] : null };
      }
      case 'ed25519':
        return { keyAlgorithm: 'Ed25519', keySize: EDWARDS_BITS.Ed25519 };
      case 'ed448':
        return { keyAlgorithm: 'Ed448', keySize: EDWARDS_BITS.Ed448 };
      default:
        return { keyAlgorithm: 'unknown', keySize: null };
    }
  } catch {
    return { keyAlgorithm: 'unknown', keySize: null };
  }
}
let loadedFullDecode: typeof FullDecode | undefined;

/** The library, loaded on first need: `check` against common certificates never loads it. */
function fullDecode(): typeof FullDecode {
  return (loadedFullDecode ??= require('./certificate-decode') as typeof FullDecode);
}

/** Where the fields are, and those already read; null dates when their encoding is not the common one. */
interface CertificateFields {
  readonly serialNumber: string;
  readonly signatureOid: string | null;
  readonly issuer: DerElement;
  readonly subject: DerElement;
  readonly notBefore: Date | null;
  readonly notAfter: Date | null;
  readonly subjectPublicKeyInfo: DerElement;
  /** The whole subjectAltName extension (its first one), if any. */
  readonly subjectAltName: DerElement | null;
}

const SUBJECT_ALT_NAME_OID = '2.5.29.17';

function readCertificateFields(der: Uint8Array): CertificateFields {
  const certificate = expectElement(der, 0, der.length, DER_TAG.sequence, 'certificate');
  const [tbs, signatureAlgorithm] = childrenOf(der, certificate);
  if (!tbs || tbs.tag !== DER_TAG.sequence || !signatureAlgorithm || signatureAlgorithm.tag !== DER_TAG.sequence) {
    throw new DerError('certificate: expected tbsCertificate and signatureAlgorithm');
  }
  const fields = childrenOf(der, tbs);
  let next = fields[0]?.tag === 0xa0 ? 1 : 0; // [0] version, absent in a v1 certificate
  const field = (tag: number, what: string) => {
    const element = fields[next++];
    if (!element || element.tag !== tag) throw new DerError(`tbsCertificate: no ${what}`);
    return element;
  };
  const serial = field(DER_TAG.integer, 'serialNumber');
  field(DER_TAG.sequence, 'signature');
  const issuer = field(DER_TAG.sequence, 'issuer');
  const validity = childrenOf(der, field(DER_TAG.sequence, 'validity'));
  const subject = field(DER_TAG.sequence, 'subject');
  const subjectPublicKeyInfo = field(DER_TAG.sequence, 'subjectPublicKeyInfo');
  if (validity.length !== 2) throw new DerError('validity: expected notBefore and notAfter');
  const extensions = fields.slice(next).find((element) => element.tag === 0xa3); // after [1] and [2] unique ids
  return {
    serialNumber: serialNumberText(der, serial),
    signatureOid: firstOid(der, signatureAlgorithm),
    issuer,
    subject,
    notBefore: timeValue(der, validity[0]),
    notAfter: timeValue(der, validity[1]),
    subjectPublicKeyInfo,
    subjectAltName: extensions ? findExtension(der, extensions, SUBJECT_ALT_NAME_OID) : null,
  };
}

/** The serial's bytes in hex, without the sign byte DER adds before a high first byte. */
function serialNumberText(der: Uint8Array, serial: DerElement): string {
  const length = serial.end - serial.start;
  const signByte = length > 1 && der[serial.start] === 0 && der[serial.start + 1] > 0x7f;
  return hexText(der, signByte ? { ...serial, start: serial.start + 1 } : serial);
}

/** The OID an AlgorithmIdentifier (or Extension) starts with. */
function firstOid(der: Uint8Array, sequence: DerElement): string | null {
  return oidText(der, expectElement(der, sequence.start, sequence.end, DER_TAG.oid, 'algorithm'));
}

/** Only each extension's OID is read; the contents of the others are never looked at. */
function findExtension(der: Uint8Array, wrapper: DerElement, oid: string): DerElement | null {
  const list = expectElement(der, wrapper.start, wrapper.end, DER_TAG.sequence, 'extensions');
  for (const extension of childrenOf(der, list)) {
    if (extension.tag === DER_TAG.sequence && firstOid(der, extension) === oid) return extension;
  }
  return null;
}

const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.6': 'C',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'E',
  '2.5.4.42': 'G',
  '2.5.4.43': 'I',
  '2.5.4.4': 'SN',
  '2.5.4.12': 'T',
};

/** Teletex strings are read one character a byte, as the library reads them. */
const LATIN1_STRING_TAGS = new Set<number>([DER_TAG.printableString, DER_TAG.ia5String, 0x14]);

/** "CN=a, O=b+OU=c", as the library writes a Name; null when a value is of a type left to the library. */
function nameText(der: Uint8Array, name: DerElement): string | null {
  const rdns: string[] = [];
  for (const rdn of childrenOf(der, name)) {
    if (rdn.tag !== DER_TAG.set) return null;
    const attributes: string[] = [];
    for (const attribute of childrenOf(der, rdn)) {
      const [type, value, extra] = attribute.tag === DER_TAG.sequence ? childrenOf(der, attribute) : [];
      if (!type || type.tag !== DER_TAG.oid || !value || extra || value.start === value.end) return null;
      const oid = oidText(der, type);
      if (oid === null) return null;
      const text = LATIN1_STRING_TAGS.has(value.tag) ? latin1Text(der, value) : value.tag === DER_TAG.utf8String ? utf8Text(der, value) : null;
      if (text === null) return null;
      attributes.push(`${ATTRIBUTE_NAMES[oid] ?? oid}=${escapeNameValue(text)}`);
    }
    rdns.push(attributes.join('+'));
  }
  return rdns.join(', ');
}

/** The library's escaping, quirks included (only the first CR, LF or tab is written as hex). */
function escapeNameValue(value: string): string {
  return value
    .replace(/([,+"\\<>;])/g, '\\$1')
    .replace(/^([ #])/, '\\$1')
    .replace(/([ ]$)/, '\\$1')
    .replace(/([\r\n\t])/, (char) => `\\${char.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`);
}

/** GeneralName tags read here; the others (otherName, directoryName, ...) are left to the library. */
const GENERAL_NAME_PREFIX: Readonly<Record<number, string>> = { 0x81: 'email:', 0x82: '', 0x86: 'url:' };
const IP_ADDRESS_TAG = 0x87;

/** DNS names bare, others as "type:value"; null when an entry is of a kind left to the library. */
function subjectAltNames(der: Uint8Array, extension: DerElement): string[] | null {
  const parts = childrenOf(der, extension);
  const value = parts[parts.length - 1];
  if (parts.length < 2 || value.tag !== DER_TAG.octetString) return null;
  const names = readElement(der, value.start, value.end);
  if (names.tag !== DER_TAG.sequence || names.end !== value.end) return null;
  const sans: string[] = [];
  for (const name of childrenOf(der, names)) {
    const prefix = GENERAL_NAME_PREFIX[name.tag];
    if (prefix !== undefined) sans.push(prefix + latin1Text(der, name));
    else if (name.tag === IP_ADDRESS_TAG && name.end - name.start === 4) sans.push(`ip:${der.subarray(name.start, name.end).join('.')}`);
    else if (name.tag === IP_ADDRESS_TAG && name.end - name.start === 16) sans.push(`ip:${ipv6Text(der.subarray(name.start, name.end))}`);
    else return null;
  }
  return sans;
}

/** Eight hex groups, the longest run of two or more zero groups (the first, on a tie) written "::". */
function ipv6Text(address: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((address[i] << 8) | address[i + 1]).toString(16));
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    let run = 0;
    while (i + run < 8 && groups[i + run] === '0') run++;
    if (run > bestLength) [bestStart, bestLength] = [i, run];
    i += run || 1;
  }
  if (bestLength < 2) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}

const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const ED25519 = '1.3.101.112';
const NAMED_CURVES: Readonly<Record<string, string>> = {
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
  '1.3.132.0.10': 'K-256',
};

/** RSA (bits of the modulus), EC on a named curve, Ed25519; null for any other key, left to the library. */
function describeKey(der: Uint8Array, spki: DerElement): KeyDescription | null {
  const [algorithm, key] = childrenOf(der, spki);
  if (!algorithm || algorithm.tag !== DER_TAG.sequence || !key || key.tag !== DER_TAG.bitString) return null;
  const [oid, parameters] = childrenOf(der, algorithm);
  const algorithmOid = oid?.tag === DER_TAG.oid ? oidText(der, oid) : null;
  if (algorithmOid === RSA_ENCRYPTION) {
    if (key.end - key.start < 2 || der[key.start] !== 0) return null; // unused bits
    const rsaKey = readElement(der, key.start + 1, key.end);
    const [modulus, exponent, extra] = rsaKey.tag === DER_TAG.sequence ? childrenOf(der, rsaKey) : [];
    if (modulus?.tag !== DER_TAG.integer || exponent?.tag !== DER_TAG.integer || extra) return null;
    const bytes = modulus.end - modulus.start - (der[modulus.start] === 0 ? 1 : 0);
    return bytes > 0 ? { keyAlgorithm: 'RSA', keySize: bytes * 8 } : null;
  }
  if (algorithmOid === EC_PUBLIC_KEY && parameters?.tag === DER_TAG.oid) {
    const curve = NAMED_CURVES[oidText(der, parameters) ?? ''];
    return curve ? { keyAlgorithm: 'EC', keySize: CURVE_BITS[curve] } : null;
  }
  if (algorithmOid === ED25519 && !parameters) return { keyAlgorithm: 'Ed25519', keySize: EDWARDS_BITS.Ed25519 };
  return null;
}

/** The signature algorithms read here by OID; any other is left to the library. */
const SIGNATURES: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  [ED25519]: 'Ed25519',
  ...SIGNATURE_OIDS,
};
