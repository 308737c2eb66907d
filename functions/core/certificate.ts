// What certwatch knows of one certificate, and the judgements on it that need no parsing. The X.509 parser is in
// certificate-parser.ts: what only judges stored certificates (the digest, status) does not load it.

/** What certwatch reports about one certificate, whatever source it was read from. */
export interface CertificateInfo {
  readonly subject: string;
  readonly issuer: string;
  readonly sans: readonly string[];
  readonly notBefore: string;
  readonly notAfter: string;
  readonly serialNumber: string;
  readonly fingerprintSha256: string;
  readonly keyAlgorithm: string;
  readonly keySize: number | null;
  readonly signatureAlgorithm: string;
  /** Subject and issuer are the same name: a root or a self-signed leaf. */
  readonly selfIssued: boolean;
}

export function isWeakKey(cert: CertificateInfo): boolean {
  if (cert.keySize === null) return false;
  if (cert.keyAlgorithm === 'RSA') return cert.keySize < 2048;
  if (cert.keyAlgorithm === 'EC') return cert.keySize < 256;
  return false;
}

export function isWeakSignature(cert: CertificateInfo): boolean {
  return /md5|md2|sha1|SHA-1/i.test(cert.signatureAlgorithm);
}
