/** The API app over a stub result store holding one digest's SBOM and layer report, behind a real body cache. */
import { createApp } from '../../src/api/app.js';
import { ResultBodyCache } from '../../src/cache/result-body-cache.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { resultPartContentType } from '../../src/sbom/formats/represent.js';
import { ANALYZER_VERSION } from '../../src/catalog/catalogers.js';

const unused = () => {
  throw new Error('not used by this test');
};

export interface ResultsAppOptions {
  digest: string;
  sbom: string;
  layers: string;
  apiKeys?: string[];
  logger?: Logger;
}

export function resultsApp(options: ResultsAppOptions) {
  /** Every store read, as `sbom DIGEST` / `layers DIGEST`. */
  const reads: string[] = [];
  const bodies = new ResultBodyCache({
    maxBytes: 1 << 20,
    analyzerVersion: ANALYZER_VERSION,
    contentType: resultPartContentType,
  });
  const app = createApp({
    queue: { enqueue: unused, get: unused },
    results: {
      getMeta: unused,
      put: unused,
      getSbom: async (d: string) => (reads.push(`sbom ${d}`), d === options.digest ? options.sbom : undefined),
      getLayers: async (d: string) => (reads.push(`layers ${d}`), d === options.digest ? options.layers : undefined),
    },
    resultBodies: bodies,
    resolve: unused,
    ready: async () => true,
    apiKeys: options.apiKeys ?? [],
    logger: options.logger ?? createLogger('silent'),
    openapi: '',
  });
  return { app, reads, bodies };
}
