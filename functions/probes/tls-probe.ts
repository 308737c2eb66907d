import * as net from 'node:net';
import * as tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { CertificateInfo } from '../core/certificate';
import { parseCertificate } from '../core/certificate-parser';
import type { ChainProblem, Observation } from '../core/check-result';
import { ProbeError, type CertificateProbe, type ProbeSettings } from '../core/ports';
import type { Target } from '../core/target';
import { toProbeError } from './probe-error';
import { STARTTLS_NEGOTIATORS } from './starttls';
import { TrustStores, type TrustStore } from './trust-store';

/** Node errors that only say "wrong time": the trust question is answered by our own walk instead. */
const TIME_ONLY_ERRORS = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID']);

/** Reads the chain a TLS (or STARTTLS) endpoint serves, verifying it without refusing it. */
export class TlsProbe implements CertificateProbe {
  private readonly trustStores = new TrustStores();
  private readonly parsedCertificates = new ParsedCertificates();

  async probe(target: Target, settings: ProbeSettings, address?: string): Promise<Observation> {
    const trust = this.trustStores.for(settings.caFiles ?? []);
    const connectTo = { host: address ?? target.host, port: target.port };
    const { socket, chainReadByNode } = await withDeadline(settings.timeoutMs, settings.signal, target, (track) => this.handshake(target, connectTo, trust, track));
    try {
      return readObservation(socket, chainReadByNode, target, trust, this.parsedCertificates);
    } finally {
      socket.destroy();
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
  private async handshake(target: Target, connectTo: { host: string; port: number }, trust: TrustStore, track: (socket: net.Socket) => void): Promise<Handshake> {
    let chainReadByNode: tls.DetailedPeerCertificate | undefined;
    const tlsOptions: tls.ConnectionOptions = {
      rejectUnauthorized: false,
      secureContext: trust.secureContext,
      // A hostile server must not make us verify a name we did not ask for; we check identity ourselves.
      // Node reads the whole chain (getPeerCertificate(true)) to call this once the chain verified: keep it.
      checkServerIdentity: (_name, cert) => {
        chainReadByNode = cert as tls.DetailedPeerCertificate;
        return undefined;
      },
      ...(target.servername ? { servername: target.servername } : {}),
    };
    if (target.protocol !== 'tls') {
      const negotiate = STARTTLS_NEGOTIATORS[target.protocol];
      const plain = net.connect(connectTo);
      track(plain);
      await onceConnected(plain, target);
      await negotiate(plain, target);
      const socket = await secure(tls.connect({ ...tlsOptions, socket: plain }), target);
      return { socket, chainReadByNode };
    }
    const socket = tls.connect({ ...tlsOptions, ...connectTo });
    track(socket);
    await secure(socket, target);
    return { socket, chainReadByNode };
  }
}

interface Handshake {
  readonly socket: tls.TLSSocket;
  /** The served chain as Node read it for checkServerIdentity; undefined when Node did not call it. */
  readonly chainReadByNode: tls.DetailedPeerCertificate | undefined;
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
  let onAbort: (() => void) | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProbeError('TIMEOUT', `${target.target}: no complete TLS handshake within ${timeoutMs} ms`)), timeoutMs);
    onAbort = () => reject(new ProbeError('TIMEOUT', `${target.target}: the run stopped before the TLS handshake completed`));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
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
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

/** Certificates parsed and kept per probe; parsing one costs 0.1-1 ms, and targets share intermediates and roots. */
const MAX_PARSED_CERTIFICATES = 2000;

/** Each served certificate parsed once per fingerprint (SHA-256 of the DER, as OpenSSL computed it). */
class ParsedCertificates {
  private readonly described = new Map<string, CertificateInfo>();
  private readonly forVerification = new Map<string, X509Certificate>();

  describe(cert: tls.PeerCertificate): CertificateInfo {
    return cached(this.described, cert.fingerprint256, () => parseCertificate(cert.raw, { fingerprintSha256: cert.fingerprint256 }));
  }

  x509(cert: tls.PeerCertificate): X509Certificate {
    return cached(this.forVerification, cert.fingerprint256, () => new X509Certificate(cert.raw));
  }
}

/** The entry for `key`, made on first use; the oldest entry goes once the map is full. */
function cached<T>(entries: Map<string, T>, key: string, make: () => T): T {
  let value = entries.get(key);
  if (value === undefined) {
    value = make();
    if (entries.size >= MAX_PARSED_CERTIFICATES) entries.delete(entries.keys().next().value!);
    entries.set(key, value);
  }
  return value;
}

/** What the handshake showed: the served chain (parsed), whether it leads to a trust anchor, whether it covers the name. */
function readObservation(socket: tls.TLSSocket, chainReadByNode: tls.DetailedPeerCertificate | undefined, target: Target, trust: TrustStore, parsed: ParsedCertificates): Observation {
  // Reading the chain costs ~0.2 ms a certificate (fingerprints, names, a copy of each DER): not twice.
  const peer = chainReadByNode ?? socket.getPeerCertificate(true);
  if (!peer || !peer.raw) throw new ProbeError('PROTOCOL_ERROR', `${target.target}: the server sent no certificate`);
  const served: tls.PeerCertificate[] = [];
  const seen = new Set<string>();
  for (let cert: tls.DetailedPeerCertificate | undefined = peer; cert?.raw && !seen.has(cert.fingerprint256); cert = cert.issuerCertificate) {
    seen.add(cert.fingerprint256);
    served.push(cert);
  }
  const chain = served.map((cert) => parsed.describe(cert));
  const verifyError = socket.authorized ? null : String(socket.authorizationError ?? 'UNKNOWN');
  let chainProblem: ChainProblem | null = null;
  if (verifyError) {
    chainProblem = trust.chainProblem(served.map((cert) => parsed.x509(cert)));
    if (chainProblem === null && !TIME_ONLY_ERRORS.has(verifyError)) chainProblem = 'CHAIN_INVALID';
  }
  const nameToVerify = target.servername ?? target.host;
  const identityError = tls.checkServerIdentity(nameToVerify, peer);
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
