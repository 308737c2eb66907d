// The STARTTLS negotiators fuzzed against hostile servers on loopback: each protocol's valid server replies, edited at
// random (bytes changed, cut, repeated, control characters and non-ASCII inserted, a 70 KB line, a reply split into
// pieces), sent one per client message, the server then closing or falling silent. What a negotiation may give:
// success, or a ProbeError whose message is one line of printable ASCII no longer than MAX_MESSAGE_CHARS (a
// server's words quoted, never its control sequences or floods), settled once the probe's deadline destroys the
// socket. Anything else (another error, a message carrying the server's bytes, a negotiation left hanging) is a
// bug. Run by test/fuzz/run.ts (`npm run fuzz`): count / 10 negotiations per protocol (a silent server costs the
// deadline).
import { once } from 'node:events';
import * as net from 'node:net';
import { ProbeError } from '../../functions/core/ports';
import { parseTarget, type Protocol } from '../../functions/core/target';
import { STARTTLS_NEGOTIATORS } from '../../functions/probes/starttls';
import { ldapExtendedResponse, XMPP_STREAM_HEADER } from '../support/starttls-servers';
import { counted, type Fuzz, seededRandom } from './fuzzing';

/** A message names the target and the step, and quotes at most 100 characters of the server's. */
const MAX_MESSAGE_CHARS = 400;
/** The probe's deadline, as far as this fuzzer is concerned: the socket is destroyed then. */
const DEADLINE_MS = 300;

interface Conversation {
  /** Sent on connect, before the client says anything. */
  readonly greeting?: string | Buffer;
  /** Sent after each client message, in order, given what the client sent. */
  readonly replies: readonly ((received: string) => string | Buffer)[];
}

const XMPP_FEATURES =
  "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>";

/** Each protocol's server, as a valid one answers. */
const CONVERSATIONS: Readonly<Record<Exclude<Protocol, 'tls'>, Conversation>> = {
  smtp: {
    greeting: '220-mail.test ESMTP\r\n220 mail.test ready\r\n',
    replies: [() => '250-mail.test greets you\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n', () => '220 2.0.0 Ready to start TLS\r\n'],
  },
  imap: {
    greeting: '* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n',
    replies: [(received) => `* CAPABILITY IMAP4rev1 STARTTLS\r\n${received.split(' ')[0]} OK Begin TLS negotiation now\r\n`],
  },
  pop3: { greeting: '+OK POP3 server ready\r\n', replies: [() => '+OK Begin TLS negotiation\r\n'] },
  ftp: { greeting: '220-FTP server\r\n   welcome\r\n220 ready\r\n', replies: [() => '234 AUTH TLS successful\r\n'] },
  postgres: { replies: [() => 'S'] },
  ldap: { replies: [() => ldapExtendedResponse(0, 'go ahead')] },
  xmpp: { replies: [() => XMPP_STREAM_HEADER + XMPP_FEATURES, () => "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"] },
};

export const fuzzStartTls: Fuzz = async ({ count, seed, report }) => {
  const { random, below, pick } = seededRandom(seed);
  const hostileBytes = () => pick([Buffer.from('\x1b[31m\x07\x00'), Buffer.from('ünïcødé 💥'), Buffer.from('\r\n'), Buffer.from('\n.\r\n'), Buffer.from([below(256), below(256)]), Buffer.alloc(70_000, 'A')]);
  const edited = (valid: Buffer): Buffer => {
    if (random() < 0.2) return valid;
    const at = below(valid.length + 1);
    switch (below(5)) {
      case 0: {
        const copy = Buffer.from(valid);
        if (copy.length > 0) copy[below(copy.length)] = below(256);
        return copy;
      }
      case 1:
        return valid.subarray(0, at);
      case 2:
        return Buffer.concat([valid, valid]);
      default:
        return Buffer.concat([valid.subarray(0, at), hostileBytes(), valid.subarray(at + below(4))]);
    }
  };
  /** Writes `data` in one piece or a few, each on its own turn of the event loop. */
  const sendInPieces = async (socket: net.Socket, data: Buffer) => {
    const pieces = random() < 0.3 ? 1 + below(4) : 1;
    const size = Math.ceil(data.length / pieces) || 1;
    for (let offset = 0; offset < data.length && !socket.destroyed; offset += size) {
      socket.write(data.subarray(offset, offset + size));
      await new Promise((resolve) => setImmediate(resolve));
    }
  };

  const bugs = new Map<string, number>();
  for (const [protocol, conversation] of Object.entries(CONVERSATIONS) as [Exclude<Protocol, 'tls'>, Conversation][]) {
    const outcomes = new Map<string, number>();
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      const replies = [...conversation.replies];
      const afterLast = pick(['close', 'silence', 'garbage'] as const);
      const next = async (received: string) => {
        const reply = replies.shift();
        if (reply === undefined) {
          if (afterLast === 'close') socket.end();
          if (afterLast === 'garbage') await sendInPieces(socket, hostileBytes());
          return;
        }
        await sendInPieces(socket, edited(Buffer.from(reply(received))));
      };
      socket.on('data', (chunk) => void next(chunk.toString('latin1')));
      if (conversation.greeting !== undefined) void sendInPieces(socket, edited(Buffer.from(conversation.greeting)));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    const target = parseTarget(`${protocol}://127.0.0.1:${port}`);
    for (let i = 0; i < Math.max(1, Math.round(count / 10)); i++) {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.on('error', () => undefined);
      await once(socket, 'connect');
      const deadline = setTimeout(() => socket.destroy(), DEADLINE_MS);
      let outcome: string;
      const settled = await Promise.race([
        STARTTLS_NEGOTIATORS[protocol](socket, target).then(
          () => 'agreed to start TLS',
          (error: unknown) => error,
        ),
        new Promise((resolve) => setTimeout(() => resolve('HANG'), DEADLINE_MS + 2000)),
      ]);
      clearTimeout(deadline);
      socket.destroy();
      if (typeof settled === 'string') {
        outcome = settled;
        if (settled === 'HANG') counted(bugs, `${protocol}: the negotiation did not settle after its socket was destroyed`);
      } else if (settled instanceof ProbeError) {
        outcome = settled.code;
        if (settled.message.length > MAX_MESSAGE_CHARS || /[^\x20-\x7e]/.test(settled.message)) {
          counted(bugs, `${protocol}: ${settled.code} message carries the server's bytes or is too long: ${JSON.stringify(settled.message.slice(0, 200))}`);
        }
      } else {
        outcome = 'BUG';
        counted(bugs, `${protocol}: ${(settled as Error).name} ${(settled as Error).message}`);
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    server.close();
    report(`${protocol.padEnd(9)} ${[...outcomes].map(([outcome, n]) => `${outcome} ${n}`).join(', ')}`);
  }
  return bugs;
};
