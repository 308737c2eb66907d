import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Issued } from './pki';

export interface RunningServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export type RunningTlsServer = RunningServer & { connections: () => number; servernames: string[]; serve: (next: TlsEndpoint) => void };

export interface TlsEndpoint {
  readonly key: Pick<Issued, 'keyPem'>;
  /** Certificates served, leaf first (what a misconfigured server sends is up to the test). */
  readonly chain: readonly Pick<Issued, 'certPem'>[];
}

/** A real TLS server on loopback serving `endpoint`, optionally choosing another certificate by SNI name. */
export async function startTlsServer(
  endpoint: TlsEndpoint,
  options: { host?: string; port?: number; byServername?: Record<string, TlsEndpoint>; securityLevel?: number } = {},
): Promise<RunningTlsServer> {
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
  return listen(server, host, { connections: () => connections, servernames, serve }, undefined, options.port);
}

/**
 * The nodes behind one name: a real TLS server on each loopback address given (all of 127.0.0.0/8 is loopback, and
 * ::1), all on one port, each serving its own endpoint (and able to be renewed alone).
 */
export async function startTlsPool(nodes: Readonly<Record<string, TlsEndpoint>>): Promise<{ port: number; nodes: Record<string, RunningTlsServer>; close(): Promise<void> }> {
  const hosts = Object.keys(nodes);
  for (let attempt = 0; ; attempt++) {
    const started: Record<string, RunningTlsServer> = {};
    try {
      const first = await startTlsServer(nodes[hosts[0]], { host: hosts[0] });
      started[hosts[0]] = first;
      for (const host of hosts.slice(1)) started[host] = await startTlsServer(nodes[host], { host, port: first.port });
      return { port: first.port, nodes: started, close: async () => void (await Promise.all(Object.values(started).map((node) => node.close()))) };
    } catch (error) {
      await Promise.all(Object.values(started).map((node) => node.close()));
      // Another process holds the port on one of the addresses: try another port.
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 10) throw error;
    }
  }
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

async function listen<T extends object>(server: net.Server, host: string, extra: T, beforeClose?: () => void, requestedPort = 0): Promise<RunningServer & T> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(requestedPort, host, () => resolve());
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

/**
 * Low ports, below the range a listen on port 0 is given (32768-60999 on Linux): a port bound and released would be
 * free for the next server that asks (the other jest worker's, a run's embedded store) and could answer. Old inetd
 * services (echo 7, discard 9, daytime 13, ...) left out; each is checked to refuse before it is handed out.
 */
const REFUSING_PORT_CANDIDATES = [1, 2, 3, 4, 5, 6, 8, 10, 11, 12, 14, 15, 16, 18, 20, 24, 27, 29, 31, 33, 35, 38, 39, 41];
let nextCandidate = 0;

/** A loopback port that refuses connections, a different one at each call (within a test file). */
export async function closedPort(host = '127.0.0.1'): Promise<number> {
  while (nextCandidate < REFUSING_PORT_CANDIDATES.length) {
    const port = REFUSING_PORT_CANDIDATES[nextCandidate++];
    if (await refuses(host, port)) return port;
  }
  throw new Error(`no refusing low port left on ${host} (${REFUSING_PORT_CANDIDATES.length} tried)`);
}

/** Whether a connection to `port` is refused at once (a port that drops packets, or answers, is not handed out). */
function refuses(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const settle = (refused: boolean) => {
      socket.destroy();
      resolve(refused);
    };
    socket.setTimeout(1000, () => settle(false));
    socket.once('connect', () => settle(false));
    socket.once('error', (error: NodeJS.ErrnoException) => settle(error.code === 'ECONNREFUSED'));
  });
}
