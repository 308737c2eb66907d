import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Issued } from './pki';

export interface RunningServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface TlsEndpoint {
  readonly key: Pick<Issued, 'keyPem'>;
  /** Certificates served, leaf first (what a misconfigured server sends is up to the test). */
  readonly chain: readonly Pick<Issued, 'certPem'>[];
}

/** A real TLS server on loopback serving `endpoint`, optionally choosing another certificate by SNI name. */
export async function startTlsServer(
  endpoint: TlsEndpoint,
  options: { host?: string; byServername?: Record<string, TlsEndpoint>; securityLevel?: number } = {},
): Promise<RunningServer & { connections: () => number; servernames: string[]; serve: (next: TlsEndpoint) => void }> {
  const host = options.host ?? '127.0.0.1';
  const contextFor = (e: TlsEndpoint) => tls.createSecureContext({ key: e.key.keyPem, cert: e.chain.map((c) => c.certPem).join('\n') });
  const named = Object.fromEntries(Object.entries(options.byServername ?? {}).map(([name, e]) => [name, contextFor(e)]));
  const servernames: string[] = [];
  let connections = 0;
  const server = tls.createServer({
    key: endpoint.key.keyPem,
    cert: endpoint.chain.map((c) => c.certPem).join('\n'),
    // OpenSSL's default security level refuses to serve SHA-1 or small keys; weak-crypto tests lower it.
    ...(options.securityLevel !== undefined ? { ciphers: `DEFAULT:@SECLEVEL=${options.securityLevel}` } : {}),
    SNICallback: (servername, callback) => {
      servernames.push(servername);
      callback(null, named[servername]);
    },
  });
  server.on('secureConnection', (socket) => {
    connections++;
    socket.end();
  });
  server.on('tlsClientError', () => undefined);
  // Swapping the default certificate mid-test is what a renewal looks like from outside.
  const serve = (next: TlsEndpoint) => server.setSecureContext({ key: next.key.keyPem, cert: next.chain.map((c) => c.certPem).join('\n') });
  return listen(server, host, { connections: () => connections, servernames, serve });
}

/** A plain TCP server whose behaviour on each connection the test decides (hostile servers, STARTTLS peers). */
export async function startTcpServer(onConnection: (socket: net.Socket) => void, host = '127.0.0.1'): Promise<RunningServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  return listen(server, host, {}, () => sockets.forEach((s) => s.destroy()));
}

async function listen<T extends object>(server: net.Server, host: string, extra: T, beforeClose?: () => void): Promise<RunningServer & T> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    ...extra,
    host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        beforeClose?.();
        server.close(() => resolve());
        (server as net.Server & { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

/** A loopback port that refuses connections: bound, then released. */
export async function closedPort(host = '127.0.0.1'): Promise<number> {
  const server = await startTcpServer(() => undefined, host);
  await server.close();
  return server.port;
}
