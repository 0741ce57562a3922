/**
 * The runs watching each abort signal, behind **one** listener per signal. A signal shared by
 * many runs — a spoke's, given to every command it runs; a caller's, given to a batch — would
 * otherwise carry one `abort` listener per live run: Node warns past 10 (a "possible memory
 * leak"), and each run's removal walks the signal's list (quadratic for thousands of runs).
 */
const watchers = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `callback` once when `signal` aborts, unless {@link unwatchAbort} comes first. Callbacks run in the order they were added. */
export function watchAbort(signal: AbortSignal, callback: () => void): void {
  let callbacks = watchers.get(signal);
  if (callbacks === undefined) {
    const set = new Set<() => void>();
    callbacks = set;
    watchers.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        watchers.delete(signal);
        // Those added during the dispatch are not called (as with listeners); those removed are not.
        for (const callback of [...set]) {
          if (!set.has(callback)) continue;
          set.delete(callback);
          try {
            callback();
          } catch (error) {
            // One callback's failure stops none of the others; it is reported as a listener's would be.
            queueMicrotask(() => {
              throw error;
            });
          }
        }
      },
      { once: true },
    );
  }
  callbacks.add(callback);
}

/** Stops `callback` from being called when `signal` aborts. */
export function unwatchAbort(signal: AbortSignal, callback: () => void): void {
  watchers.get(signal)?.delete(callback);
}
