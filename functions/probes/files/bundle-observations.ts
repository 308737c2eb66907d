import { X509Certificate } from 'node:crypto';
import type { CertificateInfo } from '../../core/certificate';
import { parseCertificate } from '../../core/certificate-parser';
import type { FileCertificate } from '../../core/ports';
import { selfSigned, type TrustStore } from '../trust-store';
import type { FileEntry } from './certificate-file-formats';

// A bundle of certificates (a file, an IAM certificate with its uploaded chain) judged one certificate at a time:
// each with the chain the same bundle gives it, walked to a trust anchor. A self-signed CA certificate in the
// bundle is an anchor (a CA bundle being shipped), judged on its dates and crypto only; a self-signed leaf is not.

interface Parsed {
  readonly info: CertificateInfo;
  readonly x509: X509Certificate;
}

/** Each entry observed in bundle order: its chain within the bundle, and whether that chain reaches an anchor. */
export function observeBundle(entries: readonly FileEntry[], trust: TrustStore): FileCertificate[] {
  const parsed = entries.map((entry, index): Parsed | { problem: string } => ('problem' in entry ? entry : parseEntry(entry.der, index)));
  const certificates = parsed.filter((item): item is Parsed => 'x509' in item);
  const anchors = certificates.filter(({ x509 }) => x509.ca && selfSigned(x509)).map(({ x509 }) => x509);
  return parsed.map((item) => {
    if (!('x509' in item)) return item;
    const pool = [item, ...certificates.filter((other) => other !== item)];
    const { path, problem, issuer } = trust.walk(
      pool.map((certificate) => certificate.x509),
      anchors,
    );
    // The bundle's own root ends the chain it gives, as a root a server sends does (it never governs expiry).
    const chain = [...path.map((index) => pool[index]), ...pool.filter((certificate) => certificate.x509 === issuer)];
    return {
      observation: {
        chain: chain.map((certificate) => certificate.info),
        chainProblem: problem,
        chainProblemDetail: null,
        hostnameMismatch: null,
        chainFrom: 'bundle',
      },
    };
  });
}

function parseEntry(der: Uint8Array, index: number): Parsed | { problem: string } {
  try {
    return { info: parseCertificate(der), x509: new X509Certificate(der) };
  } catch (error) {
    return { problem: `certificate ${index + 1} does not parse (${(error as Error).message})` };
  }
}
