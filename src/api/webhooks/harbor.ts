/**
 * Harbor's PUSH_ARTIFACT, in both payload formats: Default (`{type: "PUSH_ARTIFACT", event_data: {resources,
 * repository}}`) and CloudEvents (`{specversion, type: "harbor.artifact.pushed", data: {resources, repository}}`).
 * Each resource carries the digest, usually the tag, and `resource_url` (`harbor.example.com/library/nginx:1.27`),
 * the only place the registry host appears.
 */
import { asRecord, asString, cleanEvent, hostOfResourceUrl, type ParsedWebhook } from './push-event.js';

const PUSH_TYPES = new Set(['PUSH_ARTIFACT', 'harbor.artifact.pushed']);

export function isHarborPayload(body: unknown): boolean {
  const b = asRecord(body);
  const type = asString(b?.type) ?? '';
  return (b?.event_data !== undefined && /^[A-Z_]+$/.test(type)) || (b?.specversion !== undefined && type.startsWith('harbor.'));
}

export function parseHarbor(body: unknown): ParsedWebhook {
  const out: ParsedWebhook = { sender: 'harbor', events: [], ignored: [] };
  const b = asRecord(body);
  const type = asString(b?.type) ?? 'unknown';
  const data = asRecord(b?.event_data) ?? asRecord(b?.data);
  const resources = Array.isArray(data?.resources) ? (data.resources as unknown[]) : [];
  if (!PUSH_TYPES.has(type)) {
    // One entry per resource, pushed one at a time: a spread of 300 000 resources into push() overflows the stack.
    if (resources.length === 0) out.ignored.push(`${type} event`);
    for (let i = 0; i < resources.length; i++) out.ignored.push(`${type} event`);
    return out;
  }
  const repoFullName = asString(asRecord(data?.repository)?.repo_full_name);
  for (const raw of resources) {
    const r = asRecord(raw);
    const resourceUrl = asString(r?.resource_url);
    const clean = cleanEvent({
      registry: hostOfResourceUrl(resourceUrl),
      repository: repoFullName ?? repositoryOfResourceUrl(resourceUrl) ?? '',
      tag: asString(r?.tag),
      digest: asString(r?.digest),
    });
    if (typeof clean === 'string') out.ignored.push(clean);
    else out.events.push(clean);
  }
  return out;
}

/** `harbor.example.com/library/nginx:1.27` → `library/nginx` (used only when repo_full_name is missing). */
function repositoryOfResourceUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const path = url.replace(/^[a-z]+:\/\//i, '').split('/').slice(1).join('/');
  return path.replace(/@sha256:[a-f0-9]+$/, '').replace(/:[^/]*$/, '') || undefined;
}
