import { createServer, request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';

// An HTTP proxy on loopback in front of a real server (dynalite), that can stop answering: what a store that goes
// silent mid-run looks like to the SDK. `forward` passes requests and answers; `swallow` passes each request on (so a
// write takes effect) and drops the answer; `silent` takes requests and passes nothing on; `refuse` passes nothing on
// and answers at once as DynamoDB does for a table that is not there (an error no retry helps).

export type ProxyMode = 'forward' | 'swallow' | 'silent' | 'refuse';

const NO_SUCH_TABLE = JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException', message: 'Requested resource not found' });

export interface HttpProxy {
  readonly endpoint: string;
  /** Requests received so far. */
  readonly requests: () => number;
  /** The mode from now on; with `afterRequests`, from that many requests on (counted from the start). */
  set(mode: ProxyMode, afterRequests?: number): void;
  close(): Promise<void>;
}

export async function startHttpProxy(target: string): Promise<HttpProxy> {
  const upstream = new URL(target);
  let mode: ProxyMode = 'forward';
  let switchAt = 0;
  let count = 0;
  const sockets = new Set<Socket>();
  const server = createServer((incoming, outgoing) => {
    const index = count++;
    const current = index >= switchAt ? mode : 'forward';
    if (current === 'silent') return; // taken, never passed on, never answered
    if (current === 'refuse') {
      incoming.resume();
      outgoing.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' }).end(NO_SUCH_TABLE);
      return;
    }
    const forwarded = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (answer) => {
        if (current === 'swallow') return void answer.resume(); // done upstream; the caller never hears
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.destroy());
    incoming.pipe(forwarded);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', () => listening()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    requests: () => count,
    set: (next, afterRequests = count) => {
      mode = next;
      switchAt = afterRequests;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((closed) => server.close(() => closed()));
    },
  };
}
