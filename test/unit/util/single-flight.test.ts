import { describe, expect, it } from 'vitest';
import { SingleFlight } from '../../../src/util/single-flight.js';

/** Work that finishes when told to, and records the signal it was given. */
function gate<T>() {
  let open!: (v: T) => void;
  let fail!: (e: Error) => void;
  const seen: AbortSignal[] = [];
  let calls = 0;
  const fn = (signal: AbortSignal) => {
    calls++;
    seen.push(signal);
    return new Promise<T>((resolve, reject) => {
      open = resolve;
      fail = reject;
      signal.addEventListener('abort', () => reject(new Error('work aborted')), { once: true });
    });
  };
  return { fn, seen, open: (v: T) => open(v), fail: (e: Error) => fail(e), calls: () => calls };
}

const cancelled = () => new Error('caller cancelled');

describe('SingleFlight', () => {
  it('runs the work once for concurrent callers of a key, and afresh after it settles', async () => {
    const flights = new SingleFlight<number>();
    const g = gate<number>();
    const a = flights.run('k', g.fn);
    const b = flights.run('k', g.fn, new AbortController().signal);
    expect(g.calls()).toBe(1);
    g.open(7);
    await expect(Promise.all([a, b])).resolves.toEqual([7, 7]);
    expect(flights.size).toBe(0);
    const c = flights.run('k', g.fn);
    expect(g.calls()).toBe(2);
    g.open(8);
    await expect(c).resolves.toBe(8);
  });

  it('fails only the caller that hangs up; the work goes on for the others', async () => {
    const flights = new SingleFlight<string>(cancelled);
    const g = gate<string>();
    const first = new AbortController();
    const a = flights.run('k', g.fn, first.signal);
    const b = flights.run('k', g.fn, new AbortController().signal);
    first.abort();
    await expect(a).rejects.toThrow('caller cancelled');
    expect(g.seen[0].aborted).toBe(false);
    g.open('done');
    await expect(b).resolves.toBe('done');
  });

  it('aborts the work when every caller has hung up, and the next caller starts a new flight', async () => {
    const flights = new SingleFlight<string>(cancelled);
    const g = gate<string>();
    const x = new AbortController();
    const y = new AbortController();
    const a = flights.run('k', g.fn, x.signal);
    const b = flights.run('k', g.fn, y.signal);
    x.abort();
    expect(g.seen[0].aborted).toBe(false);
    y.abort();
    expect(g.seen[0].aborted).toBe(true);
    await expect(a).rejects.toThrow('caller cancelled');
    await expect(b).rejects.toThrow('caller cancelled');
    expect(flights.size).toBe(0);
    const c = flights.run('k', g.fn, new AbortController().signal);
    expect(g.calls()).toBe(2);
    g.open('again');
    await expect(c).resolves.toBe('again');
  });

  it('keeps the work going while a caller without a signal waits', async () => {
    const flights = new SingleFlight<string>(cancelled);
    const g = gate<string>();
    const x = new AbortController();
    const a = flights.run('k', g.fn);
    const b = flights.run('k', g.fn, x.signal);
    x.abort();
    await expect(b).rejects.toThrow('caller cancelled');
    expect(g.seen[0].aborted).toBe(false);
    g.open('kept');
    await expect(a).resolves.toBe('kept');
  });

  it('refuses a caller whose signal is already aborted without starting work, and passes failures to all', async () => {
    const flights = new SingleFlight<string>(cancelled);
    const g = gate<string>();
    const done = new AbortController();
    done.abort();
    await expect(flights.run('k', g.fn, done.signal)).rejects.toThrow('caller cancelled');
    expect(g.calls()).toBe(0);
    const a = flights.run('k', g.fn, new AbortController().signal);
    const b = flights.run('k', g.fn);
    g.fail(new Error('registry down'));
    await expect(a).rejects.toThrow('registry down');
    await expect(b).rejects.toThrow('registry down');
  });
});
