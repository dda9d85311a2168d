/** Which sender wrote a webhook request: GitHub by its event header, the others by the shape of the body. */
import { isDistributionEnvelope, parseDistribution } from './distribution.js';
import { isDockerHubPayload, parseDockerHub } from './dockerhub.js';
import { parseGithub } from './github.js';
import { isHarborPayload, parseHarbor } from './harbor.js';
import type { ParsedWebhook } from './push-event.js';
import { isQuayPayload, parseQuay } from './quay.js';

/** undefined when no known sender writes bodies like this one. */
export function parseWebhook(headers: { get(name: string): string | undefined }, body: unknown): ParsedWebhook | undefined {
  const githubEvent = headers.get('x-github-event');
  if (githubEvent) return parseGithub(githubEvent, body);
  if (isDistributionEnvelope(body)) return parseDistribution(body);
  if (isHarborPayload(body)) return parseHarbor(body);
  if (isDockerHubPayload(body)) return parseDockerHub(body);
  if (isQuayPayload(body)) return parseQuay(body);
  return undefined;
}
