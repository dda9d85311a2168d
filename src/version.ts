/**
 * Versions that key every cache entry and job id. A new release or a changed cataloger makes a new analyzer
 * version, so old results are simply not found (no migration): Clair's `State()` idea.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { catalogerSetVersion } from './catalog/catalogers.js';

function readPackageVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const doc = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (doc.name === 'layerlens' && doc.version) return doc.version;
    } catch {
      // try the next location: sources run from src/ and the bundle from dist/, the build from dist/src/
    }
  }
  return '0.0.0';
}

export const TOOL_VERSION = readPackageVersion();

/**
 * Bump when the LayerSummary format or the layer walker's output changes. 3: the file table's paths are a PathList
 * (summary codec format 2).
 */
export const LAYER_SUMMARY_VERSION = '3';
/** Bump when the SBOM or layer report built from the same packages changes. */
export const OUTPUT_VERSION = '1';

export const ANALYZER_VERSION = createHash('sha256')
  .update(`${TOOL_VERSION}|${catalogerSetVersion()}|summary${LAYER_SUMMARY_VERSION}|output${OUTPUT_VERSION}`)
  .digest('hex')
  .slice(0, 12);
