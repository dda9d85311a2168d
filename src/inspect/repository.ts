/** A repository name as users write it (`alpine`, `ghcr.io/org/app`, `127.0.0.1:5000/team/app`): no tag, no digest. */
import { LayerlensError } from '../errors.js';
import { parseReference, type ImageReference } from '../registry/reference.js';

export function parseRepository(text: string): ImageReference {
  const trimmed = text.trim();
  const lastPart = trimmed.slice(trimmed.lastIndexOf('/') + 1);
  // A colon after the last slash is a tag (a port is always followed by a path); `@` starts a digest.
  if (trimmed.includes('@') || (trimmed.includes('/') && lastPart.includes(':')) || (!trimmed.includes('/') && trimmed.includes(':'))) {
    throw new LayerlensError('INVALID_REFERENCE', `${JSON.stringify(trimmed.slice(0, 200))} is an image reference; name the repository without a tag or digest`, {
      retryable: false,
    });
  }
  const { registry, repository } = parseReference(trimmed);
  return { registry, repository };
}
