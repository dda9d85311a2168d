/**
 * Docker Hub repository webhooks: `{push_data: {tag}, repository: {repo_name: "user/app"}}`. Only the tag is sent;
 * the digest is resolved by us. Docker Hub cannot sign or add headers, so it authenticates with `?token=SECRET`.
 */
import { asRecord, asString, cleanEvent, type ParsedWebhook } from './push-event.js';

export function isDockerHubPayload(body: unknown): boolean {
  const b = asRecord(body);
  return asRecord(b?.push_data) !== undefined && asRecord(b?.repository) !== undefined;
}

export function parseDockerHub(body: unknown): ParsedWebhook {
  const out: ParsedWebhook = { sender: 'dockerhub', events: [], ignored: [] };
  const b = asRecord(body);
  const repo = asRecord(b?.repository);
  const repoName = asString(repo?.repo_name) ?? [asString(repo?.namespace), asString(repo?.name)].filter(Boolean).join('/');
  const clean = cleanEvent({
    registry: 'docker.io',
    // Official images are `library/NAME` on the registry API.
    repository: repoName.includes('/') ? repoName : `library/${repoName}`,
    tag: asString(asRecord(b?.push_data)?.tag) ?? 'latest',
  });
  if (typeof clean === 'string') out.ignored.push(clean);
  else out.events.push(clean);
  return out;
}
