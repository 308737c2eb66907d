import type { Socket } from 'node:net';
import type { Target } from '../../core/target';
import { converse, type ReplyReader } from './reply-reader';
import { protocolError, quoteReply, starttlsFailed } from './starttls-errors';

/** POP3 (RFC 2595): greeting, STLS. */
export function negotiatePop3(socket: Socket, target: Target): Promise<void> {
  return converse(socket, target, async (reader) => {
    await expectOk(reader, target, 'as the greeting');
    reader.write('STLS\r\n');
    await expectOk(reader, target, 'to STLS');
  });
}

async function expectOk(reader: ReplyReader, target: Target, step: string): Promise<void> {
  const line = await reader.readLine();
  if (/^\+OK\b/.test(line)) return;
  if (/^-ERR\b/.test(line)) throw starttlsFailed(target, `server replied ${quoteReply(line)} ${step}`);
  throw protocolError(target, `expected a POP3 reply ${step}, got ${quoteReply(line)}`);
}
