/**
 * The tags of a repository (`GET /v2/<name>/tags/list`), following `Link: <…>; rel="next"` pagination. Only links
 * back into the same repository's tags/list are followed (a registry must not steer us elsewhere), and the walk is
 * bounded in pages and tags so a huge repository cannot turn one rescan into thousands of requests.
 */
import { LayerlensError } from '../errors.js';
import type { ImageReference } from './reference.js';

/** GET `path` (relative to `/v2/<repository>`) → body text and the Link header. */
export type FetchRepositoryDocument = (path: string, step: string) => Promise<{ text: string; link: string | null }>;

export interface ListTagsOptions {
  /** Tags asked for per page (the registry may send fewer). */
  pageSize?: number;
  maxPages?: number;
  maxTags?: number;
}

export async function listTags(fetchDoc: FetchRepositoryDocument, ref: ImageReference, options: ListTagsOptions = {}): Promise<string[]> {
  const pageSize = options.pageSize ?? 1000;
  const maxPages = options.maxPages ?? 20;
  const maxTags = options.maxTags ?? 10_000;
  const tags: string[] = [];
  let path: string | undefined = `/tags/list?n=${pageSize}`;
  for (let page = 0; path && page < maxPages && tags.length < maxTags; page++) {
    const step = `list tags of ${ref.repository}`;
    const { text, link } = await fetchDoc(path, step);
    let doc: { tags?: unknown };
    try {
      doc = JSON.parse(text) as { tags?: unknown };
    } catch {
      throw new LayerlensError('REGISTRY_ERROR', 'the tag list is not JSON', { step, retryable: false });
    }
    // A repository without tags answers `"tags": null`.
    if (doc.tags !== null && doc.tags !== undefined && !Array.isArray(doc.tags)) {
      throw new LayerlensError('REGISTRY_ERROR', 'the tag list has no tags array', { step, retryable: false });
    }
    for (const t of (doc.tags as unknown[] | null | undefined) ?? []) if (typeof t === 'string') tags.push(t);
    path = nextPath(link, ref.repository);
  }
  return tags.slice(0, maxTags);
}

/** `</v2/team/app/tags/list?last=x&n=100>; rel="next"` → `/tags/list?last=x&n=100`; undefined otherwise. */
export function nextPath(link: string | null, repository: string): string | undefined {
  if (!link) return undefined;
  const m = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(link);
  if (!m) return undefined;
  let url: URL;
  try {
    url = new URL(m[1], 'http://registry.invalid');
  } catch {
    return undefined;
  }
  // Only the path and query are used, always against the same registry: an absolute link cannot send us elsewhere.
  const prefix = `/v2/${repository}/tags/list`;
  if (url.pathname !== prefix) return undefined;
  return `/tags/list${url.search}`;
}
