/**
 * Quay "repository push" notifications: `{repository: "ns/app", docker_url: "quay.io/ns/app", updated_tags: [...]}`.
 * Current Quay sends `updated_tags` as a list of names; early quay.io sent an object `{tag: image id}` — both are
 * read, the ids ignored (they are not manifest digests). One event per updated tag; the digest is resolved by us.
 */
import { asRecord, asString, cleanEvent, hostOfResourceUrl, type ParsedWebhook } from './push-event.js';

export function isQuayPayload(body: unknown): boolean {
  const b = asRecord(body);
  return asString(b?.docker_url) !== undefined && b?.updated_tags !== undefined;
}

export function parseQuay(body: unknown): ParsedWebhook {
  const out: ParsedWebhook = { sender: 'quay', events: [], ignored: [] };
  const b = asRecord(body);
  const dockerUrl = asString(b?.docker_url);
  const repository = asString(b?.repository) ?? dockerUrl?.split('/').slice(1).join('/') ?? '';
  const updated = b?.updated_tags;
  const tags = Array.isArray(updated) ? updated.filter((t): t is string => typeof t === 'string') : Object.keys(asRecord(updated) ?? {});
  if (tags.length === 0) out.ignored.push(`${repository}: no updated tags`);
  for (const tag of tags) {
    const clean = cleanEvent({ registry: hostOfResourceUrl(dockerUrl) ?? 'quay.io', repository, tag });
    if (typeof clean === 'string') out.ignored.push(clean);
    else out.events.push(clean);
  }
  return out;
}
