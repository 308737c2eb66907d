// Many short-lived listeners on one AbortSignal: a run's probes and store calls each listen to the run's signals while
// in flight, and stop listening when they settle. EventTarget walks a signal's whole list at every add and remove (it
// dedupes listeners), and a composite signal (AbortSignal.any) does more besides: with 50-100 in flight, 3,000
// listeners added and removed cost 15-40 ms of CPU on the thread that probes. Here a signal has one listener of its own
// while anything listens through it, and the callbacks are a Set: O(1) to add and remove.

interface Listening {
  readonly callbacks: Set<() => void>;
  /** The signal's own listener: calls every callback. */
  readonly dispatch: () => void;
}

const listening = new WeakMap<AbortSignal, Listening>();

/**
 * Calls `callback` once, when `signal` aborts, as `signal.addEventListener('abort', callback, { once: true })` would
 * (not at all if the signal has aborted already: check `aborted` first; a callback added twice is called once; one
 * that throws does not keep the others from being called, and its error is thrown as an uncaught exception);
 * returns how to stop listening (harmless after the call). Callbacks run in the order they were added.
 */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let entry = listening.get(signal);
  if (entry === undefined) {
    const callbacks = new Set<() => void>();
    const dispatch = () => {
      listening.delete(signal);
      // As EventTarget dispatches: a callback removed by an earlier one is not called, one added meanwhile is not, and
      // one that throws does not keep the others from theirs (its error is thrown on its own, as EventTarget does).
      for (const each of [...callbacks]) {
        if (!callbacks.has(each)) continue;
        try {
          each();
        } catch (error) {
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    };
    entry = { callbacks, dispatch };
    listening.set(signal, entry);
    signal.addEventListener('abort', dispatch, { once: true });
  }
  const { callbacks, dispatch } = entry;
  callbacks.add(callback);
  return () => {
    if (!callbacks.delete(callback) || callbacks.size > 0 || listening.get(signal)?.callbacks !== callbacks) return;
    // The signal's own listener goes with the last callback: a composite or timeout signal with a listener is kept
    // alive until it aborts.
    listening.delete(signal);
    signal.removeEventListener('abort', dispatch);
  };
}
