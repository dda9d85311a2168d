/** openapi.yaml is written by hand; this holds it against the routes the app really registers. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createApp } from '../../../src/api/app.js';
import { createLogger } from '../../../src/logger.js';
import { repoRoot } from '../../support/paths.js';

const unused = () => {
  throw new Error('not used by this test');
};

describe('openapi.yaml', () => {
  const spec = parse(readFileSync(resolve(repoRoot, 'openapi.yaml'), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
  const app = createApp({
    queue: { enqueue: unused, get: unused },
    results: { getMeta: unused, getSbom: unused, getLayers: unused, put: unused },
    resolve: unused,
    ready: unused,
    apiKeys: [],
    logger: createLogger('silent'),
    openapi: '',
  });

  // `:name{regex}` (a parameter that may hold slashes, e.g. a repository name) is `{name}` in OpenAPI.
  it('describes exactly the routes the app serves', () => {
    const routes = new Set(
      app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path.replace(/:([A-Za-z]+)(\{[^}]*\})?/g, '{$1}')}`),
    );
    const documented = new Set(
      Object.entries(spec.paths).flatMap(([path, ops]) => Object.keys(ops).filter((m) => m !== 'parameters').map((m) => `${m.toUpperCase()} ${path}`)),
    );
    expect(documented).toEqual(routes);
  });

  it('documents a problem+json response for every 4xx/5xx', () => {
    for (const [path, ops] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(ops as Record<string, { responses: Record<string, unknown> }>)) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) >= 400) expect(JSON.stringify(response), `${method} ${path} ${status}`).toContain('#/components/responses/Problem');
        }
      }
    }
  });
});
