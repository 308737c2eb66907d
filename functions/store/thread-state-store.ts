import type { MessagePort } from 'node:worker_threads';
import { type RunLedger, type StateListing, type StateStore, VersionConflictError } from '../core/ports';
import type { WatchState } from '../core/watch-state';

// The embedded store's state store, seen from the caller's thread: each call goes as a message to the store's
// server thread, where the DynamoDB adapter (its SDK client, item encoding and HTTP requests to dynalite) runs
// next to the server. A run's own event loop then only probes, judges and decides: on a small machine that is
// where its time goes. Calls keep the StateStore contract: results, version conflicts and failures come back as
// they were raised over there.

/** One call, as sent to the thread. */
export type StoreCall =
  | { readonly method: 'get'; readonly certificateId: string }
  | { readonly method: 'list' }
  | { readonly method: 'put'; readonly state: WatchState; readonly expectedVersion: number }
  | { readonly method: 'getLedger' }
  | { readonly method: 'putLedger'; readonly ledger: RunLedger; readonly expectedVersion: number };

/** A failure, as plain data (errors lose their class on the way between threads). */
export interface StoreFailure {
  readonly name: string;
  readonly message: string;
  /** VersionConflictError's certificate. */
  readonly certificateId?: string;
}

/** What the thread answers: first whether the store is ready (its table checked or created), then each call. */
export type StoreThreadMessage =
  | { readonly ready: true }
  | { readonly failed: string }
  | { readonly id: number; readonly writes: number; readonly value: unknown }
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
}

export class ThreadStateStore implements StateStore {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private writes = 0;
  private stopped: Error | null = null;

  /** `port`: the channel to a thread that answered `ready` on it. */
  constructor(private readonly port: MessagePort) {
    port.on('message', (message: StoreThreadMessage) => this.answer(message));
    port.on('close', () => this.stop(new Error("the local store's thread stopped before answering")));
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

  async put(next: WatchState, expectedVersion: number): Promise<WatchState> {
    const { version } = (await this.call({ method: 'put', state: next, expectedVersion })) as Written;
    return { ...next, version };
  }

  getLedger(): Promise<RunLedger> {
    return this.call({ method: 'getLedger' }) as Promise<RunLedger>;
  }

  async putLedger(next: RunLedger, expectedVersion: number): Promise<RunLedger> {
    const { version } = (await this.call({ method: 'putLedger', ledger: next, expectedVersion })) as Written;
    return { ...next, version };
  }

  /** Ends the store on its thread (its SDK client) and this side's channel. Calls still pending are refused. */
  close(): void {
    if (this.stopped) return;
    this.port.postMessage({ close: true } satisfies StoreRequest);
    this.stop(new Error('the local store is closed'));
  }

  private call(call: StoreCall): Promise<unknown> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.port.postMessage({ ...call, id } satisfies StoreRequest);
    });
  }

  private answer(message: StoreThreadMessage): void {
    if (!('id' in message)) return;
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    // Answers can overtake each other: the count only grows.
    this.writes = Math.max(this.writes, message.writes);
    if ('failure' in message) pending.reject(revive(message.failure));
    else pending.resolve(message.value);
  }

  private stop(reason: Error): void {
    if (this.stopped) return;
    this.stopped = reason;
    this.port.close();
    for (const { reject } of this.pending.values()) reject(reason);
    this.pending.clear();
  }
}

/** A failure as plain data, for the way back. */
export function describeFailure(error: unknown): StoreFailure {
  if (error instanceof VersionConflictError) return { name: error.name, message: error.message, certificateId: error.certificateId };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

/** The failure as the caller would have seen it on the store's own thread: a VersionConflictError stays one. */
export function revive(failure: StoreFailure): Error {
  if (failure.name === 'VersionConflictError' && failure.certificateId !== undefined) return new VersionConflictError(failure.certificateId);
  const error = new Error(failure.message);
  error.name = failure.name;
  return error;
}
