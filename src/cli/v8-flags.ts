/** V8 settings the CLI's commands choose at start (moved verbatim from cli.ts; issue 21 owns their tuning). */
import { setFlagsFromString } from 'node:v8';

/**
 * A one-shot analysis holds V8's young generation at its initial 1 MiB semi-spaces and lets it grow only for layers
 * of many files (src/util/young-generation.ts). Not for serve/worker, where throughput matters more than a bounded
 * peak. LAYERLENS_SCAN_V8_DEFAULTS=1 keeps V8's defaults.
 */
export async function preferSmallHeap(): Promise<void> {
  if (process.env.LAYERLENS_SCAN_V8_DEFAULTS === '1') return;
  (await import('../util/young-generation.js')).keepYoungGenerationSmall();
}

/**
 * Layer chunks are ArrayBuffers outside V8's heap, and V8 starts a mark-compact when the external memory allocated
 * since the last one outgrows the old generation's slack (~9 MB for a scan's 8 MB heap). Dead young buffers only
 * leave that count when they are swept after a scavenge; swept on a background thread (V8's default), on cores busy
 * with inflating and walking, the count lagged by tens of MB and a 1 GiB layer ran ~100 mark-compacts that freed
 * nothing (~1 s of CPU). Sweeping them in the scavenge itself (`--no-concurrent-array-buffer-sweeping`, read at every
 * scavenge) keeps the count true: ~30 mark-compacts, same peak RSS (docs/benchmarks.md).
 */
export function sweepArrayBuffersAtOnce(): void {
  setFlagsFromString('--no-concurrent-array-buffer-sweeping');
}

/**
 * An API process scavenges on its own thread (`--no-parallel-scavenge`; read by V8 at every scavenge, so it takes
 * effect at run time). Its young generation holds little that survives (the requests in flight), so a scavenge is
 * ~0.6 ms alone; in parallel it waits for V8's helper threads, and on a machine whose cores are all busy (the load
 * generator, Redis, workers…) a descheduled helper stretched scavenges to 20–90 ms (p99 ~2 ms serial), measured
 * with perf_hooks GC entries under the bench's GET load on 2 shared cores.
 */
export function serialScavenges(): void {
  setFlagsFromString('--no-parallel-scavenge');
}
