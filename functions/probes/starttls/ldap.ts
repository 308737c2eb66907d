import type { Socket } from 'node:net';
import type { Target } from '../../core/target';
import { MAX_PLAINTEXT_BYTES, converse, type ReplyReader } from './reply-reader';
import { protocolError, quoteReply, starttlsFailed } from './starttls-errors';

// LDAP StartTLS (RFC 4511 section 4.14): one ExtendedRequest, one ExtendedResponse, both BER with definite lengths.

const START_TLS_OID = '1.3.6.1.4.1.1466.20037';
const MESSAGE_ID = 1;
/** The server's unsolicited notifications (notice of disconnection) carry message ID 0. */
const UNSOLICITED_MESSAGE_ID = 0;
/** Three length octets already allow 16 MiB, far beyond any StartTLS reply. */
const MAX_LENGTH_OCTETS = 3;

const TAG = {
  SEQUENCE: 0x30,
  INTEGER: 0x02,
  ENUMERATED: 0x0a,
  OCTET_STRING: 0x04,
  EXTENDED_REQUEST: 0x77, // [APPLICATION 23], constructed
  EXTENDED_RESPONSE: 0x78, // [APPLICATION 24], constructed
  REQUEST_NAME: 0x80, // [0], primitive
} as const;

interface BerElement {
  readonly tag: number;
  readonly content: Buffer;
}

export function negotiateLdap(socket: Socket, target: Target): Promise<void> {
  return converse(socket, target, async (reader) => {
    reader.write(startTlsRequest());
    const message = await readLdapMessage(reader, target);
    const result = startTlsResult(message);
    if (!result) throw malformed(target);
    if (result.code !== 0) {
      const diagnostic = result.diagnosticMessage ? ` (${quoteReply(result.diagnosticMessage)})` : '';
      throw starttlsFailed(target, `server answered StartTLS with LDAP result code ${result.code}${diagnostic}`);
    }
  });
}

/** LDAPMessage { messageID 1, [APPLICATION 23] { requestName [0] START_TLS_OID } }; every length fits in one byte. */
function startTlsRequest(): Buffer {
  const extendedRequest = encode(TAG.EXTENDED_REQUEST, encode(TAG.REQUEST_NAME, Buffer.from(START_TLS_OID, 'ascii')));
  return encode(TAG.SEQUENCE, Buffer.concat([encode(TAG.INTEGER, Buffer.from([MESSAGE_ID])), extendedRequest]));
}

function encode(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag, content.length]), content]);
}

/** Reads one whole LDAPMessage from the socket and returns the content of its outer SEQUENCE. */
async function readLdapMessage(reader: ReplyReader, target: Target): Promise<Buffer> {
  const [tag, firstLengthByte] = await reader.readBytes(2);
  if (tag !== TAG.SEQUENCE) throw protocolError(target, `expected an LDAP message in answer to StartTLS, got byte 0x${tag.toString(16).padStart(2, '0')}`);
  const lengthOctets = firstLengthByte > 0x80 ? firstLengthByte - 0x80 : 0;
  if (lengthOctets > MAX_LENGTH_OCTETS) throw malformed(target);
  const header = Buffer.concat([Buffer.from([tag, firstLengthByte]), await reader.readBytes(lengthOctets)]);
  const length = decodeLength(header, 1);
  if (!length || length.length > MAX_PLAINTEXT_BYTES) throw malformed(target);
  return reader.readBytes(length.length);
}

/** ExtendedResponse ::= [APPLICATION 24] { resultCode ENUMERATED, matchedDN, diagnosticMessage, ... }; null if malformed. */
function startTlsResult(message: Buffer): { code: number; diagnosticMessage: string } | null {
  const [messageId, response] = decodeElements(message) ?? [];
  if (messageId?.tag !== TAG.INTEGER || response?.tag !== TAG.EXTENDED_RESPONSE) return null;
  const id = decodeInteger(messageId.content);
  if (id !== MESSAGE_ID && id !== UNSOLICITED_MESSAGE_ID) return null;
  const [resultCode, matchedDn, diagnosticMessage] = decodeElements(response.content) ?? [];
  if (resultCode?.tag !== TAG.ENUMERATED || matchedDn?.tag !== TAG.OCTET_STRING || diagnosticMessage?.tag !== TAG.OCTET_STRING) return null;
  const code = decodeInteger(resultCode.content);
  if (code === null) return null;
  return { code, diagnosticMessage: diagnosticMessage.content.toString('utf8') };
}

/** Splits the content of a constructed element into its children; null when a length runs past the end. */
function decodeElements(content: Buffer): BerElement[] | null {
  const elements: BerElement[] = [];
  for (let offset = 0; offset < content.length; ) {
    const length = decodeLength(content, offset + 1);
    if (!length || length.contentStart + length.length > content.length) return null;
    elements.push({ tag: content[offset], content: content.subarray(length.contentStart, length.contentStart + length.length) });
    offset = length.contentStart + length.length;
  }
  return elements;
}

/** The definite length whose first octet is at `offset`, and where the content after it starts; null if unusable. */
function decodeLength(bytes: Buffer, offset: number): { length: number; contentStart: number } | null {
  const first = bytes[offset];
  if (first === undefined) return null;
  if (first < 0x80) return { length: first, contentStart: offset + 1 };
  const lengthOctets = first - 0x80;
  // 0x80 is BER's indefinite length, which LDAP forbids.
  if (lengthOctets === 0 || lengthOctets > MAX_LENGTH_OCTETS || offset + 1 + lengthOctets > bytes.length) return null;
  return { length: bytes.readUIntBE(offset + 1, lengthOctets), contentStart: offset + 1 + lengthOctets };
}

function decodeInteger(content: Buffer): number | null {
  return content.length >= 1 && content.length <= 4 ? content.readIntBE(0, content.length) : null;
}

function malformed(target: Target) {
  return protocolError(target, 'malformed LDAP response to StartTLS');
}
