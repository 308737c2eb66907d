import { mkdtempSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTargets, type CheckSettings } from '../../functions/use-cases/check-targets';
import { CHECK_DEFAULTS } from '../../functions/core/check-settings';
import type { CheckResult } from '../../functions/core/check-result';
import { parseTarget, type Protocol } from '../../functions/core/target';
import { STARTTLS_NEGOTIATORS } from '../../functions/probes/starttls';
import { TlsProbe } from '../../functions/probes/tls-probe';
import { chainFor, issue, type Issued } from '../support/pki';
import type { RunningServer } from '../support/servers';
import { createResolver } from '../../functions/probes/dns/create-resolver';
import {
  ftpServer,
  imapServer,
  LDAP_STARTTLS_REQUEST_HEX,
  ldapExtendedResponse,
  ldapServer,
  pop3Server,
  POSTGRES_SSL_REQUEST_HEX,
  postgresServer,
  smtpServer,
  startStartTlsServer,
  XMPP_STREAM_HEADER,
  xmppServer,
  type Script,
  type StartTlsServer,
} from '../support/starttls-servers';

// Tier 2: STARTTLS through the check use case, against small real protocol servers on loopback that
// upgrade the very socket they spoke plaintext on.

const dir = mkdtempSync(join(tmpdir(), 'certwatch-starttls-'));
const servers: RunningServer[] = [];
const leaves = new Map<string, Issued>();
let intermediate: Issued;
let caFile: string;

beforeAll(async () => {
  const pki = await chainFor(['unused.test']);
  intermediate = pki.intermediate;
  caFile = join(dir, 'root.pem');
  writeFileSync(caFile, pki.root.certPem);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function leafFor(name: string): Promise<Issued> {
  let leaf = leaves.get(name);
  if (!leaf) {
    leaf = await issue({ subject: `CN=${name}`, sans: [name], issuer: intermediate });
    leaves.set(name, leaf);
  }
  return leaf;
}

/** A STARTTLS server running `script`, whose TLS side serves a leaf for `name` and the intermediate. */
async function serve(script: Script, name: string, host = '127.0.0.1'): Promise<StartTlsServer> {
  const leaf = await leafFor(name);
  const server = await startStartTlsServer({ key: leaf, chain: [leaf, intermediate] }, script, host);
  servers.push(server);
  return server;
}

async function check(target: string, servername: string, settings: Partial<CheckSettings> = {}): Promise<CheckResult> {
  const [result] = await checkTargets(
    [{ target }],
    { ...CHECK_DEFAULTS, caFiles: [caFile], servername, timeoutMs: 5000, ...settings },
    { probe: new TlsProbe(), resolver: createResolver(), now: () => new Date() },
  );
  return result;
}

interface ProtocolCase {
  readonly scheme: string;
  readonly protocol: Exclude<Protocol, 'tls'>;
  readonly healthy: Script;
  /** Exactly what the client must send before the TLS handshake. */
  readonly clientSends: readonly (string | jest.AsymmetricMatcher)[];
  readonly refusing: Script;
  /** The error message after `scheme://host:port: `. */
  readonly refusal: string;
  readonly garbage: Script;
  readonly garbageMessage: string;
}

const PROTOCOLS: ProtocolCase[] = [
  {
    scheme: 'smtp',
    protocol: 'smtp',
    healthy: smtpServer(),
    clientSends: ['EHLO [127.0.0.1]', 'STARTTLS'],
    refusing: smtpServer({ starttls: '454 4.7.0 TLS not available due to local problem\r\n' }),
    refusal: 'server replied "454 4.7.0 TLS not available due to local problem" to STARTTLS',
    garbage: smtpServer({ ehlo: 'HTTP/1.1 400 Bad Request\r\n' }),
    garbageMessage: 'expected an SMTP reply to EHLO, got "HTTP/1.1 400 Bad Request"',
  },
  {
    scheme: 'imap',
    protocol: 'imap',
    healthy: imapServer(),
    clientSends: ['a1 STARTTLS'],
    refusing: imapServer({ starttls: (tag) => `${tag} NO [UNAVAILABLE] TLS is not configured\r\n` }),
    refusal: 'server replied "a1 NO [UNAVAILABLE] TLS is not configured" to STARTTLS',
    garbage: imapServer({ greeting: 'SSH-2.0-OpenSSH_9.6\r\n' }),
    garbageMessage: 'expected an IMAP greeting, got "SSH-2.0-OpenSSH_9.6"',
  },
  {
    scheme: 'pop3',
    protocol: 'pop3',
    healthy: pop3Server(),
    clientSends: ['STLS'],
    refusing: pop3Server({ stls: '-ERR TLS not available\r\n' }),
    refusal: 'server replied "-ERR TLS not available" to STLS',
    garbage: pop3Server({ greeting: '220 mail.test ESMTP Postfix\r\n' }),
    garbageMessage: 'expected a POP3 reply as the greeting, got "220 mail.test ESMTP Postfix"',
  },
  {
    scheme: 'ftp',
    protocol: 'ftp',
    healthy: ftpServer(),
    clientSends: ['AUTH TLS'],
    refusing: ftpServer({ authTls: '534 Local policy on server does not allow TLS\r\n' }),
    refusal: 'server replied "534 Local policy on server does not allow TLS" to AUTH TLS',
    garbage: ftpServer({ authTls: 'HTTP/1.1 400 Bad Request\r\n' }),
    garbageMessage: 'expected an FTP reply to AUTH TLS, got "HTTP/1.1 400 Bad Request"',
  },
  {
    scheme: 'postgres',
    protocol: 'postgres',
    healthy: postgresServer('S'),
    clientSends: [POSTGRES_SSL_REQUEST_HEX],
    refusing: postgresServer('N'),
    refusal: 'server does not accept SSL',
    // A pre-7.0 server answers an SSLRequest with an ErrorResponse ('E').
    garbage: postgresServer('EFATAL'),
    garbageMessage: 'expected "S" or "N" in answer to SSLRequest, got byte 0x45',
  },
  {
    scheme: 'ldap',
    protocol: 'ldap',
    healthy: ldapServer(),
    clientSends: [LDAP_STARTTLS_REQUEST_HEX],
    refusing: ldapServer(ldapExtendedResponse(52, 'StartTLS is not configured')),
    refusal: 'server answered StartTLS with LDAP result code 52 ("StartTLS is not configured")',
    garbage: ldapServer('HTTP/1.1 400 Bad Request\r\n\r\n'),
    garbageMessage: 'expected an LDAP message in answer to StartTLS, got byte 0x48',
  },
  {
    scheme: 'xmpp',
    protocol: 'xmpp',
    healthy: xmppServer(),
    clientSends: [expect.stringMatching(/^<\?xml version='1.0'\?><stream:stream to='xmpp.test' .*version='1.0'/), "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"],
    refusing: xmppServer({ starttls: "<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>" }),
    refusal: 'server answered <failure/> to STARTTLS',
    garbage: xmppServer({ streamStart: 'HTTP/1.1 400 Bad Request\r\n\r\n' }),
    garbageMessage: 'expected an XMPP stream, got "HTTP/1.1 400 Bad Request"',
  },
];

describe.each(PROTOCOLS)('$scheme STARTTLS', ({ scheme, protocol, healthy, clientSends, refusing, refusal, garbage, garbageMessage }) => {
  const servername = `${scheme}.test`;

  test('upgrades the plaintext connection to TLS and reads the served chain', async () => {
    const server = await serve(healthy, servername);
    const target = `${scheme}://127.0.0.1:${server.port}`;
    const result = await check(target, servername);
    expect(result).toMatchObject({ status: 'ok', error: null, protocol, target, servername, trusted: true, findings: [] });
    expect(result.leaf?.subject).toBe(`CN=${servername}`);
    expect(result.chain.map((c) => c.subject)).toEqual([`CN=${servername}`, 'CN=certwatch test intermediate', 'CN=certwatch test root']);
    // The handshake happened on the socket the server spoke plaintext on, with our SNI name.
    expect(server.sessions).toHaveLength(1);
    expect(server.sessions[0]).toMatchObject({ received: clientSends, tlsServername: servername });
  });

  test('a server that refuses STARTTLS is STARTTLS_FAILED, saying what and where', async () => {
    const server = await serve(refusing, servername);
    const target = `${scheme}://127.0.0.1:${server.port}`;
    const result = await check(target, servername);
    expect(result.status).toBe('error');
    expect(result.error).toEqual({ code: 'STARTTLS_FAILED', message: `${target}: ${refusal}` });
  });

  test('a server that answers something else is a PROTOCOL_ERROR, quoting it', async () => {
    const server = await serve(garbage, servername);
    const target = `${scheme}://127.0.0.1:${server.port}`;
    const result = await check(target, servername);
    expect(result.error).toEqual({ code: 'PROTOCOL_ERROR', message: `${target}: ${garbageMessage}` });
  });

  test('hands the socket to TLS with none of its listeners left and nothing paused', async () => {
    const server = await serve(healthy, servername);
    const socket = net.connect(server.port, '127.0.0.1');
    await once(socket, 'connect');
    const listenersBefore = listenerCounts(socket);
    await STARTTLS_NEGOTIATORS[protocol](socket, parseTarget(`${scheme}://127.0.0.1:${server.port}`, servername));
    expect(listenerCounts(socket)).toEqual(listenersBefore);
    expect(socket.isPaused()).toBe(false);
    socket.destroy();
  });
});

function listenerCounts(socket: net.Socket): Record<string, number> {
  return Object.fromEntries(['data', 'readable', 'end', 'close', 'error'].map((event) => [event, socket.listenerCount(event)]));
}

describe('SMTP specifics', () => {
  test('a server whose EHLO reply lacks STARTTLS is STARTTLS_FAILED, and STARTTLS is never sent', async () => {
    const server = await serve(smtpServer({ ehlo: '250-mail.test\r\n250-PIPELINING\r\n250-X-STARTTLS-LATER\r\n250 8BITMIME\r\n' }), 'smtp.test');
    const target = `smtp://127.0.0.1:${server.port}`;
    const result = await check(target, 'smtp.test');
    expect(result.error).toEqual({ code: 'STARTTLS_FAILED', message: `${target}: the server does not offer STARTTLS` });
    await server.sessions[0].closed;
    expect(server.sessions[0].received).toEqual(['EHLO [127.0.0.1]']);
  });

  test('a 5xx greeting is STARTTLS_FAILED naming the reply, even across several lines', async () => {
    const server = await serve(smtpServer({ greeting: '554-mail.test no SMTP service here\r\n554 go away\r\n' }), 'smtp.test');
    const target = `smtp://127.0.0.1:${server.port}`;
    const result = await check(target, 'smtp.test');
    expect(result.error).toEqual({ code: 'STARTTLS_FAILED', message: `${target}: server replied "554-mail.test no SMTP service here 554 go away" as the greeting` });
  });

  test('a multi-line reply whose lines are not all SMTP is a PROTOCOL_ERROR', async () => {
    const server = await serve(smtpServer({ ehlo: '250-mail.test\r\n<html>\r\n' }), 'smtp.test');
    const result = await check(`smtp://127.0.0.1:${server.port}`, 'smtp.test');
    expect(result.error).toEqual({ code: 'PROTOCOL_ERROR', message: expect.stringContaining('expected an SMTP reply to EHLO, got "<html>"') });
  });

  test('a refusal is quoted printable only and cut to about 100 characters', async () => {
    const server = await serve(smtpServer({ starttls: `554 5.7.0 \x1b[2J\x07${'no '.repeat(2000)}\r\n` }), 'smtp.test');
    const result = await check(`smtp://127.0.0.1:${server.port}`, 'smtp.test');
    expect(result.error?.code).toBe('STARTTLS_FAILED');
    expect(result.error?.message).toContain('server replied "554 5.7.0 ?[2J?no no no');
    expect(result.error?.message).toMatch(/^[\x20-\x7e]{1,200}$/);
  });

  test('a server streaming a megabyte without a line end is a PROTOCOL_ERROR, not a wait for the deadline', async () => {
    const server = await serve(async (peer) => peer.send(Buffer.alloc(1024 * 1024, 'A')), 'smtp.test');
    const result = await check(`smtp://127.0.0.1:${server.port}`, 'smtp.test', { timeoutMs: 20_000 });
    expect(result.error).toEqual({ code: 'PROTOCOL_ERROR', message: expect.stringContaining('sent more than 65536 bytes') });
  });

  test('submission:// over IPv6 keeps its scheme and brackets in the canonical target', async () => {
    const server = await serve(smtpServer(), 'submission.test', '::1');
    const target = `submission://[::1]:${server.port}`;
    const result = await check(target, 'submission.test');
    expect(result).toMatchObject({ status: 'ok', target, host: '::1', protocol: 'smtp', error: null });
    expect(result.leaf?.subject).toBe('CN=submission.test');
    expect(server.sessions[0].tlsServername).toBe('submission.test');
    expect(server.sessions[0].received[0]).toBe('EHLO [IPv6:::1]');
  });
});

describe('IMAP specifics', () => {
  test('a BYE greeting is STARTTLS_FAILED', async () => {
    const server = await serve(imapServer({ greeting: '* BYE too many connections\r\n' }), 'imap.test');
    const target = `imap://127.0.0.1:${server.port}`;
    const result = await check(target, 'imap.test');
    expect(result.error).toEqual({ code: 'STARTTLS_FAILED', message: `${target}: server greeted with "* BYE too many connections"` });
  });

  test('a BAD to STARTTLS after untagged lines is STARTTLS_FAILED', async () => {
    const server = await serve(imapServer({ starttls: (tag) => `* CAPABILITY IMAP4rev1\r\n${tag} BAD unknown command\r\n` }), 'imap.test');
    const result = await check(`imap://127.0.0.1:${server.port}`, 'imap.test');
    expect(result.error).toEqual({ code: 'STARTTLS_FAILED', message: expect.stringContaining('server replied "a1 BAD unknown command" to STARTTLS') });
  });
});

describe('FTP specifics', () => {
  test('a preliminary 120 before the 220 greeting is waited through', async () => {
    const server = await serve(ftpServer({ greeting: '120 ready in a moment\r\n220 ready\r\n' }), 'ftp.test');
    const result = await check(`ftp://127.0.0.1:${server.port}`, 'ftp.test');
    expect(result).toMatchObject({ status: 'ok', error: null });
  });

  test('any answer to AUTH TLS but 234 is STARTTLS_FAILED, even a 2xx', async () => {
    const server = await serve(ftpServer({ authTls: '202 Command not implemented, superfluous at this site\r\n' }), 'ftp.test');
    const result = await check(`ftp://127.0.0.1:${server.port}`, 'ftp.test');
    expect(result.error).toEqual({ code: 'STARTTLS_FAILED', message: expect.stringContaining('server replied "202 Command not implemented') });
  });
});

describe('PostgreSQL specifics', () => {
  test('bytes after the "S" are refused as a PROTOCOL_ERROR rather than fed to TLS', async () => {
    const server = await serve(postgresServer('Sinjected'), 'postgres.test');
    const result = await check(`postgres://127.0.0.1:${server.port}`, 'postgres.test');
    expect(result.error).toEqual({ code: 'PROTOCOL_ERROR', message: expect.stringContaining('sent 8 unexpected bytes before the TLS handshake') });
  });
});

describe('LDAP specifics', () => {
  test('a response whose inner length runs past its end is a PROTOCOL_ERROR', async () => {
    // A success response, except that the ExtendedResponse claims 8 content bytes where 7 follow.
    const server = await serve(ldapServer(Buffer.from('300c02010178080a010004000400', 'hex')), 'ldap.test');
    const target = `ldap://127.0.0.1:${server.port}`;
    const result = await check(target, 'ldap.test');
    expect(result.error).toEqual({ code: 'PROTOCOL_ERROR', message: `${target}: malformed LDAP response to StartTLS` });
  });

  test('a response to another operation is a PROTOCOL_ERROR', async () => {
    const bindResponse = Buffer.from('300c02010161070a010004000400', 'hex');
    const server = await serve(ldapServer(bindResponse), 'ldap.test');
    const result = await check(`ldap://127.0.0.1:${server.port}`, 'ldap.test');
    expect(result.error?.code).toBe('PROTOCOL_ERROR');
  });
});

describe('XMPP specifics', () => {
  test('stream features without <starttls> are STARTTLS_FAILED', async () => {
    const features = "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>";
    const server = await serve(xmppServer({ streamStart: XMPP_STREAM_HEADER + features }), 'xmpp.test');
    const target = `xmpp://127.0.0.1:${server.port}`;
    const result = await check(target, 'xmpp.test');
    expect(result.error).toEqual({ code: 'STARTTLS_FAILED', message: `${target}: the server does not offer STARTTLS` });
  });

  test('a stream error instead of features is STARTTLS_FAILED naming the condition', async () => {
    const streamError = "<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>";
    const server = await serve(xmppServer({ streamStart: XMPP_STREAM_HEADER + streamError }), 'xmpp.test');
    const result = await check(`xmpp://127.0.0.1:${server.port}`, 'xmpp.test');
    expect(result.error).toEqual({ code: 'STARTTLS_FAILED', message: expect.stringContaining('server ended the stream with error "host-unknown"') });
  });
});

describe('the whole-probe deadline', () => {
  test.each([
    ['smtp', 'after EHLO', smtpServer({ starttls: '' })],
    ['ldap', 'halfway through its response', ldapServer(Buffer.from('300c0201', 'hex'))],
  ])('a %s server that stalls %s is a TIMEOUT, and the connection is closed', async (scheme, _when, script) => {
    const server = await serve(script, `${scheme}.test`);
    const result = await check(`${scheme}://127.0.0.1:${server.port}`, `${scheme}.test`, { timeoutMs: 300 });
    expect(result.error?.code).toBe('TIMEOUT');
    await server.sessions[0].closed;
  });

  test('a pending read settles when the probe destroys the socket mid-negotiation', async () => {
    let reachedStartTls!: () => void;
    const stalledAtStartTls = new Promise<void>((resolve) => (reachedStartTls = resolve));
    const server = await serve(async (peer) => {
      peer.send('220 mail.test ready\r\n');
      await peer.expectLine(/^EHLO /);
      peer.send('250-mail.test\r\n250 STARTTLS\r\n');
      await peer.expectLine(/^STARTTLS$/);
      reachedStartTls();
    }, 'smtp.test');
    const socket = net.connect(server.port, '127.0.0.1');
    await once(socket, 'connect');
    const negotiation = STARTTLS_NEGOTIATORS.smtp!(socket, parseTarget(`smtp://127.0.0.1:${server.port}`, 'smtp.test'));
    await stalledAtStartTls;
    socket.destroy();
    await expect(negotiation).rejects.toMatchObject({ code: 'CONNECTION_RESET' });
  });
});
