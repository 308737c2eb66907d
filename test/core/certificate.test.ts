import { generateKeyPairSync, type KeyObject, X509Certificate } from 'node:crypto';
import type { CertificateInfo } from '../../functions/core/certificate';
import { parseCertificate } from '../../functions/core/certificate-parser';
import { decodeCertificate } from '../../functions/core/certificate-decode';
import { fingerprintSha256 } from '../../functions/core/x509-names';
import { issue } from '../support/pki';
import {
  attribute,
  certificate,
  cn,
  dnsName,
  extension,
  generalizedTime,
  ia5,
  integer,
  name,
  nullValue,
  oid,
  OIDS,
  printable,
  seq,
  subjectAltName,
  text,
  tlv,
  utcTime,
  utf8,
  type CertificateParts,
  type Der,
} from '../support/der-builder';

const NOT_BEFORE = new Date('2026-01-01T00:00:00Z');
const NOT_AFTER = new Date('2026-04-01T00:00:00Z');
const spkis = new Map<string, Der>();

describe('parseCertificate', () => {
  test('reads names, dates, key and signature of an RSA certificate', async () => {
    const rsa = await issue({ subject: 'CN=rsa.test, O=Example', sans: ['rsa.test', 'ip:10.0.0.1'], key: { kind: 'rsa', bits: 2048 } });
    const info = parseCertificate(rsa.der);
    expect(info).toMatchObject({
      subject: 'CN=rsa.test, O=Example',
      issuer: 'CN=rsa.test, O=Example',
      sans: ['rsa.test', 'ip:10.0.0.1'],
      keyAlgorithm: 'RSA',
      keySize: 2048,
      signatureAlgorithm: 'sha256WithRSAEncryption',
      selfIssued: true,
      notAfter: rsa.cert.notAfter.toISOString(),
      notBefore: rsa.cert.notBefore.toISOString(),
      serialNumber: rsa.cert.serialNumber.toUpperCase(),
    });
  });

  test('P-384 keys report 384 bits', async () => {
    const ec = await issue({ subject: 'CN=ec.test', key: { kind: 'ec', curve: 'P-384' }, hash: 'SHA-384' });
    expect(parseCertificate(ec.der)).toMatchObject({ keyAlgorithm: 'EC', keySize: 384, signatureAlgorithm: 'ecdsa-with-SHA384' });
  });

  test('a certificate with 1000 SANs is read whole', async () => {
    const names = Array.from({ length: 1000 }, (_, i) => `host-${i}.many.test`);
    const many = await issue({ subject: 'CN=many.test', sans: names });
    const info = parseCertificate(many.der);
    expect(info.sans).toHaveLength(1000);
    expect(info.sans[999]).toBe('host-999.many.test');
  });

  test('an MD5 signature the library will not describe is still named, from its OID', async () => {
    const rsa = await issue({ subject: 'CN=md5.test', key: { kind: 'rsa', bits: 2048 } });
    // sha256WithRSAEncryption (1.2.840.113549.1.1.11) -> md5WithRSAEncryption (...1.1.4): same length, patched in place.
    const der = Buffer.from(rsa.der);
    const oid = Buffer.from([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]);
    for (let at = der.indexOf(oid); at >= 0; at = der.indexOf(oid, at + 1)) der[at + oid.length - 1] = 0x04;
    expect(parseCertificate(der).signatureAlgorithm).toBe('md5WithRSAEncryption');
  });

  test('bytes that are not a certificate throw', () => {
    expect(() => parseCertificate(new Uint8Array([1, 2, 3]))).toThrow();
    expect(() => parseCertificate(seq(seq(integer([1]))))).toThrow();
  });

  test('a malformed extension other than subjectAltName does not hide the dates (the full decode refuses it)', () => {
    const der = build({
      extensions: [
        extension(OIDS.basicConstraints, Buffer.from([0x30, 0x05, 0x01]), true), // a SEQUENCE that claims 5 bytes and has 1
        extension(OIDS.keyUsage, Buffer.from('not DER at all')),
        subjectAltName(dnsName('still.read.test')),
      ],
    });
    expect(parseCertificate(der)).toMatchObject({ notAfter: NOT_AFTER.toISOString(), sans: ['still.read.test'], subject: 'CN=subject.test' });
    expect(() => decodeCertificate(der)).toThrow();
  });

  test('a subjectAltName neither reader takes: that field as OpenSSL reads it (none here), the others as ever', () => {
    const spkiDer = spki('ec', { namedCurve: 'P-256' });
    const der = build({ spki: spkiDer, extensions: [extension('2.5.29.17', Buffer.from([0x30, 0x09, 0x82, 0x01]))] });
    expect(() => decodeCertificate(der)).toThrow();
    const wellFormed = parseCertificate(build({ spki: spkiDer, extensions: [subjectAltName(dnsName('a.test'))] }));
    expect(parseCertificate(der)).toEqual({ ...wellFormed, sans: [], fingerprintSha256: new X509Certificate(der).fingerprint256 });
  });

  test('BER neither reader takes whole (an indefinite length, a malformed basicConstraints): OpenSSL\'s reading, as the readers give it', () => {
    const der = build({
      subject: name([attribute('1.2.840.113549.1.9.1', ia5('x@a.test'))], [attribute('2.5.4.42', printable('g')), attribute('2.5.4.12', printable('t'))], cn('subject.test')),
      extensions: [extension(OIDS.basicConstraints, Buffer.from([0x30, 0x05, 0x01]), true), subjectAltName(dnsName('a.test'), text(0x87, Buffer.from([10, 0, 0, 1])), text(0x81, 'x@a.test'), dnsName('b, "c".test'))],
    });
    const headerLength = der[1] & 0x80 ? 2 + (der[1] & 0x7f) : 2;
    const ber = Buffer.concat([Buffer.from([0x30, 0x80]), der.subarray(headerLength), Buffer.from([0, 0])]);
    expect(() => decodeCertificate(ber)).toThrow();
    const asRead = parseCertificate(ber);
    expect(asRead.sans).toEqual(['a.test', 'ip:10.0.0.1', 'email:x@a.test', 'b, "c".test']); // Node quotes the last
    // Names (OpenSSL's short names and multi-valued parts mapped), serial, dates and key as the readers give them for
    // the same certificate in DER; the signature's OID cannot be found by walking BER: named as the library names
    // what it does not know.
    expect(asRead).toEqual({ ...parseCertificate(der), fingerprintSha256: fingerprintSha256(ber), signatureAlgorithm: 'unknown' });
  });

  test('bytes OpenSSL does not take for a certificate either still throw', () => {
    const der = build({});
    expect(() => parseCertificate(der.subarray(0, der.length - 10))).toThrow();
  });
});

// The hot path reads most fields itself and hands the rest to the library; for every well-formed certificate it
// must report exactly what the full decode reports (values are stored and compared across runs).
describe('parseCertificate reports what the full decode reports', () => {
  test.each(namedCases([
    ['printable names', { subject: name(cn('a.test'), [attribute('2.5.4.10', printable('Example Ltd'))]) }],
    ['UTF-8 with accents, CJK and an emoji', { subject: name([attribute('2.5.4.3', utf8('Zürich 東京 😀'))]) }],
    ['UTF-8 starting with a byte-order mark', { subject: name([attribute('2.5.4.3', utf8('\ufeffbom.test'))]) }],
    ['UTF-8 that is not valid UTF-8', { subject: name([attribute('2.5.4.3', text(0x0c, Buffer.from([0x61, 0xc3, 0x28, 0xed, 0xa0, 0x80])))]) }],
    ['a BMPString', { subject: name([attribute('2.5.4.3', text(0x1e, Buffer.from('00620065', 'hex')))]) }],
    ['a UniversalString', { subject: name([attribute('2.5.4.3', text(0x1c, Buffer.from('0000006100000062', 'hex')))]) }],
    ['a TeletexString with high bytes', { subject: name([attribute('2.5.4.3', text(0x14, Buffer.from([0x4d, 0xfc, 0x6e])))]) }],
    ['a VisibleString and a NumericString', { subject: name([attribute('2.5.4.3', text(0x1a, 'visible'))], [attribute('2.5.4.5', text(0x12, '12345'))]) }],
    ['an empty value', { subject: name([attribute('2.5.4.3', printable(''))]) }],
    ['a value that is not a string', { subject: name([attribute('2.5.4.3', seq(integer([5])))]) }],
    ['e-mail and domain components as IA5Strings', { subject: name([attribute('1.2.840.113549.1.9.1', ia5('a@b.test'))], [attribute('0.9.2342.19200300.100.1.25', ia5('test'))]) }],
    ['every named attribute type', { subject: name(...['2.5.4.3', '2.5.4.7', '2.5.4.8', '2.5.4.10', '2.5.4.11', '2.5.4.6', '2.5.4.42', '2.5.4.43', '2.5.4.4', '2.5.4.12'].map((type) => [attribute(type, printable('v'))])) }],
    ['attribute types known by OID only', { subject: name([attribute('2.5.4.5', printable('serial'))], [attribute('1.3.6.1.4.1.311.60.2.1.3', printable('US'))], [attribute('2.25.329800735698586629295641978511506172918', printable('uuid arc'))]) }],
    ['a multi-valued RDN', { subject: name([attribute('2.5.4.3', printable('a')), attribute('2.5.4.11', utf8('b'))]) }],
    ['characters that are escaped', { subject: name([attribute('2.5.4.3', utf8('a,b+c"d\\e<f>g;h'))], [attribute('2.5.4.10', utf8('#lead'))], [attribute('2.5.4.11', utf8(' both '))]) }],
    ['control characters (CR, LF and tab, twice each)', { subject: name([attribute('2.5.4.3', utf8('a\r\nb\tc\r\nd\te'))]) }],
    ['an empty name', { subject: name() }],
    // BER's indefinite length: the hot path does not walk it and hands the name to the library (its walker's error
    // escaped, and the certificate was not read at all).
    ['a value that is not a string, its length indefinite', { subject: name([attribute('2.5.4.3', Buffer.from([0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00]))]) }],
  ]))('names: %s', (_, parts) => expectSameAsFullDecode(build(parts)));

  test.each(namedCases([
    ['DNS names, e-mail, URI and IPv4', { extensions: [subjectAltName(dnsName('a.test'), dnsName('*.b.test'), text(0x81, 'x@a.test'), text(0x86, 'https://a.test/'), text(0x87, Buffer.from([10, 0, 0, 1])))] }],
    ['IPv6 addresses in every compressible shape', { extensions: [subjectAltName(...['::1', '2001:db8::1', '2001:db8:0:0:1:0:0:1', '1:0:0:2:0:0:0:3', '1:2:3:4:5:6:7:8', 'fe80::', '::', '0:1:0:1:0:1:0:1'].map((ip) => text(0x87, ipv6Bytes(ip))))] }],
    ['an address with a mask (8 bytes)', { extensions: [subjectAltName(text(0x87, Buffer.from([10, 0, 0, 0, 255, 0, 0, 0])))] }],
    ['a directory name', { extensions: [subjectAltName(tlv(0xa4, name(cn('dir.test'))))] }],
    ['a UPN other name', { extensions: [subjectAltName(tlv(0xa0, oid('1.3.6.1.4.1.311.20.2.3'), tlv(0xa0, utf8('user@corp.test'))))] }],
    ['a registered ID', { extensions: [subjectAltName(tlv(0x88, oid('1.2.3.4').subarray(2)))] }],
    ['an empty DNS name and an empty list', { extensions: [subjectAltName(dnsName(''))] }],
    ['no names at all', { extensions: [subjectAltName()] }],
    ['a critical SAN after other extensions', { extensions: [extension(OIDS.basicConstraints, seq()), extension('2.5.29.17', seq(dnsName('c.test')), true)] }],
    ['two SAN extensions (the first counts)', { extensions: [subjectAltName(dnsName('first.test')), subjectAltName(dnsName('second.test'))] }],
  ]))('subjectAltName: %s', (_, parts) => expectSameAsFullDecode(build(parts)));

  test.each(namedCases([
    ['RSA 1024', { spki: spki('rsa', { modulusLength: 1024 }) }],
    ['RSA 2048', { spki: spki('rsa', { modulusLength: 2048 }) }],
    ['RSA with a modulus of 1023 bits', { spki: spki('rsa', { modulusLength: 1023 }) }],
    ['P-256', { spki: spki('ec', { namedCurve: 'P-256' }) }],
    ['P-384', { spki: spki('ec', { namedCurve: 'P-384' }) }],
    ['P-521', { spki: spki('ec', { namedCurve: 'P-521' }) }],
    ['secp256k1', { spki: spki('ec', { namedCurve: 'secp256k1' }) }],
    ['brainpoolP256r1', { spki: spki('ec', { namedCurve: 'brainpoolP256r1' }) }],
    ['an EC key without a named curve', { spki: seq(seq(oid('1.2.840.10045.2.1')), tlv(0x03, Buffer.from([0, 4, 1, 2]))) }],
    ['Ed25519', { spki: spki('ed25519') }],
    ['Ed448', { spki: spki('ed448') }],
    ['X25519', { spki: spki('x25519') }],
    ['RSA-PSS', { spki: spki('rsa-pss', { modulusLength: 1024 }) }],
    ['DSA', { spki: spki('dsa', { modulusLength: 1024, divisorLength: 160 }) }],
  ]))('keys: %s', (_, parts) => expectSameAsFullDecode(build(parts)));

  test.each([
    ['ed448', 'Ed448', 456],
    ['x448', 'X448', null],
    ['ed25519', 'Ed25519', 256],
  ] as const)('an %s key is named as such, not as an EC key (both readers)', (type, keyAlgorithm, keySize) => {
    const der = build({ spki: spki(type) });
    expect(parseCertificate(der)).toMatchObject({ keyAlgorithm, keySize });
    expect(decodeCertificate(der).info).toMatchObject({ keyAlgorithm, keySize });
  });

  test.each([
    ...['1.2.840.113549.1.1.5', '1.2.840.113549.1.1.11', '1.2.840.113549.1.1.12', '1.2.840.113549.1.1.13', '1.2.840.113549.1.1.14'],
    ...['1.2.840.10045.4.1', '1.2.840.10045.4.3.1', '1.2.840.10045.4.3.2', '1.2.840.10045.4.3.3', '1.2.840.10045.4.3.4'],
    ...['1.3.101.112', '1.3.101.113', '1.2.840.113549.1.1.4', '1.2.840.113549.1.1.2', '1.2.840.10040.4.3', '2.16.840.1.101.3.4.3.2', '1.2.3.4'],
  ])('signature algorithm %s', (algorithm) => expectSameAsFullDecode(build({ signatureAlgorithm: seq(oid(algorithm), nullValue()) })));

  test('signature algorithm: RSA-PSS with SHA-384 parameters', () => {
    const sha384 = seq(oid('2.16.840.1.101.3.4.2.2'));
    const pss = seq(oid('1.2.840.113549.1.1.10'), seq(tlv(0xa0, sha384), tlv(0xa1, seq(oid('1.2.840.113549.1.1.8'), sha384)), tlv(0xa2, integer([48]))));
    expectSameAsFullDecode(build({ signatureAlgorithm: pss }));
  });

  test.each(namedCases([
    ['UTCTime in 1999 and 2049', { notBefore: utcTime(new Date('1999-12-31T23:59:59Z')), notAfter: utcTime(new Date('2049-12-31T23:59:59Z')) }],
    ['UTCTime in 1950', { notBefore: utcTime(new Date('1950-01-01T00:00:00Z')) }],
    ['GeneralizedTime after 2049', { notAfter: generalizedTime(new Date('2100-06-01T12:00:00Z')) }],
    ['GeneralizedTime in year 0049', { notBefore: text(0x18, '00490101000000Z') }],
    ['GeneralizedTime with fractional seconds', { notAfter: text(0x18, '20300101000000.5Z') }],
    ['GeneralizedTime with an offset', { notAfter: text(0x18, '20300101000000+0100') }],
    ['UTCTime without seconds', { notAfter: text(0x17, '3001010000Z') }],
    ['a month 13 (rolled over, not refused)', { notAfter: text(0x17, '301301000000Z') }],
  ]))('validity: %s', (_, parts) => expectSameAsFullDecode(build(parts)));

  test.each([[[0x00, 0x80]], [[0x00, 0x7f]], [[0x00]], [[0xff, 0x01]], [Array.from({ length: 20 }, (_, i) => (i * 37 + 11) & 0xff)]])(
    'serial number %j',
    (bytes) => expectSameAsFullDecode(build({ serial: integer(bytes) })),
  );

  test('certificates issued by the test PKI (RSA and EC, chains, IP SANs)', async () => {
    const root = await issue({ subject: 'CN=root, O=Example, C=DE', isCa: true, key: { kind: 'rsa', bits: 2048 } });
    const leaf = await issue({ subject: 'CN=leaf.test', issuer: root, sans: ['leaf.test', 'ip:192.0.2.1', 'ip:2001:db8::7'] });
    const p384 = await issue({ subject: 'CN=p384.test', key: { kind: 'ec', curve: 'P-384' }, hash: 'SHA-384', sans: ['p384.test'] });
    for (const issued of [root, leaf, p384]) expectSameAsFullDecode(issued.der);
  });

  test('300 random names: any string type, any bytes, any attribute type', () => {
    const random = seededRandom(20261130);
    const types = ['2.5.4.3', '2.5.4.10', '2.5.4.11', '2.5.4.6', '1.2.840.113549.1.9.1', '0.9.2342.19200300.100.1.25', '2.5.4.5', '1.3.6.1.4.1.99999.1'];
    const tags = [0x0c, 0x0c, 0x13, 0x13, 0x16, 0x14, 0x1e, 0x1c, 0x1a, 0x12];
    const alphabet = ['a', 'Z', '0', ' ', ',', '+', '"', '\\', '<', '>', ';', '#', '=', '\r', '\n', '\t', 'é', 'ß', '東', '😀', '\u0000', '\u200b'];
    const value = (tag: number): Der => {
      const length = Math.floor(random() * 8);
      if (tag === 0x0c && random() < 0.8) return utf8(Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''));
      return text(tag, Buffer.from(Array.from({ length }, () => (random() < 0.7 ? 0x20 + Math.floor(random() * 0x5f) : Math.floor(random() * 256)))));
    };
    for (let i = 0; i < 300; i++) {
      const rdns = Array.from({ length: 1 + Math.floor(random() * 3) }, () =>
        Array.from({ length: 1 + Math.floor(random() * 2) }, () => {
          const tag = tags[Math.floor(random() * tags.length)];
          return attribute(types[Math.floor(random() * types.length)], value(tag));
        }),
      );
      expectSameAsFullDecode(build({ subject: name(...rdns), issuer: name(...rdns.slice().reverse()) }));
    }
  });
});

/** A DER SubjectPublicKeyInfo of a fresh key of that type (one per type and options, per test file). */
function spki(type: string, options: object = {}): Der {
  const key = `${type} ${JSON.stringify(options)}`;
  if (!spkis.has(key)) {
    const { publicKey } = generateKeyPairSync(type as 'ec', options as never) as unknown as { publicKey: KeyObject };
    spkis.set(key, publicKey.export({ type: 'spki', format: 'der' }));
  }
  return spkis.get(key)!;
}

function build(parts: Partial<CertificateParts>): Der {
  return certificate({
    issuer: name(cn('issuer.test')),
    subject: name(cn('subject.test')),
    notBefore: utcTime(NOT_BEFORE),
    notAfter: utcTime(NOT_AFTER),
    spki: spki('ec', { namedCurve: 'P-256' }),
    ...parts,
  });
}

type Outcome = { info: CertificateInfo } | { threw: true };

function outcome(read: () => CertificateInfo): Outcome {
  try {
    return { info: read() };
  } catch {
    return { threw: true };
  }
}

function expectSameAsFullDecode(der: Der): void {
  expect(outcome(() => parseCertificate(der))).toEqual(outcome(() => decodeCertificate(der).info));
}

function namedCases(cases: [string, Partial<CertificateParts>][]): [string, Partial<CertificateParts>][] {
  return cases;
}

function ipv6Bytes(address: string): Buffer {
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return Buffer.from(groups.flatMap((group) => [parseInt(group, 16) >> 8, parseInt(group, 16) & 0xff]));
}

/** Deterministic, so that a failure can be reproduced. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}
