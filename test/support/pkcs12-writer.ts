import { createCipheriv, createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import forge from 'node-forge';

// Writes PKCS#12 files at test time, in the shapes real tools write them: OpenSSL 3's default (certificates in a
// PBES2/AES-256 safe, HMAC-SHA256), OpenSSL 1.x / Windows (40-bit RC2 certificate safe, HMAC-SHA1), 3DES, a
// certificate safe left unencrypted, and no MAC at all. Independent of the reader under test: its own encoding
// (asn1js builders), its own PKCS#12 key derivation (RFC 7292 appendix B, below), node:crypto for AES and 3DES;
// only RC2, which Node's OpenSSL 3 no longer has, comes from node-forge's cipher.

export type SafeEncryption = 'pbes2-aes256' | 'pkcs12-3des' | 'pkcs12-rc2-40' | 'none';

export interface Pkcs12Options {
  readonly certificates: readonly Uint8Array[];
  /** The private key (PKCS#8 DER), stored in a key bag the reader must skip. */
  readonly key?: Uint8Array;
  /** null: the empty password written without its final zero, as some tools do. */
  readonly password: string | null;
  readonly certificateSafe: SafeEncryption;
  readonly mac: 'sha256' | 'sha1' | 'none';
  readonly iterations?: number;
  /** The iteration count written in the file instead of the one used (a hostile file need not tell the truth). */
  readonly declaredIterations?: number;
  /**
   * Bytes written (encrypted or not) in place of the certificates' SafeContents: what a wrong password decrypts to
   * when the padding happens to check out, or a corrupt file.
   */
  readonly safeContents?: Uint8Array;
}

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSha256: '1.2.840.113549.2.9',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  pbeSha3Des: '1.2.840.113549.1.12.1.3',
  pbeShaRc2_40: '1.2.840.113549.1.12.1.6',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
};

export function writePkcs12(options: Pkcs12Options): Uint8Array {
  const iterations = options.iterations ?? 2048;
  const certBags = options.certificates.map((der) =>
    sequence(oid(OID.certBag), explicit(0, sequence(oid(OID.x509Certificate), explicit(0, octets(der))))),
  );
  const safes = [contentInfoFor(options.safeContents ?? der(new asn1js.Sequence({ value: certBags })), options.certificateSafe, options.password, iterations, options.declaredIterations ?? iterations)];
  if (options.key) safes.push(dataContentInfo(der(sequence(sequence(oid(OID.keyBag), explicit(0, asn1js.fromBER(options.key).result))))));
  const authSafe = der(new asn1js.Sequence({ value: safes }));
  const parts: asn1js.AsnType[] = [new asn1js.Integer({ value: 3 }), dataContentInfo(authSafe)];
  if (options.mac !== 'none') parts.push(macData(authSafe, options.mac, options.password, iterations));
  return der(new asn1js.Sequence({ value: parts }));
}

function contentInfoFor(safeContents: Uint8Array, encryption: SafeEncryption, password: string | null, iterations: number, declaredIterations: number): asn1js.Sequence {
  if (encryption === 'none') return dataContentInfo(safeContents);
  const salt = randomBytes(8);
  let algorithm: asn1js.Sequence;
  let encrypted: Buffer;
  if (encryption === 'pbes2-aes256') {
    const iv = randomBytes(16);
    const key = pbkdf2Sync(Buffer.from(password ?? '', 'utf8'), salt, iterations, 32, 'sha256');
    const cipher = createCipheriv('aes-256-cbc', key, iv);
    encrypted = Buffer.concat([cipher.update(safeContents), cipher.final()]);
    const kdf = sequence(oid(OID.pbkdf2), sequence(octets(salt), new asn1js.Integer({ value: declaredIterations }), sequence(oid(OID.hmacWithSha256), new asn1js.Null())));
    algorithm = sequence(oid(OID.pbes2), sequence(kdf, sequence(oid(OID.aes256Cbc), octets(iv))));
  } else {
    const rc2 = encryption === 'pkcs12-rc2-40';
    const key = pkcs12Kdf(password, salt, 1, iterations, rc2 ? 5 : 24, 'sha1');
    const iv = pkcs12Kdf(password, salt, 2, iterations, 8, 'sha1');
    encrypted = rc2 ? rc2Encrypt(key, iv, safeContents) : (() => {
      const cipher = createCipheriv('des-ede3-cbc', key, iv);
      return Buffer.concat([cipher.update(safeContents), cipher.final()]);
    })();
    algorithm = sequence(oid(rc2 ? OID.pbeShaRc2_40 : OID.pbeSha3Des), sequence(octets(salt), new asn1js.Integer({ value: declaredIterations })));
  }
  const encryptedContent = new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: toArrayBuffer(encrypted) });
  const encryptedData = sequence(new asn1js.Integer({ value: 0 }), sequence(oid(OID.data), algorithm, encryptedContent));
  return sequence(oid(OID.encryptedData), explicit(0, encryptedData));
}

function macData(authSafe: Uint8Array, hash: 'sha256' | 'sha1', password: string | null, iterations: number): asn1js.Sequence {
  const salt = randomBytes(8);
  const key = pkcs12Kdf(password, salt, 3, iterations, hash === 'sha256' ? 32 : 20, hash);
  const digest = createHmac(hash, key).update(authSafe).digest();
  const digestInfo = sequence(sequence(oid(hash === 'sha256' ? OID.sha256 : OID.sha1), new asn1js.Null()), octets(digest));
  return sequence(digestInfo, octets(salt), new asn1js.Integer({ value: iterations }));
}

/** RFC 7292 appendix B.2: PKCS#12's key derivation (id 1 key, 2 IV, 3 MAC key). */
function pkcs12Kdf(password: string | null, salt: Buffer, id: number, iterations: number, length: number, hash: 'sha1' | 'sha256'): Buffer {
  const u = hash === 'sha1' ? 20 : 32;
  const v = 64;
  const bmp = password === null ? Buffer.alloc(0) : Buffer.concat([Buffer.from(password, 'utf16le').swap16(), Buffer.alloc(2)]);
  const repeatTo = (data: Buffer) => {
    const repeated = Buffer.alloc(Math.ceil(data.length / v) * v);
    for (let i = 0; i < repeated.length; i++) repeated[i] = data[i % data.length];
    return repeated;
  };
  const I = Buffer.concat([repeatTo(salt), repeatTo(bmp)]);
  const D = Buffer.alloc(v, id);
  const out: Buffer[] = [];
  for (let produced = 0; produced < length; produced += u) {
    let A = createHash(hash).update(D).update(I).digest();
    for (let round = 1; round < iterations; round++) A = createHash(hash).update(A).digest();
    out.push(A);
    const B = Buffer.concat(Array.from({ length: Math.ceil(v / u) }, () => A)).subarray(0, v);
    for (let block = 0; block < I.length; block += v) {
      let carry = 1;
      for (let byte = v - 1; byte >= 0; byte--) {
        const sum = I[block + byte] + B[byte] + carry;
        I[block + byte] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(out).subarray(0, length);
}

function rc2Encrypt(key: Buffer, iv: Buffer, data: Uint8Array): Buffer {
  const cipher = forge.rc2.createEncryptionCipher(forge.util.createBuffer(key.toString('binary')), 40);
  cipher.start(forge.util.createBuffer(iv.toString('binary')));
  cipher.update(forge.util.createBuffer(Buffer.from(data).toString('binary')));
  cipher.finish();
  return Buffer.from(cipher.output.getBytes(), 'binary');
}

function dataContentInfo(content: Uint8Array): asn1js.Sequence {
  return sequence(oid(OID.data), explicit(0, octets(content)));
}

function sequence(...value: asn1js.AsnType[]): asn1js.Sequence {
  return new asn1js.Sequence({ value });
}

function oid(value: string): asn1js.ObjectIdentifier {
  return new asn1js.ObjectIdentifier({ value });
}

function octets(bytes: Uint8Array): asn1js.OctetString {
  return new asn1js.OctetString({ valueHex: toArrayBuffer(bytes) });
}

function explicit(tag: number, inner: asn1js.AsnType): asn1js.Constructed {
  return new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: tag }, value: [inner] });
}

function der(node: asn1js.AsnType): Uint8Array {
  return new Uint8Array(node.toBER(false));
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
