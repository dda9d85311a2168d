/**
 * What a watch's callback says when its tag moved: the headline and the version changes of the diff between the
 * digest the tag left and the one it points to now, compact enough for a chat message, with a link to the full diff.
 */
import type { ResultSummary } from '../cache/stores.js';
import { diffImages, type VersionChange } from './diff.js';
import type { PackageFact } from './package-facts.js';

/** The tag movement a callback reports, registered with the analysis job of the new digest. */
export interface TagMove {
  watchId: string;
  tag: string;
  /** Where the callback goes (the watch's callbackUrl). */
  url: string;
  /** Platform digest the tag pointed to before. */
  from: string;
}

export interface Changes {
  from: string;
  to: string;
  summary: string;
  added: number;
  removed: number;
  upgraded: Pick<VersionChange, 'name' | 'type' | 'from' | 'to'>[];
  downgraded: Pick<VersionChange, 'name' | 'type' | 'from' | 'to'>[];
  licenses: number;
  /** The full diff (GET). */
  diff: string;
}

/** Version changes listed in a callback; the full list is behind `diff`. */
const MAX_LISTED = 50;

const brief = (c: VersionChange) => ({ name: c.name, type: c.type, from: c.from, to: c.to });

export function changesOf(
  from: { digest: string; facts?: readonly PackageFact[]; summary?: ResultSummary },
  to: { digest: string; facts?: readonly PackageFact[]; summary?: ResultSummary },
): Changes {
  const diff = `/v1/diff?from=${from.digest}&to=${to.digest}`;
  if (!from.facts || !to.facts) {
    const missing = !from.facts ? from.digest : to.digest;
    return { from: from.digest, to: to.digest, summary: `no package list for ${missing} (analysed by an older analyzer)`, added: 0, removed: 0, upgraded: [], downgraded: [], licenses: 0, diff };
  }
  const d = diffImages({ facts: from.facts, summary: from.summary }, { facts: to.facts, summary: to.summary });
  return {
    from: from.digest,
    to: to.digest,
    summary: d.summary,
    added: d.packages.added.length,
    removed: d.packages.removed.length,
    upgraded: d.packages.upgraded.slice(0, MAX_LISTED).map(brief),
    downgraded: d.packages.downgraded.slice(0, MAX_LISTED).map(brief),
    licenses: d.licenses.length,
    diff,
  };
}
