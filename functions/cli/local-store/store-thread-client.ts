import type { MessagePort } from 'node:worker_threads';
import {
  type ExpectedRevision,
  NoAnswerError,
  type RunLedger,
  type StateListing,
  type StateStore,
  type StoredStates,
  type UnreadableItem,
  type UnreadableRevision,
  UnreadableStateError,
  VersionConflictError,
} from '../../core/ports';
import { type DocumentPage, ListedStates } from '../../core/stored-states';
import type { WatchState } from '../../core/watch-state';

// The embedded store's state store, seen from the caller's thread: each call goes as a message to the store's
// server thread, where the DynamoDB adapter (its SDK client, item encoding and HTTP requests to dynalite) runs
// next to the server. A run's own event loop then only probes, judges and decides: on a small machine that is
// where its time goes. Calls keep the StateStore contract: results, version conflicts and failures come back as
// they were raised over there.

/** How long a close waits for the calls in flight (and the thread's own close) before it gives up on them. */
export const CLOSE_WAIT_MS = 5_000;

/** One call, as sent to the thread. */
export type StoreCall =
  | { readonly method: 'get'; readonly certificateId: string }
  | { readonly method: 'list' }
  | { readonly method: 'listStored' }
  | { readonly method: 'put'; readonly state: WatchState; readonly expected: ExpectedRevision }
  | { readonly method: 'delete'; readonly certificateId: string; readonly expected: ExpectedRevision }
  | { readonly method: 'getLedger' }
  | { readonly method: 'putLedger'; readonly ledger: RunLedger; readonly expectedVersion: number };

/** A failure, as plain data (errors lose their class on the way between threads). */
export interface StoreFailure {
  readonly name: string;
  readonly message: string;
  /** VersionConflictError's and UnreadableStateError's certificate. */
  readonly certificateId?: string;
  /** NoAnswerError's dependency. */
  readonly dependency?: string;
  /** UnreadableStateError's revision. */
  readonly revision?: UnreadableRevision;
}

/** What the thread answers: first whether the store is ready (its table checked or created), then each call. */
export type StoreThreadMessage =
  | { readonly ready: true }
  | { readonly failed: string; readonly tableShape?: boolean }
  | { readonly id: number; readonly writes: number; readonly value: unknown }
  /** One Scan page of a `listStored` call, before its answer (the items it skipped). */
  | { readonly id: number; readonly page: DocumentPage }
  | { readonly id: number; readonly writes: number; readonly failure: StoreFailure };

/** What the caller sends: a call, or the end of the store. */
export type StoreRequest = (StoreCall & { readonly id: number }) | { readonly close: true };

/** What a put returns: the state or ledger with its new version (only the version crosses back). */
interface Written {
  readonly version: number;
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  /** A listing's pages as they come. */
  readonly onPage?: (page: DocumentPage) => void;
}

export class ThreadStateStore implements StateStore {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private writes = 0;
  /** Why calls are refused: closed, or the thread is gone. */
  private stopped: Error | null = null;
  private closing: Promise<void> | null = null;
  /** close()'s wait for the calls in flight. */
  private drained: (() => void) | null = null;
  private channelClosed = false;

  /**
   * `port`: the channel to a thread that answered `ready` on it. `stopped`: the error for the calls waiting when the
   * thread stops (what is known of why it did).
   */
  constructor(
    private readonly port: MessagePort,
    stopped: () => Error = () => new Error("the local store's thread stopped before answering"),
  ) {
    port.on('message', (message: StoreThreadMessage) => this.answer(message));
    port.on('close', () => this.stop(stopped()));
  }

  get writeCount(): number {
    return this.writes;
  }

  get(certificateId: string): Promise<WatchState | undefined> {
    return this.call({ method: 'get', certificateId }) as Promise<WatchState | undefined>;
  }

  list(): Promise<StateListing> {
    return this.call({ method: 'list' }) as Promise<StateListing>;
  }

  /**
   * The listing crosses a Scan page at a time, its documents compact in one buffer moved (not copied) from the store's
   * thread, and kept so on this side (ListedStates): neither thread ever holds the whole listing as objects.
   */
  async listStored(): Promise<StoredStates> {
    const listed = new ListedStates();
    const unreadable = (await this.call({ method: 'listStored' }, (page) => listed.addPage(page))) as UnreadableItem[];
    return listed.listedAll(unreadable);
  }

  async put(next: WatchState, expected: ExpectedRevision): Promise<WatchState> {
    const { version } = (await this.call({ method: 'put', state: next, expected })) as Written;
    return { ...next, version };
  }

  async delete(certificateId: string, expected: ExpectedRevision): Promise<void> {
    await this.call({ method: 'delete', certificateId, expected });
  }

  getLedger(): Promise<RunLedger> {
    return this.call({ method: 'getLedger' }) as Promise<RunLedger>;
  }

  async putLedger(next: RunLedger, expectedVersion: number): Promise<RunLedger> {
    const { version } = (await this.call({ method: 'putLedger', ledger: next, expectedVersion })) as Written;
    return { ...next, version };
  }

  /**
   * Refuses new calls, lets the calls in flight finish (a write the thread has taken is answered, not left
   * unknown), then ends the store on its thread (its SDK client) and this side's channel. A thread that does not
   * answer within CLOSE_WAIT_MS does not hold the close: its calls are refused then. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((drained) => {
      this.stopped ??= new Error('the local store is closed');
      this.drained = drained;
      this.settleDrain();
      if (this.pending.size > 0) setTimeout(() => this.stop(new Error(`the local store's thread did not answer within ${CLOSE_WAIT_MS / 1000} s of closing`)), CLOSE_WAIT_MS).unref();
    }).then(() => {
      if (!this.channelClosed) this.port.postMessage({ close: true } satisfies StoreRequest);
      this.stop(this.stopped as Error);
    });
    return this.closing;
  }

  private call(call: StoreCall, onPage?: Pending['onPage']): Promise<unknown> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    const answered = new Promise<unknown>((resolve, reject) => this.pending.set(id, { resolve, reject, onPage }));
    try {
      this.port.postMessage({ ...call, id } satisfies StoreRequest);
    } catch (error) {
      // Not sent (a value that cannot cross to another thread): nothing to wait for.
      this.pending.get(id)?.reject(error as Error);
      this.pending.delete(id);
    }
    return answered;
  }

  /** Once closing and nothing is in flight, close() may end the channel. */
  private settleDrain(): void {
    if (this.drained && this.pending.size === 0) {
      const drained = this.drained;
      this.drained = null;
      drained();
    }
  }

  private answer(message: StoreThreadMessage): void {
    if (!('id' in message)) return;
    const pending = this.pending.get(message.id);
    if (!pending) return;
    if ('page' in message) {
      pending.onPage?.(message.page);
      return;
    }
    this.pending.delete(message.id);
    // Answers can overtake each other: the count only grows.
    this.writes = Math.max(this.writes, message.writes);
    if ('failure' in message) pending.reject(revive(message.failure));
    else pending.resolve(message.value);
    this.settleDrain();
  }

  /** The channel is done: every call still waiting is refused with `reason`. */
  private stop(reason: Error): void {
    this.stopped ??= reason;
    if (!this.channelClosed) {
      this.channelClosed = true;
      this.port.close();
    }
    for (const { reject } of this.pending.values()) reject(reason);
    this.pending.clear();
    this.settleDrain();
  }
}

/** A failure as plain data, for the way back. */
export function describeFailure(error: unknown): StoreFailure {
  if (error instanceof VersionConflictError) return { name: error.name, message: error.message, certificateId: error.certificateId };
  if (error instanceof UnreadableStateError) return { name: error.name, message: error.message, certificateId: error.certificateId, revision: error.revision };
  if (error instanceof NoAnswerError) return { name: error.name, message: error.message, dependency: error.dependency };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

/** The failure as the caller would have seen it on the store's own thread: the port's own errors keep their class. */
export function revive(failure: StoreFailure): Error {
  if (failure.name === 'VersionConflictError' && failure.certificateId !== undefined) return new VersionConflictError(failure.certificateId);
  if (failure.name === 'UnreadableStateError' && failure.certificateId !== undefined && failure.revision !== undefined) {
    return new UnreadableStateError(failure.certificateId, failure.message, failure.revision);
  }
  if (failure.name === 'NoAnswerError' && failure.dependency !== undefined) return new NoAnswerError(failure.dependency, failure.message);
  const error = new Error(failure.message);
  error.name = failure.name;
  return error;
}
