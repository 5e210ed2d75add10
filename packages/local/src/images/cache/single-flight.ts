/** Work shared by everyone who asked for the same key while it runs. */
interface Flight<T, E> {
  readonly promise: Promise<T>;
  readonly controller: AbortController;
  readonly listeners: Set<(event: E) => void>;
  waiters: number;
}

const flights = new Map<string, Flight<unknown, unknown>>();

/**
 * Runs `work` once per `key` at a time in this process: a second caller with the same key while
 * the first is running waits for the same result (one download, one extraction), and receives
 * the same progress events from then on. Each caller's `signal` only stops that caller's wait;
 * the shared work is aborted when every caller waiting for it has aborted.
 */
export function singleFlight<T, E = never>(
  key: string,
  work: (signal: AbortSignal, emit: (event: E) => void) => Promise<T>,
  options: { signal?: AbortSignal | undefined; onEvent?: ((event: E) => void) | undefined } = {},
): Promise<T> {
  options.signal?.throwIfAborted();
  let flight = flights.get(key) as Flight<T, E> | undefined;
  if (!flight) {
    const controller = new AbortController();
    const listeners = new Set<(event: E) => void>();
    const emit = (event: E) => {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch {
          // A caller's progress callback must not break the pull for the others.
        }
      }
    };
    const promise = work(controller.signal, emit).finally(() => {
      if (flights.get(key) === created) flights.delete(key);
    });
    const created: Flight<T, E> = { promise, controller, listeners, waiters: 0 };
    flight = created;
    flights.set(key, created as Flight<unknown, unknown>);
    // Nobody may be left waiting to observe a rejection; keep it from being reported as unhandled.
    promise.catch(() => {});
  }
  return wait(flight, options);
}

function wait<T, E>(
  flight: Flight<T, E>,
  options: { signal?: AbortSignal | undefined; onEvent?: ((event: E) => void) | undefined },
): Promise<T> {
  flight.waiters++;
  if (options.onEvent) flight.listeners.add(options.onEvent);
  const leave = () => {
    flight.waiters--;
    if (options.onEvent) flight.listeners.delete(options.onEvent);
  };
  const signal = options.signal;
  if (!signal) return flight.promise.finally(leave);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      leave();
      if (flight.waiters === 0) flight.controller.abort(signal.reason);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    flight.promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        if (!signal.aborted) {
          leave();
          resolve(value);
        }
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        if (!signal.aborted) {
          leave();
          reject(error);
        }
      },
    );
  });
}
