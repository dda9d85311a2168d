/** Path conventions inside layers: relative, no leading `./` or `/`, no trailing slash. */
import { posix } from 'node:path';

export function normalizeEntryPath(name: string): string {
  let p = posix.normalize(`/${name}`).slice(1);
  if (p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
