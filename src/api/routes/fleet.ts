/**
 * Fleet questions on the stored results: which analysed images hold a package (optionally in a vers range), and
 * what changed between two analysed digests. Both read the package index (src/fleet), never an SBOM.
 */
import { Hono, type Context } from 'hono';
import { diffImages } from '../../fleet/diff.js';
import { diffTable } from '../../fleet/diff-table.js';
import { PurlError, purlIdentity } from '../../fleet/package-facts.js';
import { DIGEST_PATTERN } from '../../registry/reference.js';
import { ANALYZER_VERSION } from '../../catalog/catalogers.js';
import { versionScheme } from '../../versions/index.js';
import { parseVers, VersError, type VersRange } from '../../versions/vers.js';
import type { ApiDeps } from '../deps.js';
import { problem } from '../problem.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

export function fleetRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const unavailable = (c: Context) => problem(c, 503, 'UNAVAILABLE', 'the package index is not configured in this deployment');

  app.get('/v1/packages', async (c) => {
    const index = deps.packages;
    if (!index) return unavailable(c);
    const purl = c.req.query('purl');
    if (!purl) return problem(c, 400, 'INVALID_PURL', 'give the package as ?purl=pkg:TYPE/NAMESPACE/NAME (for example pkg:deb/debian/openssl)');
    let identity: ReturnType<typeof purlIdentity>;
    let range: VersRange | undefined;
    try {
      identity = purlIdentity(purl);
      const vers = c.req.query('vers');
      if (vers) range = parseVers(vers);
      else if (identity.version !== undefined) {
        // A purl with a version asks for that version exactly.
        range = versionScheme(identity.type) ? parseVers(`vers:${identity.type}/${encodeURIComponent(identity.version)}`) : undefined;
      }
    } catch (e) {
      if (e instanceof PurlError) return problem(c, 400, 'INVALID_PURL', e.message);
      if (e instanceof VersError) return problem(c, 400, 'INVALID_VERS', e.message);
      throw e;
    }
    if (range && versionScheme(identity.type)?.name !== range.scheme.name) {
      return problem(c, 400, 'INVALID_VERS', `the vers scheme "${range.scheme.name}" does not order ${identity.type} versions`);
    }
    const cursor = c.req.query('cursor');
    if (cursor !== undefined && !DIGEST_PATTERN.test(cursor)) return problem(c, 400, 'INVALID_CURSOR', 'cursor is the `next` value of a previous page');
    const limitText = c.req.query('limit');
    const limit = limitText === undefined ? DEFAULT_LIMIT : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) return problem(c, 400, 'INVALID_LIMIT', `limit is an integer from 1 to ${MAX_LIMIT}`);
    const page = await index.query(identity.identity, range, { cursor, limit });
    return c.json({ purl: `pkg:${identity.identity.replace(/\/\//, '/')}`, ...(range ? { vers: range.text } : {}), analyzerVersion: ANALYZER_VERSION, ...page });
  });

  app.get('/v1/diff', async (c) => {
    const index = deps.packages;
    if (!index) return unavailable(c);
    const from = c.req.query('from') ?? '';
    const to = c.req.query('to') ?? '';
    for (const [name, d] of [['from', from], ['to', to]] as const) {
      if (!DIGEST_PATTERN.test(d)) return problem(c, 400, 'INVALID_DIGEST', `${name}=${JSON.stringify(d.slice(0, 100))} is not a sha256 digest`);
    }
    const [a, b, metaA, metaB] = await Promise.all([index.facts(from), index.facts(to), deps.results.getMeta(from), deps.results.getMeta(to)]);
    for (const [d, facts, meta] of [[from, a, metaA], [to, b, metaB]] as const) {
      if (!facts || !meta) return problem(c, 404, 'NOT_FOUND', `${d} has not been analysed by analyzer ${ANALYZER_VERSION}; POST /v1/analyses to analyse it first`);
    }
    const diff = diffImages({ facts: a!.facts, summary: metaA!.summary }, { facts: b!.facts, summary: metaB!.summary });
    if (c.req.query('format') === 'table') return c.text(diffTable(diff));
    const side = (d: string, m: NonNullable<typeof metaA>) => ({ digest: d, image: m.image, platform: m.platform });
    return c.json({ from: side(from, metaA!), to: side(to, metaB!), ...diff });
  });
  return app;
}
