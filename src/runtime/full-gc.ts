/**
 * A full garbage collection on request. Used once per large analysis, before a big allocation, so that garbage
 * V8 has not collected yet and the new allocation do not add up in peak RSS. `--expose-gc` can be turned on at run
 * time; where that fails, this does nothing.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let fullGc: (() => void) | null | undefined;

export function collectGarbage(): void {
  if (fullGc === undefined) {
    fullGc = null;
    try {
      const exposed = (globalThis as { gc?: () => void }).gc;
      if (exposed) fullGc = exposed;
      else {
        setFlagsFromString('--expose-gc');
        fullGc = runInNewContext('gc') as () => void;
      }
    } catch {
      // not available: carry on without it
    }
  }
  fullGc?.();
}
