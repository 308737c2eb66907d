import type { Socket } from 'node:net';
import type { Target } from '../../core/target';
import { converse } from './reply-reader';
import { protocolError, starttlsFailed } from './starttls-errors';

const SSL_REQUEST_CODE = 80877103;
const WILLING = 'S'.charCodeAt(0);
const UNWILLING = 'N'.charCodeAt(0);

/**
 * PostgreSQL: SSLRequest, then a single byte. Exactly one byte is read: anything the server sends after it
 * would be taken as TLS, and a man in the middle could use that to inject data (CVE-2021-23222).
 */
export function negotiatePostgres(socket: Socket, target: Target): Promise<void> {
  return converse(socket, target, async (reader) => {
    reader.write(sslRequest());
    const [answer] = await reader.readBytes(1);
    if (answer === WILLING) return;
    if (answer === UNWILLING) throw starttlsFailed(target, 'server does not accept SSL');
    throw protocolError(target, `expected "S" or "N" in answer to SSLRequest, got byte 0x${answer.toString(16).padStart(2, '0')}`);
  });
}

/** Int32 message length (8, itself included), then the Int32 SSLRequest code. */
function sslRequest(): Buffer {
  const message = Buffer.alloc(8);
  message.writeInt32BE(8, 0);
  message.writeInt32BE(SSL_REQUEST_CODE, 4);
  return message;
}
