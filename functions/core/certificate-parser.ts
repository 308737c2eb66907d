import 'reflect-metadata';
import { createHash, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { CertificateInfo } from './certificate';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const CURVE_BITS: Record<string, number> = { 'P-256': 256, 'P-384': 384, 'P-521': 521, 'K-256': 256 };
const EDWARDS_BITS: Record<string, number> = { Ed25519: 256, Ed448: 456 };

/** Parses a DER-encoded X.509 certificate. Throws on bytes that are not a certificate. */
export function parseCertificate(der: Uint8Array): CertificateInfo {
  const cert = new x509.X509Certificate(der);
  const { keyAlgorithm, keySize } = describeKey(cert);
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    sans: subjectAltNames(cert),
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    serialNumber: cert.serialNumber.toUpperCase(),
    fingerprintSha256: createHash('sha256').update(der).digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:'),
    keyAlgorithm,
    keySize,
    signatureAlgorithm: describeSignature(cert),
    selfIssued: cert.subject === cert.issuer,
  };
}

function subjectAltNames(cert: x509.X509Certificate): string[] {
  const ext = cert.getExtension(x509.SubjectAlternativeNameExtension);
  if (!ext) return [];
  return ext.names.items.map((name) => (name.type === 'dns' ? name.value : `${name.type}:${name.value}`));
}

function describeKey(cert: x509.X509Certificate): { keyAlgorithm: string; keySize: number | null } {
  try {
    const algorithm = cert.publicKey.algorithm as { name: string; modulusLength?: number; namedCurve?: string };
    if (algorithm.modulusLength) return { keyAlgorithm: 'RSA', keySize: algorithm.modulusLength };
    if (algorithm.namedCurve) return { keyAlgorithm: 'EC', keySize: CURVE_BITS[algorithm.namedCurve] ?? null };
    return { keyAlgorithm: algorithm.name, keySize: EDWARDS_BITS[algorithm.name] ?? null };
  } catch {
    // An algorithm webcrypto cannot describe (DSA, GOST, ...): report it rather than fail the whole target.
    return { keyAlgorithm: 'unknown', keySize: null };
  }
}

const SIGNATURE_OIDS: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
  '1.2.840.10040.4.3': 'dsa-with-SHA1',
};

function describeSignature(cert: x509.X509Certificate): string {
  try {
    const algorithm = cert.signatureAlgorithm as { name: string; hash?: { name: string } };
    const hash = algorithm.hash?.name ?? '';
    switch (algorithm.name) {
      case 'RSASSA-PKCS1-v1_5':
        return `${hash.replace('-', '').toLowerCase()}WithRSAEncryption`;
      case 'RSA-PSS':
        return `rsassaPss-${hash}`;
      case 'ECDSA':
        return `ecdsa-with-${hash.replace('-', '')}`;
      default:
        // Algorithms the library does not know (MD5, MD2, DSA) come back as their bare OID.
        return SIGNATURE_OIDS[algorithm.name] ?? algorithm.name;
    }
  } catch {
    return 'unknown';
  }
}
