/**
 * The registry host a push event names is how the sender knows itself — often an internal name (`registry:5000` in a
 * compose network) that layerlens reaches differently. LAYERLENS_WEBHOOK_REGISTRY_HOST entries `from=to` rename
 * hosts; a bare `host` entry is used for events that name none.
 */
export function mapRegistryHost(reported: string | undefined, entries: readonly string[]): string | undefined {
  let fallback: string | undefined;
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq === -1) {
      fallback ??= entry.trim().toLowerCase();
      continue;
    }
    if (reported !== undefined && entry.slice(0, eq).trim().toLowerCase() === reported.toLowerCase()) return entry.slice(eq + 1).trim().toLowerCase();
  }
  return reported?.toLowerCase() ?? fallback;
}
