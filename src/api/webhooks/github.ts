/**
 * GitHub `registry_package` (and the newer `package`) events for container packages on ghcr.io, actions `published`
 * and `updated`. The image is `package_version.package_url` (`ghcr.io/OWNER/NAME:TAG`) when present, else
 * ghcr.io/<owner login>/<package name>; `container_metadata.tag` gives the tag name and the pushed digest.
 * Authenticity is the HMAC in X-Hub-Signature-256, checked over the raw body before this parser runs.
 */
import { asRecord, asString, cleanEvent, hostOfResourceUrl, type ParsedWebhook } from './push-event.js';

const ACTIONS = new Set(['published', 'updated']);

export function parseGithub(eventName: string, body: unknown): ParsedWebhook {
  const out: ParsedWebhook = { sender: 'github', events: [], ignored: [] };
  const b = asRecord(body);
  const pkg = asRecord(b?.registry_package) ?? asRecord(b?.package);
  const action = asString(b?.action) ?? 'unknown';
  if ((eventName !== 'registry_package' && eventName !== 'package') || !pkg) {
    out.ignored.push(`${eventName} event`);
    return out;
  }
  if (!ACTIONS.has(action)) {
    out.ignored.push(`${eventName} ${action}`);
    return out;
  }
  const type = (asString(pkg.package_type) ?? asString(pkg.ecosystem) ?? '').toLowerCase();
  if (type !== 'container' && type !== 'docker') {
    out.ignored.push(`${type || 'unknown'} package`);
    return out;
  }
  const version = asRecord(pkg.package_version);
  const tag = asRecord(asRecord(version?.container_metadata)?.tag);
  const packageUrl = asString(version?.package_url);
  const fromUrl = packageUrl ? /^(?:[a-z]+:\/\/)?[^/]+\/(.+?)(?::[A-Za-z0-9_][A-Za-z0-9._-]*)?(?:@sha256:[a-f0-9]{64})?$/.exec(packageUrl)?.[1] : undefined;
  const owner = asString(asRecord(pkg.owner)?.login) ?? asString(pkg.namespace);
  const name = asString(pkg.name);
  const digest = asString(tag?.digest) ?? (asString(version?.version)?.startsWith('sha256:') ? asString(version?.version) : undefined);
  const clean = cleanEvent({
    registry: hostOfResourceUrl(packageUrl) ?? 'ghcr.io',
    // ghcr.io names are lower case whatever case the owner's login has.
    repository: (fromUrl ?? (owner && name ? `${owner}/${name}` : '')).toLowerCase(),
    // An untagged version (a platform child of a multi-arch push) has an empty tag name.
    tag: asString(tag?.name),
    digest,
  });
  if (typeof clean === 'string') out.ignored.push(clean);
  else if (!clean.tag) out.ignored.push(`untagged version ${clean.digest}`);
  else out.events.push(clean);
  return out;
}
