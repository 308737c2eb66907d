import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { CertificateInfo } from './certificate';
import { CURVE_BITS, EDWARDS_BITS, fingerprintSha256, SIGNATURE_OIDS, type KeyDescription } from './x509-names';

// The full decode of a certificate with @peculiar/x509: every part, every extension. It costs 0.3-1 ms a
// certificate and about 0.1 s to load, so the probes' hot path (parseCertificate in certificate-parser.ts) reads its
// fields directly and comes here only for what it does not read itself: unusual string types in names, unusual
// SAN entries, key and signature algorithms outside the common ones.

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** A certificate decoded whole: the library's object (extensions, PEM, ...) and what certwatch reports of it. */
export interface DecodedCertificate {
  readonly certificate: x509.X509Certificate;
  readonly info: CertificateInfo;
}

/**
 * Decodes every part of a DER certificate, extensions included, for callers that need more than a check reports
 * (sources reading files, PKCS#7 bundles, extensions). Throws on any malformed part, even one a check ignores.
 * `info` is what parseCertificate returns for the same bytes.
 */
export function decodeCertificate(der: Uint8Array): DecodedCertificate {
  const certificate = new x509.X509Certificate(der);
  const extensions = certificate.extensions; // decoded here, so that a malformed one fails now
  const san = extensions.find((extension) => extension instanceof x509.SubjectAlternativeNameExtension);
  const info: CertificateInfo = {
    subject: certificate.subject,
    issuer: certificate.issuer,
    sans: san ? namesOf(san) : [],
    notBefore: certificate.notBefore.toISOString(),
    notAfter: certificate.notAfter.toISOString(),
    serialNumber: certificate.serialNumber.toUpperCase(),
    fingerprintSha256: fingerprintSha256(der),
    ...describePublicKey(() => certificate.publicKey),
    signatureAlgorithm: describeSignatureOf(certificate),
    selfIssued: certificate.subject === certificate.issuer,
  };
  return { certificate, info };
}

// What the hot path asks of the library, one field at a time, from the DER of that field alone where it can.

/** A Name (subject or issuer) from its DER, as the library writes it ("CN=a, O=b"). */
export function nameText(nameDer: Uint8Array): string {
  return new x509.Name(nameDer).toString();
}

/** The SAN list from the DER of the subjectAltName extension alone (the other extensions stay undecoded). */
export function subjectAltNames(extensionDer: Uint8Array): string[] {
  return namesOf(new x509.SubjectAlternativeNameExtension(extensionDer));
}

/** The key's algorithm and size from the DER of a SubjectPublicKeyInfo. */
export function describeKey(spkiDer: Uint8Array): KeyDescription {
  return describePublicKey(() => new x509.PublicKey(spkiDer));
}

/** The certificate's signature algorithm, named as certwatch reports it. */
export function describeSignature(der: Uint8Array): string {
  return describeSignatureOf(new x509.X509Certificate(der));
}

/** notBefore and notAfter, for a time encoding the hot path does not read itself. */
export function validity(der: Uint8Array): { notBefore: Date; notAfter: Date } {
  const certificate = new x509.X509Certificate(der);
  return { notBefore: certificate.notBefore, notAfter: certificate.notAfter };
}

function namesOf(extension: x509.SubjectAlternativeNameExtension): string[] {
  return extension.names.items.map((name) => (name.type === 'dns' ? name.value : `${name.type}:${name.value}`));
}

/** `publicKey` is called inside: reading a key the library cannot describe throws. */
function describePublicKey(publicKey: () => x509.PublicKey): KeyDescription {
  try {
    const algorithm = publicKey().algorithm as { name: string; modulusLength?: number; namedCurve?: string };
    if (algorithm.modulusLength) return { keyAlgorithm: 'RSA', keySize: algorithm.modulusLength };
    // The library names Ed448 and X448 keys by a curve ({ name: 'EdDSA', namedCurve: 'Ed448' }), not by their own name
    // as it does Ed25519 and X25519: they are not EC keys.
    if (algorithm.namedCurve === 'Ed448' || algorithm.namedCurve === 'X448') return { keyAlgorithm: algorithm.namedCurve, keySize: EDWARDS_BITS[algorithm.namedCurve] ?? null };
    if (algorithm.namedCurve) return { keyAlgorithm: 'EC', keySize: CURVE_BITS[algorithm.namedCurve] ?? null };
    return { keyAlgorithm: algorithm.name, keySize: EDWARDS_BITS[algorithm.name] ?? null };
  } catch {
    // An algorithm webcrypto cannot describe (DSA, GOST, ...): report it rather than fail the whole target.
    return { keyAlgorithm: 'unknown', keySize: null };
  }
}

function describeSignatureOf(certificate: x509.X509Certificate): string {
  try {
    const algorithm = certificate.signatureAlgorithm as { name: string; hash?: { name: string } };
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
