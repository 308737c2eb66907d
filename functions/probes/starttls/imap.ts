import type { Socket } from 'node:net';
import type { Target } from '../../core/target';
import { converse, type ReplyReader } from './reply-reader';
import { protocolError, quoteReply, starttlsFailed } from './starttls-errors';

const TAGGED_OK = /^a1 OK\b/i;
const TAGGED_REFUSAL = /^a1 (NO|BAD)\b/i;
const UNTAGGED_BYE = /^\* BYE\b/i;

/** IMAP (RFC 3501 / 9051): greeting, tagged STARTTLS. */
export function negotiateImap(socket: Socket, target: Target): Promise<void> {
  return converse(socket, target, async (reader) => {
    await expectGreeting(reader, target);
    reader.write('a1 STARTTLS\r\n');
    await expectTaggedOk(reader, target);
  });
}

async function expectGreeting(reader: ReplyReader, target: Target): Promise<void> {
  const line = await reader.readLine();
  if (/^\* OK\b/i.test(line)) return;
  // PREAUTH skips to the authenticated state, where STARTTLS is no longer allowed.
  if (/^\* (BYE|PREAUTH)\b/i.test(line)) throw starttlsFailed(target, `server greeted with ${quoteReply(line)}`);
  throw protocolError(target, `expected an IMAP greeting, got ${quoteReply(line)}`);
}

/** Untagged lines (`* CAPABILITY ...`) may come first; the tagged line is the answer. */
async function expectTaggedOk(reader: ReplyReader, target: Target): Promise<void> {
  for (;;) {
    const line = await reader.readLine();
    if (TAGGED_OK.test(line)) return;
    if (TAGGED_REFUSAL.test(line) || UNTAGGED_BYE.test(line)) {
      throw starttlsFailed(target, `server replied ${quoteReply(line)} to STARTTLS`);
    }
    if (!line.startsWith('* ')) throw protocolError(target, `expected an IMAP reply to STARTTLS, got ${quoteReply(line)}`);
  }
}
