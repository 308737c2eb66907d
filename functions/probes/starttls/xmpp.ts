import type { Socket } from 'node:net';
import type { Target } from '../../core/target';
import { converse } from './reply-reader';
import { protocolError, quoteReply, starttlsFailed } from './starttls-errors';

// XMPP client STARTTLS (RFC 6120 section 5). Pattern matching, not XML parsing: we only need to see three elements.

/** Where the server's stream features end, or where it gave up on the stream instead. */
const END_OF_FEATURES = /<\/stream:features>|<stream:features\s*\/>|<\/stream:error>|<\/stream:stream>/;
const STARTTLS_FEATURE = /<starttls[\s/>]/;
const STREAM_ERROR_CONDITION = /<stream:error>\s*<([a-z-]+)/;
const STARTTLS_ANSWER = /<(proceed|failure)\b[^>]*>/;

export function negotiateXmpp(socket: Socket, target: Target): Promise<void> {
  return converse(socket, target, async (reader) => {
    reader.write(streamHeader(target.servername ?? target.host));
    const features = await reader.readText((text) => endOf(END_OF_FEATURES, text, target));
    const streamError = STREAM_ERROR_CONDITION.exec(features);
    if (streamError) throw starttlsFailed(target, `server ended the stream with error "${streamError[1]}"`);
    if (!STARTTLS_FEATURE.test(features)) throw starttlsFailed(target, 'the server does not offer STARTTLS');
    reader.write("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    const answer = await reader.readText((text) => endOf(STARTTLS_ANSWER, text, target));
    if (STARTTLS_ANSWER.exec(answer)?.[1] !== 'proceed') throw starttlsFailed(target, 'server answered <failure/> to STARTTLS');
  });
}

function streamHeader(domain: string): string {
  return `<?xml version='1.0'?><stream:stream to='${domain}' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`;
}

/** Where `marker` ends in the text so far; refuses at once text that cannot be XML rather than waiting for the deadline. */
function endOf(marker: RegExp, text: string, target: Target): number | null {
  const start = text.trimStart();
  if (start !== '' && !start.startsWith('<')) throw protocolError(target, `expected an XMPP stream, got ${quoteReply(start)}`);
  const match = marker.exec(text);
  return match ? match.index + match[0].length : null;
}
