/**
 * The CNCF distribution registry's notification envelope (`{"events": [...]}`, media type
 * application/vnd.docker.distribution.events.v1+json or v2+json). Only `push` of a manifest or an index counts.
 *
 * Index pushes: the registry sends each child manifest first as an untagged push, then the index with its tag. We
 * analyse what a user asked the registry to hold — the tagged push: an index resolves to the default platform
 * (linux/amd64) like POST /v1/analyses without `platform`. Untagged manifest pushes (index children, pushes by
 * digest) are ignored: analysing every child would cost one job per platform for each multi-arch push.
 */
import { isImageManifestMediaType, isIndexMediaType } from '../../registry/media-types.js';
import { asRecord, asString, cleanEvent, type ParsedWebhook, type PushEvent } from './push-event.js';

export function isDistributionEnvelope(body: unknown): boolean {
  return Array.isArray(asRecord(body)?.events);
}

export function parseDistribution(body: unknown): ParsedWebhook {
  const out: ParsedWebhook = { sender: 'distribution', events: [], ignored: [] };
  for (const raw of (asRecord(body)?.events as unknown[]) ?? []) {
    const event = asRecord(raw);
    const target = asRecord(event?.target);
    const action = asString(event?.action);
    const mediaType = asString(target?.mediaType);
    if (action !== 'push') {
      out.ignored.push(`${action ?? 'unknown'} event`);
      continue;
    }
    if (!isImageManifestMediaType(mediaType) && !isIndexMediaType(mediaType)) {
      out.ignored.push(`push of ${mediaType ?? 'an unknown media type'}`);
      continue;
    }
    const tag = asString(target?.tag);
    if (!tag) {
      out.ignored.push(`untagged push of ${asString(target?.digest) ?? 'a manifest'}`);
      continue;
    }
    const push: PushEvent = {
      registry: registryOf(asString(target?.url), asString(asRecord(event?.request)?.host)),
      repository: asString(target?.repository) ?? '',
      tag,
      digest: asString(target?.digest),
    };
    const clean = cleanEvent(push);
    if (typeof clean === 'string') out.ignored.push(clean);
    else out.events.push(clean);
  }
  return out;
}

/** The registry names itself in the target URL (built from the pusher's Host header); the request host is the fallback. */
function registryOf(targetUrl: string | undefined, requestHost: string | undefined): string | undefined {
  if (targetUrl) {
    try {
      return new URL(targetUrl).host.toLowerCase();
    } catch {
      // fall through to the request host
    }
  }
  return requestHost?.toLowerCase();
}
