/** X-Request-Id: the caller's when it is a plain token, else a new UUID. Shared by the Hono app and the fast path. */
import { randomUUID } from 'node:crypto';

/** What hono/request-id accepts from a caller: word characters, '-' and '=', at most 255 of them. */
const CALLER_REQUEST_ID = /^[\w\-=]{1,255}$/;

export function requestIdFor(given: string | undefined): string {
  return given !== undefined && CALLER_REQUEST_ID.test(given) ? given : randomUUID();
}
