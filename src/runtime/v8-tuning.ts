/**
 * Every V8 setting layerlens' processes make at run time, in one module. The analysis core (src/analyze.ts,
 * src/image/walk-layer.ts) knows none of it: it reports what it is doing through `AnalysisHooks`
 * (`onLayerEntries` while a walk counts entries, `beforeLayerReport` before the report's one big allocation), and the
 * runtime that starts a command — the CLI, the worker — installs the hooks returned here. What each setting buys is
 * measured in docs/benchmarks.md.
 *
 * - one-shot `scan` / `layers`: V8's young generation held at 1 MiB semi-spaces, allowed to grow to 8 MiB once a
 *   layer has many entries (young-generation.ts): 20–40 MB less peak RSS on layers of large files, ~0.8 s less GC on
 *   a layer of 500 000 files. `LAYERLENS_SCAN_V8_DEFAULTS=1` (Config.scanV8Defaults) keeps V8's defaults.
 * - `scan`, `layers`, `worker`, `start`: dead chunk buffers swept in the scavenge itself (sweepArrayBuffersAtOnce):
 *   ~100 → ~30 mark-compacts and ~1 s less CPU on a 1 GiB layer.
 * - every analysing process: one full GC before the layer report of an image of ≥ 100 000 entries (full-gc.ts):
 *   the walks' dead buffers and the report's path table do not add up in peak RSS (140–170 MB spread before).
 * - `serve`: scavenges on the main thread only (serialScavenges): p99 ~2 ms instead of 5–45 ms on busy cores.
 * Of these, only the growth factor and --expose-gc enter V8's flag hash (which keys its code cache); the growth
 * factor is put back at exit. A full GC (--expose-gc) happens only with a layer report, not in `scan`.
 */
import { setFlagsFromString } from 'node:v8';
import type { AnalysisHooks } from '../analyze.js';
import { collectGarbage } from './full-gc.js';
import { keepYoungGenerationSmall, noteManyEntries, restoreYoungGenerationDefaults } from './young-generation.js';

/** What a process does: a one-shot analysis (`scan`, `layers`), an analysis worker (`worker`, `start`), the API. */
export type ProcessRole = 'one-shot' | 'worker' | 'api';

export interface TuningOptions {
  /** Config.scanV8Defaults (LAYERLENS_SCAN_V8_DEFAULTS): a one-shot analysis keeps V8's young generation. */
  scanV8Defaults?: boolean;
}

/** A layer with this many entries makes enough short-lived objects to be worth a larger young generation. */
const MANY_ENTRIES = 16384;
/** An image of this many entries gets a full GC before its layer report (the report allocates ~45 bytes a path). */
const LARGE_REPORT_ENTRIES = 100_000;

/**
 * Applies the process-wide settings of `role` and returns the hooks an analysis in this process should run with.
 * Call it once, at start-up, before the analysis allocates.
 */
export function tuneProcess(role: ProcessRole, options: TuningOptions = {}): AnalysisHooks {
  if (role === 'api') {
    serialScavenges();
    return {};
  }
  sweepArrayBuffersAtOnce();
  const hooks: AnalysisHooks = {
    // Only after a walk: summaries read from the layer cache leave next to no garbage. ~10–30 ms.
    beforeLayerReport: ({ entries, walkedLayers }) => {
      if (walkedLayers > 0 && entries >= LARGE_REPORT_ENTRIES) collectGarbage();
    },
  };
  // Long-lived processes keep V8's young generation: their throughput matters more than a bounded peak.
  if (role === 'one-shot' && !options.scanV8Defaults) {
    keepYoungGenerationSmall();
    // V8 rejects a code cache made under other flags: the launcher writes one at exit (src/runtime/launch.ts), for the
    // next process, which starts with V8's defaults. Prepended, so it runs before the launcher's exit listener.
    process.prependListener('exit', restoreYoungGenerationDefaults);
    hooks.onLayerEntries = (entries) => {
      if (entries >= MANY_ENTRIES) noteManyEntries();
    };
  }
  return hooks;
}

/**
 * Layer chunks are ArrayBuffers outside V8's heap, and V8 starts a mark-compact when the external memory allocated
 * since the last one outgrows the old generation's slack (~9 MB for a scan's 8 MB heap). Dead young buffers only
 * leave that count when they are swept after a scavenge; swept on a background thread (V8's default), on cores busy
 * with inflating and walking, the count lagged by tens of MB and a 1 GiB layer ran ~100 mark-compacts that freed
 * nothing (~1 s of CPU). Sweeping them in the scavenge itself (`--no-concurrent-array-buffer-sweeping`, read at every
 * scavenge) keeps the count true: ~30 mark-compacts, same peak RSS.
 */
function sweepArrayBuffersAtOnce(): void {
  setFlagsFromString('--no-concurrent-array-buffer-sweeping');
}

/**
 * An API process scavenges on its own thread (`--no-parallel-scavenge`; read by V8 at every scavenge, so it takes
 * effect at run time). Its young generation holds little that survives (the requests in flight), so a scavenge is
 * ~0.6 ms alone; in parallel it waits for V8's helper threads, and on a machine whose cores are all busy (the load
 * generator, Redis, workers…) a descheduled helper stretched scavenges to 20–90 ms (p99 ~2 ms serial), measured
 * with perf_hooks GC entries under the bench's GET load on 2 shared cores.
 */
function serialScavenges(): void {
  setFlagsFromString('--no-parallel-scavenge');
}
