import { once } from 'node:events';
import type * as net from 'node:net';
import * as tls from 'node:tls';
import { startTcpServer, type RunningServer, type TlsEndpoint } from './servers';

// Small STARTTLS servers: each speaks the plaintext part of its protocol, then turns the same socket into TLS.

/** What one client connection did, as the server saw it. */
export interface Session {
  /** What the client sent: lines for text protocols, hex for binary ones. */
  readonly received: string[];
  /** The SNI name in the ClientHello that arrived on the upgraded socket; undefined until one arrives. */
  tlsServername?: string | null;
  /** Resolves when the client has closed the connection. */
  readonly closed: Promise<void>;
}

/** The server's side of one connection, handed to a script. */
export class Peer {
  private buffered: Buffer = Buffer.alloc(0);
  private ended = false;
  private wake: (() => void) | null = null;
  private readonly onData = (chunk: Buffer) => {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    this.notify();
  };
  private readonly onEnd = () => {
    this.ended = true;
    this.notify();
  };

  constructor(
    private readonly socket: net.Socket,
    private readonly secureContext: tls.SecureContext,
    readonly session: Session,
  ) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
  }

  send(data: string | Uint8Array): void {
    this.socket.write(data);
  }

  /** Reads a line and fails the script (closing the connection) unless it matches. */
  async expectLine(pattern: RegExp): Promise<string> {
    const line = (await this.take(endOfLine)).toString('latin1').replace(/\r?\n$/, '');
    this.session.received.push(line);
    if (!pattern.test(line)) throw new Error(`client sent ${JSON.stringify(line)}, expected ${pattern}`);
    return line;
  }

  /** Reads as many bytes as `expectedHex` describes and fails the script unless they are those. */
  async expectBytes(expectedHex: string): Promise<void> {
    const count = expectedHex.length / 2;
    const bytes = (await this.take((buffered) => (buffered.length >= count ? count : null))).toString('hex');
    this.session.received.push(bytes);
    if (bytes !== expectedHex) throw new Error(`client sent ${bytes}, expected ${expectedHex}`);
  }

  /** Reads text through the first match of `pattern`. */
  async expectText(pattern: RegExp): Promise<string> {
    const endOfMatch = (buffered: Buffer) => {
      const match = pattern.exec(buffered.toString('latin1'));
      return match ? match.index + match[0].length : null;
    };
    const text = (await this.take(endOfMatch)).toString('latin1');
    this.session.received.push(text);
    return text;
  }

  /** Upgrades this very socket to TLS as a server, records the SNI name of the ClientHello, and closes once secure. */
  async startTls(): Promise<void> {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    const secure = new tls.TLSSocket(this.socket, {
      isServer: true,
      secureContext: this.secureContext,
      // Recorded at the ClientHello: the client may finish and hang up before this side sees the handshake complete.
      SNICallback: (servername, callback) => {
        this.session.tlsServername = servername;
        callback(null, this.secureContext);
      },
    });
    secure.on('error', () => undefined);
    secure.once('secure', () => secure.end());
    await once(secure, 'close');
  }

  private async take(sizeReady: (buffered: Buffer) => number | null): Promise<Buffer> {
    for (;;) {
      const size = sizeReady(this.buffered);
      if (size !== null) {
        const taken = this.buffered.subarray(0, size);
        this.buffered = this.buffered.subarray(size);
        return taken;
      }
      if (this.ended) throw new Error('the client closed the connection');
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

function endOfLine(buffered: Buffer): number | null {
  const newline = buffered.indexOf(0x0a);
  return newline < 0 ? null : newline + 1;
}

/** How a server behaves on one connection. A script that throws (or awaits a client that left) just closes it. */
export type Script = (peer: Peer) => Promise<void>;

export interface StartTlsServer extends RunningServer {
  readonly sessions: Session[];
}

export async function startStartTlsServer(endpoint: TlsEndpoint, script: Script, host = '127.0.0.1'): Promise<StartTlsServer> {
  const secureContext = tls.createSecureContext({ key: endpoint.key.keyPem, cert: endpoint.chain.map((c) => c.certPem).join('\n') });
  const sessions: Session[] = [];
  const server = await startTcpServer((socket) => {
    const session: Session = { received: [], closed: new Promise((resolve) => socket.once('close', () => resolve())) };
    sessions.push(session);
    script(new Peer(socket, secureContext, session)).catch(() => socket.destroy());
  }, host);
  return { ...server, sessions };
}

export const smtpServer =
  (replies: { greeting?: string; ehlo?: string; starttls?: string } = {}): Script =>
  async (peer) => {
    peer.send(replies.greeting ?? '220-mail.test ESMTP certwatch test server\r\n220 mail.test ready\r\n');
    await peer.expectLine(/^EHLO \S+$/);
    peer.send(replies.ehlo ?? '250-mail.test greets you\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250 8BITMIME\r\n');
    await peer.expectLine(/^STARTTLS$/);
    peer.send(replies.starttls ?? '220 2.0.0 Ready to start TLS\r\n');
    await peer.startTls();
  };

export const imapServer =
  (replies: { greeting?: string; starttls?: (tag: string) => string } = {}): Script =>
  async (peer) => {
    peer.send(replies.greeting ?? '* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] certwatch test server ready\r\n');
    const [tag] = (await peer.expectLine(/^\S+ STARTTLS$/)).split(' ');
    peer.send(replies.starttls ? replies.starttls(tag) : `* CAPABILITY IMAP4rev1 STARTTLS\r\n* OK still here\r\n${tag} OK Begin TLS negotiation now\r\n`);
    await peer.startTls();
  };

export const pop3Server =
  (replies: { greeting?: string; stls?: string } = {}): Script =>
  async (peer) => {
    peer.send(replies.greeting ?? '+OK certwatch test POP3 server ready\r\n');
    await peer.expectLine(/^STLS$/);
    peer.send(replies.stls ?? '+OK Begin TLS negotiation\r\n');
    await peer.startTls();
  };

export const ftpServer =
  (replies: { greeting?: string; authTls?: string } = {}): Script =>
  async (peer) => {
    // A multi-line greeting with free text between the first and last line, as RFC 959 allows.
    peer.send(replies.greeting ?? '220-certwatch test FTP server\r\n   welcome, 220 friends\r\n220 ready\r\n');
    await peer.expectLine(/^AUTH TLS$/);
    peer.send(replies.authTls ?? '234 AUTH TLS successful\r\n');
    await peer.startTls();
  };

/** Int32 length 8, Int32 80877103: PostgreSQL's SSLRequest. */
export const POSTGRES_SSL_REQUEST_HEX = '0000000804d2162f';

export const postgresServer =
  (answer: string | Uint8Array = 'S'): Script =>
  async (peer) => {
    await peer.expectBytes(POSTGRES_SSL_REQUEST_HEX);
    peer.send(answer);
    await peer.startTls();
  };

/**
 * An LDAP StartTLS ExtendedRequest with message ID 1, as RFC 4511 section 4.14.1 defines it:
 * SEQUENCE { INTEGER 1, [APPLICATION 23] { [0] "1.3.6.1.4.1.1466.20037" } }.
 */
export const LDAP_STARTTLS_REQUEST_HEX = '301d02010177188016' + Buffer.from('1.3.6.1.4.1.1466.20037').toString('hex');

/** An ExtendedResponse to message 1 with `resultCode`, an empty matchedDN and `diagnosticMessage`. */
export function ldapExtendedResponse(resultCode: number, diagnosticMessage = ''): Buffer {
  const element = (tag: number, content: Buffer) => Buffer.concat([Buffer.from([tag, content.length]), content]);
  const result = Buffer.concat([element(0x0a, Buffer.from([resultCode])), element(0x04, Buffer.alloc(0)), element(0x04, Buffer.from(diagnosticMessage))]);
  return element(0x30, Buffer.concat([element(0x02, Buffer.from([1])), element(0x78, result)]));
}

export const ldapServer =
  (answer: Uint8Array | string = ldapExtendedResponse(0)): Script =>
  async (peer) => {
    await peer.expectBytes(LDAP_STARTTLS_REQUEST_HEX);
    peer.send(answer);
    await peer.startTls();
  };

export const XMPP_STREAM_HEADER =
  "<?xml version='1.0'?><stream:stream from='xmpp.test' id='c2s-1' version='1.0' xml:lang='en' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
const XMPP_FEATURES =
  "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>" +
  "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>";

export const xmppServer =
  (replies: { streamStart?: string; starttls?: string } = {}): Script =>
  async (peer) => {
    await peer.expectText(/<stream:stream [^>]*>/);
    peer.send(replies.streamStart ?? XMPP_STREAM_HEADER + XMPP_FEATURES);
    await peer.expectText(/<starttls [^>]*\/>/);
    peer.send(replies.starttls ?? "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    await peer.startTls();
  };
