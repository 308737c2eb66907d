import * as net from 'node:net';
import * as tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { onAbort } from '../core/abort-listeners';
import type { CertificateInfo } from '../core/certificate';
import { parseCertificate } from '../core/certificate-parser';
import type { ChainProblem, Observation } from '../core/check-result';
import { ProbeError, type CertificateProbe, type ProbeSettings } from '../core/ports';
import type { Target } from '../core/target';
import { toProbeError } from './probe-error';
import { STARTTLS_NEGOTIATORS } from './starttls';
import { TrustStores, type TrustStore } from './trust-store';
import { setBounded } from './bounded-map';

/** Node errors that only say "wrong time": the trust question is answered by our own walk instead. */
const TIME_ONLY_ERRORS = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID']);

/** Reads the chain a TLS (or STARTTLS) endpoint serves, verifying it without refusing it. */
export class TlsProbe implements CertificateProbe {
  private readonly trustStores = new TrustStores();
  private readonly parsedCertificates = new ParsedCertificates();

  async probe(target: Target, settings: ProbeSettings, address?: string): Promise<Observation> {
    const trust = this.trustStores.for(settings.caFiles ?? []);
    const connectTo = { host: address ?? target.host, port: target.port };
    const socket = await withDeadline(settings.timeoutMs, settings.signal, target, (track) => this.handshake(target, connectTo, trust, track));
    try {
      return readObservation(socket, target, trust, this.parsedCertificates);
    } finally {
      socket.destroy();
    }
  }

  /**
   * Builds now the trust stores these sets of CA files need (reading the files, building a TLS context: 1-5 ms
   * each), so that the first handshakes do not wait for them: a caller that waits for something else before probing
   * does it meanwhile. A set that cannot be used is left for the probes of its targets to report.
   */
  prepare(caFileSets: Iterable<readonly string[]>): void {
    for (const caFiles of caFileSets) {
      try {
        this.trustStores.for(caFiles);
      } catch {
        // CA_FILE_UNREADABLE: each target naming the file reports it when probed.
      }
    }
  }

  /**
   * The trust store for these CA files, built on first use and kept (reading the files, and building a context,
   * once). Throws a ProbeError (CA_FILE_UNREADABLE) naming a file that cannot be used.
   */
  trustStore(caFiles: readonly string[]): TrustStore {
    return this.trustStores.for(caFiles);
  }

  /** `connectTo`: the target's host and port, or one of the addresses behind the host (SNI still names the host). */
  private async handshake(target: Target, connectTo: { host: string; port: number }, trust: TrustStore, track: (socket: net.Socket) => void): Promise<tls.TLSSocket> {
    const tlsOptions: tls.ConnectionOptions = {
      rejectUnauthorized: false,
      secureContext: trust.secureContext,
      // A hostile server must not make us verify a name we did not ask for; we check identity ourselves.
      checkServerIdentity: () => undefined,
      ...(target.servername ? { servername: target.servername } : {}),
    };
    if (target.protocol !== 'tls') {
      const negotiate = STARTTLS_NEGOTIATORS[target.protocol];
      const plain = net.connect(connectTo);
      track(plain);
      await onceConnected(plain, target);
      await negotiate(plain, target);
      return secure(withoutNodesChainRead(tls.connect({ ...tlsOptions, socket: plain })), target);
    }
    const socket = withoutNodesChainRead(tls.connect({ ...tlsOptions, ...connectTo }));
    track(socket);
    return secure(socket, target);
  }
}

/**
 * Once a chain verifies, Node reads it whole as objects (`getPeerCertificate(true)`: names, three fingerprints and a
 * copy of each DER, about a third of a probe's CPU) only to hand it to `checkServerIdentity`, which the probe answers
 * itself from the chain it reads (readServedChain): read once, not twice. Until the handshake is done the socket gives Node
 * nothing to build; readObservation puts the method back before reading anything. Should Node stop asking, this costs
 * nothing; the probe's own reading never depends on it.
 */
function withoutNodesChainRead(socket: tls.TLSSocket): tls.TLSSocket {
  Object.defineProperty(socket, 'getPeerCertificate', { value: NOTHING_READ, configurable: true, writable: true });
  return socket;
}

const NOTHING_READ = () => ({});

function restoreChainRead(socket: tls.TLSSocket): void {
  if (Object.prototype.hasOwnProperty.call(socket, 'getPeerCertificate')) delete (socket as { getPeerCertificate?: unknown }).getPeerCertificate;
}

function onceConnected(socket: net.Socket, target: Target): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve();
    });
    socket.once('error', (error) => reject(toProbeError(error, target.target)));
  });
}

function secure(socket: tls.TLSSocket, target: Target): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const closed = () => reject(new ProbeError('CONNECTION_RESET', `${target.target}: the server closed the connection during the TLS handshake`));
    socket.once('secureConnect', () => {
      socket.removeAllListeners('error');
      socket.off('close', closed); // it closes when we are done: no error to make (and throw away) then
      socket.on('error', () => undefined); // late errors after we have what we need are of no interest
      resolve(socket);
    });
    socket.once('error', (error) => reject(toProbeError(error, target.target)));
    socket.once('close', closed);
  });
}

/**
 * Runs `work` under one deadline, and until `signal` aborts (the run's time is up); on either destroys every socket it
 * opened and reports TIMEOUT.
 */
async function withDeadline<T>(timeoutMs: number, signal: AbortSignal | undefined, target: Target, work: (track: (socket: net.Socket) => void) => Promise<T>): Promise<T> {
  const sockets: net.Socket[] = [];
  let timer: NodeJS.Timeout | undefined;
  let stopListening: (() => void) | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProbeError('TIMEOUT', `${target.target}: no complete TLS handshake within ${timeoutMs} ms`)), timeoutMs);
    const stopped = () => reject(new ProbeError('TIMEOUT', `${target.target}: the run stopped before the TLS handshake completed`));
    if (signal?.aborted) stopped();
    else if (signal) stopListening = onAbort(signal, stopped);
  });
  const task = work((socket) => sockets.push(socket));
  try {
    return await Promise.race([task, deadline]);
  } catch (error) {
    for (const socket of sockets) socket.destroy();
    task.catch(() => undefined);
    throw toProbeError(error, target.target);
  } finally {
    clearTimeout(timer);
    stopListening?.();
  }
}

/** Certificates parsed and kept per probe; parsing one costs 0.1-1 ms, and targets share intermediates and roots. */
const MAX_PARSED_CERTIFICATES = 2000;

/** A served certificate as Node's reading gives it: its DER and the SHA-256 fingerprint OpenSSL computed. */
type ServedCertificate = Pick<tls.PeerCertificate, 'raw' | 'fingerprint256'>;

/** Each served certificate parsed once per fingerprint (SHA-256 of the DER, as OpenSSL computed it). */
class ParsedCertificates {
  private readonly described = new Map<string, CertificateInfo>();
  private readonly forVerification = new Map<string, X509Certificate>();

  describe(cert: ServedCertificate): CertificateInfo {
    return cached(this.described, cert.fingerprint256, () => parseCertificate(cert.raw, { fingerprintSha256: cert.fingerprint256 }));
  }

  x509(cert: ServedCertificate): X509Certificate {
    return cached(this.forVerification, cert.fingerprint256, () => new X509Certificate(cert.raw));
  }
}

/** The entry for `key`, made on first use; the oldest entry goes once the map is full. */
function cached<T>(entries: Map<string, T>, key: string, make: () => T): T {
  let value = entries.get(key);
  if (value === undefined) {
    value = make();
    setBounded(entries, key, value, MAX_PARSED_CERTIFICATES);
  }
  return value;
}

/** The chain as the probe reports and judges it, and what the leaf's name is checked against. */
interface ServedChain {
  readonly certificates: readonly ServedCertificate[];
  /** For tls.checkServerIdentity: the leaf as Node's reading gives it. */
  readonly identity: tls.PeerCertificate;
}

/**
 * The served chain as Node reads it (`getPeerCertificate(true)`): leaf first, each followed by its issuer, until one
 * repeats (Node walks the served certificates, then adds the trust store's issuers of the last one). Not through
 * `getPeerX509Certificate()` and its `issuerCertificate` links, which would cost less CPU but which, in Node 20, leak
 * every served certificate after the leaf (it takes them out of the connection's chain without freeing them): about
 * 8 KB a handshake, 600 MB over a check of 100,000 targets (`npm run bench:memory`), without end in a warm Lambda.
 */
function readServedChain(socket: tls.TLSSocket): ServedChain | undefined {
  const peer = socket.getPeerCertificate(true);
  if (!peer || !peer.raw) return undefined;
  const certificates: tls.PeerCertificate[] = [];
  const seen = new Set<string>();
  for (let cert: tls.DetailedPeerCertificate | undefined = peer; cert?.raw && !seen.has(cert.fingerprint256); cert = cert.issuerCertificate) {
    seen.add(cert.fingerprint256);
    certificates.push(cert);
  }
  return { certificates, identity: peer };
}

/** What the handshake showed: the served chain (parsed), whether it leads to a trust anchor, whether it covers the name. */
function readObservation(socket: tls.TLSSocket, target: Target, trust: TrustStore, parsed: ParsedCertificates): Observation {
  restoreChainRead(socket);
  const read = readServedChain(socket);
  if (!read) throw new ProbeError('PROTOCOL_ERROR', `${target.target}: the server sent no certificate`);
  const served = read.certificates;
  const chain = served.map((cert) => parsed.describe(cert));
  const verifyError = socket.authorized ? null : String(socket.authorizationError ?? 'UNKNOWN');
  let chainProblem: ChainProblem | null = null;
  if (verifyError) {
    chainProblem = trust.chainProblem(served.map((cert) => parsed.x509(cert)));
    if (chainProblem === null && !TIME_ONLY_ERRORS.has(verifyError)) chainProblem = 'CHAIN_INVALID';
  }
  const nameToVerify = target.servername ?? target.host;
  const identityError = tls.checkServerIdentity(nameToVerify, read.identity);
  return {
    chain,
    chainProblem,
    chainProblemDetail: chainProblem ? verifyError : null,
    hostnameMismatch: identityError ? hostnameMismatchMessage(nameToVerify, identityError.message) : null,
  };
}

/** Node lists every SAN in its message: a certificate with thousands would make an unbounded finding. */
function hostnameMismatchMessage(name: string, nodeMessage: string): string {
  const detail = nodeMessage.replace(/^Hostname\/IP does not match certificate's altnames: /, '');
  const bounded = detail.length > 200 ? `${detail.slice(0, 200)}...` : detail;
  return `the certificate does not cover "${name}" (${bounded})`;
}
