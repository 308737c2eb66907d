import type { Socket } from 'node:net';
import type { Target } from '../../core/target';
import { readNumericReply, type NumericReply } from './numeric-reply';
import { converse, type ReplyReader } from './reply-reader';
import { protocolError, quoteReply, starttlsFailed } from './starttls-errors';

/** SMTP and submission (RFC 3207): greeting, EHLO, STARTTLS. */
export function negotiateSmtp(socket: Socket, target: Target): Promise<void> {
  return converse(socket, target, async (reader) => {
    await expectReply(reader, target, 'as the greeting', 220);
    reader.write(`EHLO ${addressLiteral(socket.localAddress)}\r\n`);
    const capabilities = await expectReply(reader, target, 'to EHLO', 250);
    if (!offersStartTls(capabilities)) throw starttlsFailed(target, 'the server does not offer STARTTLS');
    reader.write('STARTTLS\r\n');
    await expectReply(reader, target, 'to STARTTLS', 220);
  });
}

async function expectReply(reader: ReplyReader, target: Target, step: string, expectedCode: number): Promise<NumericReply> {
  const reply = await readNumericReply(reader, { target, protocolName: 'SMTP', step });
  if (reply.code === expectedCode) return reply;
  if (reply.code >= 400) throw starttlsFailed(target, `server replied ${quoteReply(reply.text)} ${step}`);
  throw protocolError(target, `expected ${expectedCode} ${step}, server replied ${quoteReply(reply.text)}`);
}

/** The first EHLO line names the server; each later one is a capability keyword with parameters. */
function offersStartTls(ehloReply: NumericReply): boolean {
  return ehloReply.lines.slice(1).some((line) => /^STARTTLS(\s|$)/i.test(line));
}

/** RFC 5321 4.1.3: a client without a name of its own greets with its address literal; strict servers refuse a bare word. */
export function addressLiteral(address: string | undefined): string {
  if (!address) return '[127.0.0.1]';
  const plain = address.replace(/^::ffff:(?=\d+\.)/, '');
  return plain.includes(':') ? `[IPv6:${plain}]` : `[${plain}]`;
}
