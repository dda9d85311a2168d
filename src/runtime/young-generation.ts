/**
 * The size of V8's young generation in a one-shot command (`scan`, `layers`), chosen while it runs.
 *
 * Streaming a layer allocates a short-lived Buffer per chunk, and V8 would grow each semi-space to 16 MiB: 20–40 MB
 * of peak RSS that a layer of a few large files gains nothing from. So a scan starts with the semi-spaces held at
 * their initial 1 MiB (`--semi-space-growth-factor=1`; `--max-semi-space-size` has no effect once V8 runs).
 *
 * A layer of many small files is different: tar-stream leaves a few KB of objects behind per entry (its header
 * object, strings, an entry stream), so 500 000 entries at 1 MiB meant ~2 100 scavenges and ~60 mark-compacts
 * (~0.8 s of the main thread's GC). Once a walk has seen many entries, v8-tuning.ts's hook calls `noteManyEntries`, and the semi-spaces
 * may double up to WIDE_SEMI_SPACE (8 MiB: ~300–500 scavenges, ~0.25 s of GC, ~15 MB more peak RSS), after which growth is
 * stopped again. Measured in docs/benchmarks.md. Processes that never call `keepYoungGenerationSmall` (the API, the
 * worker) keep V8's defaults, and these calls do nothing there.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

const WIDE_SEMI_SPACE = 8 * 1024 * 1024;

/** v8-default: not managed here; small: held at 1 MiB; growing: doubling allowed; wide: held at its new size. */
let state: 'v8-default' | 'small' | 'growing' | 'wide' = 'v8-default';

export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
  state = 'small';
}

/** V8's own growth factor again (for what records V8's flags at exit: the launcher's code cache, src/runtime/launch.ts). */
export function restoreYoungGenerationDefaults(): void {
  if (state === 'v8-default') return;
  setFlagsFromString('--semi-space-growth-factor=2');
  state = 'v8-default';
}

/**
 * A walk has seen many entries: let the young generation grow to WIDE_SEMI_SPACE. Called again every few thousand
 * entries, it stops the growth once that size is reached (one growth step needs more bytes to survive scavenges
 * than the new space holds, far more than a few thousand entries leave).
 */
export function noteManyEntries(): void {
  if (state === 'small') {
    setFlagsFromString('--semi-space-growth-factor=2');
    state = 'growing';
  } else if (state === 'growing' && newSpaceBytes() >= 2 * WIDE_SEMI_SPACE) {
    setFlagsFromString('--semi-space-growth-factor=1');
    state = 'wide';
  }
}

/** Both semi-spaces, as V8 reports the new space's size. */
function newSpaceBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}
