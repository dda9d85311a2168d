/**
 * Single-flight: concurrent callers asking for the same key share one in-flight promise; the entry is dropped when
 * it settles, so a later call starts afresh (results are cached elsewhere, failures are not cached at all).
 */
export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  run(key: string, fn: () => Promise<T>): Promise<T> {
    const existing = this.inFlight.get(key);
    if (existing) return existing;
    const p = fn().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, p);
    return p;
  }

  get size(): number {
    return this.inFlight.size;
  }
}
