import type { Target } from '../../core/target';
import type { ReplyReader } from './reply-reader';
import { protocolError, quoteReply } from './starttls-errors';

/** A three-digit reply as SMTP and FTP servers send it, possibly over several lines. */
export interface NumericReply {
  readonly code: number;
  /** Each line's text after the code and its separator. */
  readonly lines: readonly string[];
  /** The reply as sent, lines joined by a space, for messages. */
  readonly text: string;
}

export interface ReplyContext {
  readonly target: Target;
  readonly protocolName: 'SMTP' | 'FTP';
  /** When the reply came, for messages: "as the greeting", "to STARTTLS". */
  readonly step: string;
}

interface ReplyLine {
  readonly code: number;
  readonly continues: boolean;
  readonly text: string;
}

const REPLY_LINE = /^(\d{3})(?:([ -])(.*))?$/;

/**
 * Reads one reply: `250-first`, `250-more`, `250 last`. SMTP puts the code on every line; FTP (RFC 959)
 * allows free text between the first line and the last, which is the one starting with the code and a space.
 */
export async function readNumericReply(reader: ReplyReader, context: ReplyContext): Promise<NumericReply> {
  const firstLine = await reader.readLine();
  const first = parseReplyLine(firstLine);
  if (!first) throw notAReply(context, firstLine);
  const rawLines = [firstLine];
  const lines = [first.text];
  for (let last = first; last.continues; ) {
    const line = await reader.readLine();
    rawLines.push(line);
    const parsed = parseReplyLine(line);
    if (parsed && parsed.code === first.code) {
      lines.push(parsed.text);
      last = parsed;
    } else if (context.protocolName === 'FTP') {
      lines.push(line);
    } else {
      throw notAReply(context, line);
    }
  }
  return { code: first.code, lines, text: rawLines.join(' ') };
}

function parseReplyLine(line: string): ReplyLine | null {
  const match = REPLY_LINE.exec(line);
  if (!match) return null;
  return { code: Number(match[1]), continues: match[2] === '-', text: match[3] ?? '' };
}

function notAReply(context: ReplyContext, line: string) {
  return protocolError(context.target, `expected an ${context.protocolName} reply ${context.step}, got ${quoteReply(line)}`);
}
