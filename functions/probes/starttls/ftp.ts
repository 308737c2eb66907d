import type { Socket } from 'node:net';
import type { Target } from '../../core/target';
import { readNumericReply } from './numeric-reply';
import { converse, type ReplyReader } from './reply-reader';
import { quoteReply, starttlsFailed } from './starttls-errors';

/** FTP (RFC 4217): greeting, AUTH TLS. */
export function negotiateFtp(socket: Socket, target: Target): Promise<void> {
  return converse(socket, target, async (reader) => {
    await expectReply(reader, target, 'as the greeting', 220);
    reader.write('AUTH TLS\r\n');
    await expectReply(reader, target, 'to AUTH TLS', 234);
  });
}

async function expectReply(reader: ReplyReader, target: Target, step: string, expectedCode: number): Promise<void> {
  let reply = await readNumericReply(reader, { target, protocolName: 'FTP', step });
  // 1xx is preliminary ("120 ready in 2 minutes"); the real answer follows.
  while (reply.code < 200) reply = await readNumericReply(reader, { target, protocolName: 'FTP', step });
  if (reply.code !== expectedCode) throw starttlsFailed(target, `server replied ${quoteReply(reply.text)} ${step}`);
}
