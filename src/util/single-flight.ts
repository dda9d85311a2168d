/**
 * Single-flight: concurrent callers asking for the same key share one in-flight promise; the entry is dropped when
 * it settles, so a later call starts afresh (results are cached elsewhere, failures are not cached at all).
 *
 * Cancellation is per caller. The shared work gets a signal of its own that aborts only once every caller that
 * joined it with a signal has aborted (a caller without one keeps it going); a caller whose own signal aborts gets
 * `cancelled()` at once while the others keep waiting. So one client hanging up never fails the requests that were
 * sharing its registry round trip.
 */
interface Flight<T> {
  promise: Promise<T>;
  controller: AbortController;
  /** Callers still waiting that can abort; Infinity once a caller without a signal joined. */
  abortable: number;
}

export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Flight<T>>();

  constructor(private readonly cancelled: () => Error = () => new Error('cancelled')) {}

  run(key: string, fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(this.cancelled());
    let flight = this.inFlight.get(key);
    if (!flight) {
      const controller = new AbortController();
      const started: Flight<T> = { controller, abortable: 0, promise: undefined as unknown as Promise<T> };
      started.promise = fn(controller.signal).finally(() => {
        if (this.inFlight.get(key) === started) this.inFlight.delete(key);
      });
      this.inFlight.set(key, started);
      flight = started;
    }
    if (!signal) {
      flight.abortable = Infinity;
      return flight.promise;
    }
    flight.abortable++;
    const joined = flight;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        if (--joined.abortable === 0) {
          // Nobody is left to answer: stop the work, and let the next caller start a flight of its own.
          if (this.inFlight.get(key) === joined) this.inFlight.delete(key);
          joined.controller.abort(signal.reason);
        }
        reject(this.cancelled());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      joined.promise.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  get size(): number {
    return this.inFlight.size;
  }
}
