/**
 * POST /v1/webhooks/registry: registry push events in → analyses enqueued. Not behind the API keys (senders cannot
 * send them) but behind LAYERLENS_WEBHOOK_SECRET, and refused outright while no secret is configured: an open
 * endpoint would let anyone make the service pull from any registry it can reach. Each push goes through the same
 * requestAnalysis() as POST /v1/analyses (same job-id dedup, same result cache); a repeat of a (repository, digest)
 * event within the dedup window — a registry retrying, a push storm — is answered without touching the registry.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { isLayerlensError } from '../../errors.js';
import { mapLimit } from '../../util/map-limit.js';
import type { ApiDeps, WebhookDeps } from '../deps.js';
import { problem } from '../problem.js';
import { requestAllPlatforms } from '../../jobs/request-analysis.js';
import { authenticateWebhook } from '../webhooks/authenticate.js';
import { parseWebhook } from '../webhooks/detect.js';
import type { PushEvent } from '../webhooks/push-event.js';
import { mapRegistryHost } from '../webhooks/registry-hosts.js';

export const WEBHOOK_PATH = '/v1/webhooks/registry';
const DEFAULT_MAX_BYTES = 1024 * 1024;
/** Pushes resolved at once for one request: enough for an envelope, gentle on the registry. */
const CONCURRENCY = 4;

interface EventOutcome {
  analyses?: { id: string; image: string; digest: string; platform: string; status: string }[];
  duplicate?: boolean;
  error?: { image: string; code: string; detail: string };
}

export function webhookRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const maxSize = deps.webhook?.maxBodyBytes ?? DEFAULT_MAX_BYTES;
  app.post(
    WEBHOOK_PATH,
    bodyLimit({ maxSize, onError: (c) => problem(c, 413, 'BODY_TOO_LARGE', `the webhook body is larger than ${maxSize} bytes`) }),
    async (c) => {
      const hook = deps.webhook;
      if (!hook?.secret) {
        return problem(c, 503, 'WEBHOOK_NOT_CONFIGURED', 'the registry webhook is off: set LAYERLENS_WEBHOOK_SECRET and send it as Authorization: Bearer SECRET, an X-Hub-Signature-256 signature or ?token=SECRET');
      }
      const raw = new Uint8Array(await c.req.arrayBuffer());
      const auth = authenticateWebhook(hook.secret, raw, {
        signature: c.req.header('x-hub-signature-256'),
        authorization: c.req.header('authorization'),
        token: c.req.query('token'),
      });
      if (!auth.ok) {
        c.header('www-authenticate', 'Bearer realm="layerlens-webhook"');
        return problem(c, 401, 'UNAUTHORIZED', auth.reason);
      }
      const type = c.req.header('content-type') ?? '';
      // distribution sends application/vnd.docker.distribution.events.v1+json (v2+json since v3); others plain JSON.
      if (!/^application\/(.+\+)?json\b/i.test(type)) return problem(c, 415, 'UNSUPPORTED_MEDIA_TYPE', `send the body as JSON (got ${type || 'no content type'})`);
      let body: unknown;
      try {
        body = JSON.parse(new TextDecoder().decode(raw));
      } catch {
        return problem(c, 400, 'INVALID_BODY', 'the body is not valid JSON');
      }
      const parsed = parseWebhook({ get: (name) => c.req.header(name) }, body);
      if (!parsed) return problem(c, 400, 'UNKNOWN_SENDER', 'not a push event of a known sender (CNCF distribution, Harbor, GitHub, Docker Hub, Quay)');
      const outcomes = await mapLimit(parsed.events, CONCURRENCY, (event) => handlePush(deps, hook, event, c.req.raw.signal));
      const analyses = outcomes.flatMap((o) => o.analyses ?? []);
      const errors = outcomes.flatMap((o) => (o.error ? [o.error] : []));
      deps.logger.info({ sender: parsed.sender, via: auth.via, events: parsed.events.length, ignored: parsed.ignored.length, errors: errors.length }, 'registry webhook');
      return c.json(
        {
          sender: parsed.sender,
          accepted: parsed.events.length - errors.length,
          ignored: parsed.ignored.length,
          duplicates: outcomes.filter((o) => o.duplicate).length,
          analyses,
          errors,
          ignoredReasons: parsed.ignored.slice(0, 20),
        },
        202,
      );
    },
  );
  return app;
}

async function handlePush(deps: ApiDeps, hook: WebhookDeps, event: PushEvent, signal: AbortSignal): Promise<EventOutcome> {
  const registry = mapRegistryHost(event.registry, hook.registryHosts);
  const name = `${registry ?? '?'}/${event.repository}${event.tag ? `:${event.tag}` : ''}${event.digest ? `@${event.digest}` : ''}`;
  if (!registry) return { error: { image: name, code: 'REGISTRY_UNKNOWN', detail: 'the event names no registry host: set LAYERLENS_WEBHOOK_REGISTRY_HOST' } };
  // Tag-only events (Docker Hub, Quay) are not deduplicated here: the same tag may legitimately move twice in a row.
  const seenKey = event.digest ? `${registry}/${event.repository}@${event.digest}` : undefined;
  if (seenKey && !(await hook.firstSeen(seenKey))) return { duplicate: true };
  try {
    // A pushed index stands for all its platforms: each gets its own analysis (as `platform: "all"` does).
    const answers = await requestAllPlatforms(deps, { image: name }, signal);
    return { analyses: answers.map((a) => ({ id: a.id, image: a.image, digest: a.digest, platform: a.platform, status: a.status })) };
  } catch (e) {
    // Forget the event so the sender's retry (distribution retries until it gets a 2xx) is not taken for a repeat.
    if (seenKey) await hook.forget(seenKey).catch(() => undefined);
    if (!isLayerlensError(e)) throw e;
    return { error: { image: name, code: e.code, detail: e.describe() } };
  }
}
