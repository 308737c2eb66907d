import * as net from 'node:net';
import * as tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { parseCertificate } from '../core/certificate';
import type { ChainProblem, Observation } from '../core/check-result';
import type { Target } from '../core/target';
import { ProbeError, toProbeError } from './probe-error';
import { STARTTLS_NEGOTIATORS } from './starttls';
import { TrustStore } from './trust-store';

export interface ProbeSettings {
  /** The whole probe, from connect through STARTTLS to the end of the handshake. */
  readonly timeoutMs: number;
  /** Extra trust anchors (PEM files) on top of Node's roots. */
  readonly caFiles?: readonly string[];
}

/** The port through which the check use case reads a certificate chain. */
export interface CertificateProbe {
  probe(target: Target, settings: ProbeSettings): Promise<Observation>;
}

/** Node errors that only say "wrong time": the trust question is answered by our own walk instead. */
const TIME_ONLY_ERRORS = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID']);

/** Reads the chain a TLS (or STARTTLS) endpoint serves, verifying it without refusing it. */
export class TlsProbe implements CertificateProbe {
  private readonly trustStores = new Map<string, TrustStore>();

  async probe(target: Target, settings: ProbeSettings): Promise<Observation> {
    const trust = this.trustStoreFor(settings.caFiles ?? []);
    const socket = await withDeadline(settings.timeoutMs, target, (track) => this.handshake(target, trust, track));
    try {
      return observe(socket, target, trust);
    } finally {
      socket.destroy();
    }
  }

  private trustStoreFor(caFiles: readonly string[]): TrustStore {
    const key = caFiles.join('\0');
    let store = this.trustStores.get(key);
    if (!store) {
      store = caFiles.length === 0 ? TrustStore.defaults() : TrustStore.withCaFiles(caFiles);
      this.trustStores.set(key, store);
    }
    return store;
  }

  private async handshake(target: Target, trust: TrustStore, track: (socket: net.Socket) => void): Promise<tls.TLSSocket> {
    const tlsOptions: tls.ConnectionOptions = {
      rejectUnauthorized: false,
      secureContext: trust.secureContext,
      // A hostile server must not make us verify a name we did not ask for; we check identity ourselves.
      checkServerIdentity: () => undefined,
      ...(target.servername ? { servername: target.servername } : {}),
    };
    const negotiate = STARTTLS_NEGOTIATORS[target.protocol];
    if (target.protocol !== 'tls') {
      if (!negotiate) throw new ProbeError('STARTTLS_FAILED', `${target.target}: STARTTLS for ${target.protocol} is not supported`);
      const plain = net.connect({ host: target.host, port: target.port });
      track(plain);
      await onceConnected(plain, target);
      await negotiate(plain, target);
      return secure(tls.connect({ ...tlsOptions, socket: plain }), target);
    }
    const socket = tls.connect({ ...tlsOptions, host: target.host, port: target.port });
    track(socket);
    return secure(socket, target);
  }
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
    socket.once('secureConnect', () => {
      socket.removeAllListeners('error');
      socket.on('error', () => undefined); // late errors after we have what we need are of no interest
      resolve(socket);
    });
    socket.once('error', (error) => reject(toProbeError(error, target.target)));
    socket.once('close', () => reject(new ProbeError('CONNECTION_RESET', `${target.target}: the server closed the connection during the TLS handshake`)));
  });
}

/** Runs `work` under one deadline; on expiry destroys every socket it opened and reports TIMEOUT. */
async function withDeadline<T>(timeoutMs: number, target: Target, work: (track: (socket: net.Socket) => void) => Promise<T>): Promise<T> {
  const sockets: net.Socket[] = [];
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProbeError('TIMEOUT', `${target.target}: no complete TLS handshake within ${timeoutMs} ms`)), timeoutMs);
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
  }
}

function observe(socket: tls.TLSSocket, target: Target, trust: TrustStore): Observation {
  const peer = socket.getPeerCertificate(true);
  if (!peer || !peer.raw) throw new ProbeError('PROTOCOL_ERROR', `${target.target}: the server sent no certificate`);
  const served: Buffer[] = [];
  const seen = new Set<string>();
  for (let cert: tls.DetailedPeerCertificate | undefined = peer; cert?.raw && !seen.has(cert.fingerprint256); cert = cert.issuerCertificate) {
    seen.add(cert.fingerprint256);
    served.push(cert.raw);
  }
  const chain = served.map((der) => parseCertificate(der));
  const verifyError = socket.authorized ? null : String(socket.authorizationError ?? 'UNKNOWN');
  let chainProblem: ChainProblem | null = null;
  if (verifyError) {
    chainProblem = trust.chainProblem(served.map((der) => new X509Certificate(der)));
    if (chainProblem === null && !TIME_ONLY_ERRORS.has(verifyError)) chainProblem = 'CHAIN_INVALID';
  }
  const nameToVerify = target.servername ?? target.host;
  const identityError = tls.checkServerIdentity(nameToVerify, peer);
  return {
    chain,
    chainProblem,
    chainProblemDetail: chainProblem ? verifyError : null,
    hostnameMismatch: identityError ? `the certificate does not cover "${nameToVerify}" (${identityError.message.replace(/^Hostname\/IP does not match certificate's altnames: /, '')})` : null,
  };
}
