import { setMaxListeners } from 'node:events';
import { onAbort } from '../core/abort-listeners';
import { NoAnswerError, type Notifier, type StateStore } from '../core/ports';

// What bounds one run in time: a deadline after which it starts no more work, an early stop (a signal), a wrap-up
// after either in which it only releases claims and records what it completed, and per dependency a circuit that
// opens once the dependency answers nothing within its own time limit, so that a dead store or topic costs one time
// limit, not one per certificate. The run takes these as plain data: a CLI's clock and signals, or a Lambda's
// remaining invocation time.

/** How long a run is given by default before it stops starting work. */
export const DEFAULT_RUN_DEADLINE_MS = 5 * 60_000;

/**
 * After the deadline (or a stop), what a run has to release its claims and record what it delivered; calls still
 * unanswered then are abandoned. A caller with a hard end of its own (a Lambda's timeout) sets the deadline at least
 * this much before it.
 */
export const WRAP_UP_MS = 10_000;

/** A claim outlives its run's wrap-up by this much, for clocks that differ a little between hosts. */
export const LEASE_MARGIN_MS = 60_000;

/** A call abandoned because the run's time was up (the wrap-up ended before the dependency answered). */
export class RunTimeUpError extends NoAnswerError {
  constructor(dependency: string) {
    super(dependency, `${dependency} had not answered when the run's time was up`);
    this.name = 'RunTimeUpError';
  }
}

/** The deadline, the stop and the wrap-up of one run. Dispose of it when the run ends (its timers). */
export class RunControl {
  private readonly stopping = new AbortController();
  private readonly ending = new AbortController();
  private readonly timers: NodeJS.Timeout[] = [];
  private why: string | null = null;

  /**
   * `deadline`: wall-clock time to stop starting work. `stop`: stops it earlier (its reason, a string or an Error,
   * says why). `wrapUpMs`: the wrap-up after either.
   */
  constructor(
    readonly deadline: Date,
    stop?: AbortSignal,
    private readonly wrapUpMs: number = WRAP_UP_MS,
  ) {
    // Every probe and store call in flight listens to these (through onAbort: one listener a signal); what else listens
    // (a composite signal made from them, a caller's own code) is no leak either, and Node's warning past 10 listeners
    // would only fill the logs.
    setMaxListeners(0, this.stopping.signal, this.ending.signal);
    const untilDeadline = Math.max(0, deadline.getTime() - Date.now());
    this.timers.push(setTimeout(() => this.stop(`its deadline (${deadline.toISOString()}) passed`), untilDeadline).unref());
    if (stop?.aborted) this.stop(reasonText(stop.reason));
    else stop?.addEventListener('abort', () => this.stop(reasonText(stop.reason)), { once: true });
  }

  /** Aborted once the run must start no more work (deadline, stop, a store that does not answer). */
  get stopSignal(): AbortSignal {
    return this.stopping.signal;
  }

  /** Aborted once the wrap-up is over too: calls still waiting are abandoned. */
  get endSignal(): AbortSignal {
    return this.ending.signal;
  }

  /** Why the run stopped early; null while it has not. */
  get stoppedBecause(): string | null {
    return this.why;
  }

  /** Wall-clock time after which nothing of this run is still going: the deadline (or an earlier stop) plus the wrap-up. */
  get endsAt(): number {
    return this.deadline.getTime() + this.wrapUpMs;
  }

  /** Stops starting work now (first reason wins), and ends the wrap-up its length later. */
  stop(reason: string): void {
    if (this.why !== null) return;
    this.why = reason;
    this.stopping.abort(new Error(reason));
    this.timers.push(setTimeout(() => this.ending.abort(new Error(reason)), this.wrapUpMs).unref());
  }

  dispose(): void {
    for (const timer of this.timers) clearTimeout(timer);
  }
}

/** One dependency's circuit: closed until a call to it gets no answer in time; from then on no call is made. */
export class Circuit {
  private opened: NoAnswerError | null = null;
  private readonly onOpen: ((error: NoAnswerError) => void)[] = [];

  /** The dependency's first unanswered call, once there was one. */
  get openedBy(): NoAnswerError | null {
    return this.opened;
  }

  whenOpen(listener: (error: NoAnswerError) => void): void {
    this.onOpen.push(listener);
  }

  /**
   * Calls `work` unless the circuit is open (then fails at once with the first NoAnswerError); a NoAnswerError from
   * it opens the circuit. Once `end` aborts, a call still waiting is abandoned with a RunTimeUpError (which opens it too).
   */
  async call<T>(dependency: string, end: AbortSignal, work: () => Promise<T>): Promise<T> {
    if (this.opened) throw this.opened;
    try {
      return await untilAborted(dependency, end, work());
    } catch (error) {
      if (error instanceof NoAnswerError && !this.opened) {
        this.opened = error;
        for (const listener of this.onOpen) listener(error);
      }
      throw error;
    }
  }
}

/** `store` called through `circuit`, each call abandoned once `end` aborts. */
export function guardedStore(store: StateStore, circuit: Circuit, end: AbortSignal): StateStore {
  const call = <T>(work: () => Promise<T>) => circuit.call('the state store', end, work);
  const listStored = store.listStored?.bind(store);
  return {
    get: (id) => call(() => store.get(id)),
    list: () => call(() => store.list()),
    ...(listStored ? { listStored: () => call(listStored) } : {}),
    put: (state, expected) => call(() => store.put(state, expected)),
    delete: (id, expected) => call(() => store.delete(id, expected)),
    getLedger: () => call(() => store.getLedger()),
    putLedger: (ledger, expected) => call(() => store.putLedger(ledger, expected)),
    get writeCount() {
      return store.writeCount;
    },
  };
}

/** `notifier` called through `circuit`, each publish abandoned once `end` aborts. */
export function guardedNotifier(notifier: Notifier, circuit: Circuit, end: AbortSignal): Notifier {
  return { publish: (notification) => circuit.call('the notifier', end, () => notifier.publish(notification)) };
}

function untilAborted<T>(dependency: string, signal: AbortSignal, work: Promise<T>): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(new RunTimeUpError(dependency));
  }
  return new Promise<T>((resolve, reject) => {
    const stopListening = onAbort(signal, () => reject(new RunTimeUpError(dependency)));
    work.then(
      (value) => {
        stopListening();
        resolve(value);
      },
      (error: unknown) => {
        stopListening();
        reject(error as Error);
      },
    );
  });
}

function reasonText(reason: unknown): string {
  if (typeof reason === 'string') return reason;
  return reason instanceof Error ? reason.message : 'it was stopped';
}
