import type { Socket } from 'node:net';
import type { Target } from '../../core/target';
import { ProbeError } from '../../core/ports';
import { toProbeError } from '../probe-error';
import { protocolError } from './starttls-errors';

/** All a server may send before TLS starts. Real openings are a few kilobytes; more means a hostile or confused peer. */
export const MAX_PLAINTEXT_BYTES = 64 * 1024;

/** Where the next complete reply ends in what has been buffered so far, or null to wait for more. */
type ReplyEnd = (buffered: Buffer) => number | null;

/**
 * Buffers what a server sends on a plain socket and hands it out as lines, bytes or text up to a marker.
 * Reads settle when the socket ends, errors or is destroyed (by the probe's deadline), so none can hang.
 */
export class ReplyReader {
  private buffered: Buffer = Buffer.alloc(0);
  private receivedBytes = 0;
  private failure: ProbeError | null = null;
  private wakeReader: (() => void) | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly target: Target,
  ) {
    socket.on('data', this.onData);
    socket.on('end', this.onClosed);
    socket.on('close', this.onClosed);
    socket.on('error', this.onError);
    if (socket.destroyed || socket.readableEnded) this.onClosed();
  }

  write(data: string | Uint8Array): void {
    this.socket.write(data);
  }

  /** The next line, without its line ending (CRLF or LF). */
  async readLine(): Promise<string> {
    const line = await this.readUntil((buffered) => {
      const newline = buffered.indexOf(0x0a);
      return newline < 0 ? null : newline + 1;
    });
    return line.toString('latin1').replace(/\r?\n$/, '');
  }

  /** Exactly `count` bytes, leaving anything after them unread. */
  readBytes(count: number): Promise<Buffer> {
    return this.readUntil((buffered) => (buffered.length >= count ? count : null));
  }

  /** Text up to the end `findEnd` reports (an index into the text, or null to wait); it may throw on text it rejects. */
  async readText(findEnd: (text: string) => number | null): Promise<string> {
    const text = await this.readUntil((buffered) => findEnd(buffered.toString('latin1')));
    return text.toString('latin1');
  }

  /** Stops listening so TLS can take the socket over; anything unread would be taken as TLS, so it is refused. */
  handOver(): void {
    this.detach();
    if (this.buffered.length > 0) {
      throw protocolError(this.target, `the server sent ${this.buffered.length} unexpected bytes before the TLS handshake`);
    }
  }

  /** Stops listening after a failed negotiation. */
  abandon(): void {
    this.detach();
    // The caller destroys the socket; until then a late reset must not become an unhandled 'error' event.
    this.socket.on('error', () => undefined);
  }

  private async readUntil(findEnd: ReplyEnd): Promise<Buffer> {
    for (;;) {
      const end = findEnd(this.buffered);
      if (end !== null) {
        const reply = this.buffered.subarray(0, end);
        this.buffered = this.buffered.subarray(end);
        return reply;
      }
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => (this.wakeReader = resolve));
    }
  }

  private detach(): void {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onClosed);
    this.socket.off('close', this.onClosed);
    this.socket.off('error', this.onError);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.receivedBytes += chunk.length;
    if (this.receivedBytes > MAX_PLAINTEXT_BYTES) {
      this.fail(protocolError(this.target, `the server sent more than ${MAX_PLAINTEXT_BYTES} bytes without completing the STARTTLS exchange`));
      return;
    }
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    this.wake();
  };

  private readonly onClosed = (): void => {
    this.fail(new ProbeError('CONNECTION_RESET', `${this.target.target}: the server closed the connection during the STARTTLS exchange`));
  };

  private readonly onError = (error: Error): void => {
    this.fail(toProbeError(error, this.target.target));
  };

  private fail(error: ProbeError): void {
    this.failure ??= error;
    this.wake();
  }

  private wake(): void {
    const wakeReader = this.wakeReader;
    this.wakeReader = null;
    wakeReader?.();
  }
}

/**
 * Runs one plaintext conversation on `socket` and leaves it ready for TLS: none of our listeners left,
 * nothing unread, the socket not paused.
 */
export async function converse(socket: Socket, target: Target, conversation: (reader: ReplyReader) => Promise<void>): Promise<void> {
  const reader = new ReplyReader(socket, target);
  try {
    await conversation(reader);
    reader.handOver();
  } catch (error) {
    reader.abandon();
    throw error;
  }
}
