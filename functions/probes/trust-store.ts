import { X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';
import type { ChainProblem } from '../core/check-result';
import { ProbeError } from '../core/ports';
import { CaFileContentError, pemCertificates, readCaFile } from '../files/ca-file';
import { InputFileError, readInputText } from '../files/input-file';
import { setBounded } from './bounded-map';

/**
 * NODE_EXTRA_CA_CERTS, which Node adds to its own default store at start-up. Passing `ca` replaces that store,
 * so a context built with extra CA files must add them back, or `--ca-file` would distrust them. Read once for each
 * value of the variable (Node reads it only at start-up). When Node's roots are its bundle, those the variable repeats
 * are left out (see pemsNotAmong): the copy a context makes holds them already.
 */
function environmentPems(): readonly string[] {
  const file = process.env.NODE_EXTRA_CA_CERTS ?? '';
  if (environment?.file !== file) {
    const pems = file ? readEnvironmentFile(file) : [];
    environment = { file, pems: nodeRootsAreBundled() ? pemsNotAmong(pems, tls.rootCertificates) : pems };
  }
  return environment.pems;
}

/**
 * Whether Node's root store is the bundle `tls.rootCertificates` lists. Not with `--use-openssl-ca` (on the command
 * line or in NODE_OPTIONS) nor in a Node built to use OpenSSL's store by default: its copy then holds OpenSSL's
 * default paths instead, while `tls.rootCertificates` still lists the bundle.
 */
export function nodeRootsAreBundled(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? '', builtForOpenSslStore: unknown = process.config.variables['openssl_use_def_ca_store' as keyof typeof process.config.variables]): boolean {
  // Node refuses both flags at once; the command line's word is the last.
  const said = [...nodeOptions.split(/\s+/), ...execArgv].filter((flag) => flag === '--use-openssl-ca' || flag === '--use-bundled-ca').at(-1);
  if (said !== undefined) return said === '--use-bundled-ca';
  return !(builtForOpenSslStore === true || builtForOpenSslStore === 'true' || builtForOpenSslStore === 1);
}

let environment: { readonly file: string; readonly pems: readonly string[] } | undefined;

function readEnvironmentFile(file: string): string[] {
  try {
    return pemCertificates(readInputText(file));
  } catch {
    return []; // Node itself only warns about an unreadable file
  }
}

/**
 * `pems` less those that are one of `among` (the same certificate: its base64 equal once whitespace is dropped). A
 * system's whole bundle in NODE_EXTRA_CA_CERTS (/etc/ssl/certs/ca-certificates.crt, a common setting) repeats most
 * of the roots Node bundles: adding those again to a context changes nothing but costs about 0.15 ms each (measured
 * here: Debian's bundle of 144, 22 of them not Node's, took 22-23 ms to add, 4 ms without the repeats).
 */
export function pemsNotAmong(pems: readonly string[], among: readonly string[]): string[] {
  if (pems.length === 0) return [];
  const known = new Set(among.map(pemKey));
  return pems.filter((pem) => !known.has(pemKey(pem)));
}

function pemKey(pem: string): string {
  return pem.replace(/\s+/g, '');
}

/** Pairs whose signature check is remembered (a Map in insertion order: the oldest goes first). */
const MAX_VERIFIED_PAIRS = 10_000;

/**
 * The trust anchors of one probe configuration: Node's bundled roots plus extra PEM files (private CAs).
 * Built once and shared by every connection: passing `ca` per connection rebuilds a context each time.
 */
export class TrustStore {
  readonly secureContext: tls.SecureContext;
  private readonly extraPems: string[];
  private anchorsBySubject: Map<string, X509Certificate[]> | undefined;
  private anchorFingerprints: Set<string> | undefined;
  private readonly verifiedPairs = new Map<string, boolean>();

  private constructor(extraPems: string[]) {
    this.extraPems = extraPems;
    this.secureContext = contextTrusting(extraPems);
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
    return this.walk(served).problem;
  }

  /**
   * The chain of `pool[0]` through the other certificates of `pool` (in any order) towards a trust anchor, dates
   * aside: the certificates walked (indexes into `pool`, `0` first) and why it stops short of an anchor (null: it
   * reaches one). `extraAnchors` count as trusted for this walk only (a CA bundle's own roots); one of them that
   * issued the last certificate walked is `issuer`.
   */
  walk(pool: readonly X509Certificate[], extraAnchors: readonly X509Certificate[] = []): { readonly path: number[]; readonly problem: ChainProblem | null; readonly issuer?: X509Certificate } {
    const anchors = this.anchors();
    const path = [0];
    let current = pool[0];
    for (let depth = 0; depth < 16; depth++) {
      const isAnchor = this.anchorFingerprints!.has(current.fingerprint256) || extraAnchors.some((anchor) => anchor.fingerprint256 === current.fingerprint256);
      if (isAnchor) return { path, problem: null };
      const extraIssuer = extraAnchors.find((anchor) => this.issuedBy(current, anchor));
      if (extraIssuer) return { path, problem: null, issuer: extraIssuer };
      const issuedByAnchor = (anchors.get(current.issuer) ?? []).some((anchor) => this.issuedBy(current, anchor));
      if (issuedByAnchor) return { path, problem: null };
      if (selfSigned(current)) return { path, problem: depth === 0 ? 'SELF_SIGNED' : 'UNTRUSTED_ROOT' };
      const next = pool.findIndex((candidate, index) => !path.includes(index) && this.issuedBy(current, candidate));
      if (next < 0) return { path, problem: depth === 0 ? 'INCOMPLETE_CHAIN' : 'UNTRUSTED_ROOT' };
      path.push(next);
      current = pool[next];
    }
    return { path, problem: 'CHAIN_INVALID' };
  }

  /** Signature checks remembered by pair: bundles and chains repeat the same intermediate and root over and over. */
  private issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
    try {
      if (!cert.checkIssued(issuer)) return false;
    } catch {
      return false;
    }
    const key = `${cert.fingerprint256}>${issuer.fingerprint256}`;
    let verified = this.verifiedPairs.get(key);
    if (verified === undefined) {
      verified = verifiesWith(cert, issuer);
      setBounded(this.verifiedPairs, key, verified, MAX_VERIFIED_PAIRS);
    }
    return verified;
  }

  private anchors(): Map<string, X509Certificate[]> {
    if (!this.anchorsBySubject) {
      const certs = [...tls.rootCertificates, ...environmentPems(), ...this.extraPems].map((pem) => new X509Certificate(pem));
      this.anchorsBySubject = bySubject(certs);
      this.anchorFingerprints = new Set(certs.map((cert) => cert.fingerprint256));
    }
    return this.anchorsBySubject;
  }
}

/**
 * A context trusting Node's roots (NODE_EXTRA_CA_CERTS included) and `extraPems`. Without extra roots it is the
 * context tls.connect would otherwise build anew for every connection. With them, adding a CA to a default context
 * makes Node copy its parsed roots in C++ (about 1 ms); passing `ca` with every root parses 140 PEMs again (25 ms).
 */
function contextTrusting(extraPems: readonly string[]): tls.SecureContext {
  const context = tls.createSecureContext();
  if (extraPems.length === 0) return context;
  const native = (context as tls.SecureContext & { context?: { addCACert?: (pem: string) => void } }).context;
  // Not in Node's documented API (though stable since Node 0.x): should it go, the documented way still works.
  if (typeof native?.addCACert !== 'function') return tls.createSecureContext({ ca: [...tls.rootCertificates, ...environmentPems(), ...extraPems] });
  // Node's copy holds its roots (the bundle, unless told otherwise) but not those of NODE_EXTRA_CA_CERTS (Node 20):
  // they are added back too (less the bundle's, when the copy is the bundle).
  for (const pem of [...environmentPems(), ...extraPems]) native.addCACert(pem);
  return context;
}

function bySubject(certs: readonly X509Certificate[]): Map<string, X509Certificate[]> {
  const map = new Map<string, X509Certificate[]>();
  for (const cert of certs) map.set(cert.subject, [...(map.get(cert.subject) ?? []), cert]);
  return map;
}

function verifiesWith(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** Signed by its own key; a self-signed leaf lacks keyCertSign, so X509_check_issued would say no. */
export function selfSigned(cert: X509Certificate): boolean {
  try {
    return cert.subject === cert.issuer && cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}

/** One trust store per set of CA files, built on first use and shared by every target that names the same files. */
export class TrustStores {
  private readonly stores = new Map<string, TrustStore>();

  /** Throws a ProbeError (CA_FILE_UNREADABLE) naming a CA file that cannot be read. */
  for(caFiles: readonly string[]): TrustStore {
    const key = caFiles.join('\0');
    let store = this.stores.get(key);
    if (!store) {
      store = caFiles.length === 0 ? TrustStore.defaults() : TrustStore.withCaFiles(caFiles);
      this.stores.set(key, store);
    }
    return store;
  }
}
