import { X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';
import type { ChainProblem } from '../core/check-result';
import { ProbeError } from '../core/ports';
import { CaFileContentError, pemCertificates, readCaFile } from '../files/ca-file';
import { InputFileError, readInputText } from '../files/input-file';

/**
 * NODE_EXTRA_CA_CERTS, which Node adds to its own default store at start-up. Passing `ca` replaces that store,
 * so a context built with extra CA files must add them back, or `--ca-file` would distrust them.
 */
function environmentPems(): string[] {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (!file) return [];
  try {
    return pemCertificates(readInputText(file));
  } catch {
    return []; // Node itself only warns about an unreadable file
  }
}

/**
 * The trust anchors of one probe configuration: Node's bundled roots plus extra PEM files (private CAs).
 * Built once and shared by every connection: passing `ca` per connection rebuilds a context each time.
 */
export class TrustStore {
  readonly secureContext: tls.SecureContext;
  private readonly extraPems: string[];
  private anchorsBySubject: Map<string, X509Certificate[]> | undefined;
  private anchorFingerprints: Set<string> | undefined;

  private constructor(extraPems: string[]) {
    this.extraPems = extraPems;
    // Without extra roots this is the context tls.connect would otherwise build anew for every connection.
    this.secureContext = tls.createSecureContext(extraPems.length > 0 ? { ca: [...tls.rootCertificates, ...environmentPems(), ...extraPems] } : {});
  }

  static defaults(): TrustStore {
    return new TrustStore([]);
  }

  /** Reads PEM CA files; throws a ProbeError naming the file when it is unreadable or holds no certificate. */
  static withCaFiles(caFiles: readonly string[]): TrustStore {
    const pems: string[] = [];
    for (const file of caFiles) {
      try {
        pems.push(...readCaFile(file));
      } catch (error) {
        if (error instanceof InputFileError) throw new ProbeError('CA_FILE_UNREADABLE', `cannot read CA file ${file}: ${error.reason}`);
        if (error instanceof CaFileContentError) throw new ProbeError('CA_FILE_UNREADABLE', error.message);
        throw error;
      }
    }
    return new TrustStore(pems);
  }

  /**
   * Walks the served chain to a trust anchor, ignoring validity dates, so an expired certificate does not
   * hide an untrusted root (OpenSSL reports only its last verification error, and time errors come last).
   */
  chainProblem(served: readonly X509Certificate[]): ChainProblem | null {
    const anchors = this.anchors();
    const used = new Set<number>([0]);
    let current = served[0];
    for (let depth = 0; depth < 16; depth++) {
      if (this.anchorFingerprints!.has(current.fingerprint256)) return null;
      const issuedByAnchor = (anchors.get(current.issuer) ?? []).some((anchor) => issuedBy(current, anchor));
      if (issuedByAnchor) return null;
      if (selfSigned(current)) return depth === 0 ? 'SELF_SIGNED' : 'UNTRUSTED_ROOT';
      const next = served.findIndex((candidate, index) => !used.has(index) && issuedBy(current, candidate));
      if (next < 0) return depth === 0 ? 'INCOMPLETE_CHAIN' : 'UNTRUSTED_ROOT';
      used.add(next);
      current = served[next];
    }
    return 'CHAIN_INVALID';
  }

  private anchors(): Map<string, X509Certificate[]> {
    if (!this.anchorsBySubject) {
      const bySubject = new Map<string, X509Certificate[]>();
      const fingerprints = new Set<string>();
      for (const pem of [...tls.rootCertificates, ...environmentPems(), ...this.extraPems]) {
        const cert = new X509Certificate(pem);
        fingerprints.add(cert.fingerprint256);
        bySubject.set(cert.subject, [...(bySubject.get(cert.subject) ?? []), cert]);
      }
      this.anchorsBySubject = bySubject;
      this.anchorFingerprints = fingerprints;
    }
    return this.anchorsBySubject;
  }
}

function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** Signed by its own key; a self-signed leaf lacks keyCertSign, so X509_check_issued would say no. */
function selfSigned(cert: X509Certificate): boolean {
  try {
    return cert.subject === cert.issuer && cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}
