import { createHash } from 'node:crypto';

// The names both readers of certificates give keys, curves and signatures, and the fingerprint's form: the hot path
// (certificate-parser.ts) and the full decode (certificate-decode.ts) report exactly the same values.

export interface KeyDescription {
  readonly keyAlgorithm: string;
  readonly keySize: number | null;
}

export const CURVE_BITS: Readonly<Record<string, number>> = { 'P-256': 256, 'P-384': 384, 'P-521': 521, 'K-256': 256 };
export const EDWARDS_BITS: Readonly<Record<string, number>> = { Ed25519: 256, Ed448: 456 };
/** Signature algorithms named by OID alone (WebCrypto has no name for them). */
export const SIGNATURE_OIDS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
  '1.2.840.10040.4.3': 'dsa-with-SHA1',
};

/** SHA-256 of the DER as upper-case hex pairs joined by colons (OpenSSL's and Node's form). */
export function fingerprintSha256(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
}
