/**
 * README "Add a cataloger", proved: a cataloger from one folder (test/fixtures/throwaway-cataloger) registered by one
 * line — here the catalogers list passed to the pipeline, in the product the CATALOGERS array — is captured by the
 * layer walker, parsed, attributed to its layer, linked, encoded into a schema-valid CycloneDX document beside the
 * bundled ecosystems, and passes the conformance suite. Nothing outside its folder was touched.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeImage } from '../../../src/analyze.js';
import { ANALYZER_VERSION, captureMatcher, catalogerSetVersion, CATALOGERS } from '../../../src/catalog/catalogers.js';
import { directoryStore, openLayoutImage } from '../../../src/image/oci-layout-source.js';
import { validateCycloneDx } from '../../../src/sbom/cyclonedx.js';
import { composeAnalyzerVersion } from '../../../src/version.js';
import { condaCataloger } from '../../fixtures/throwaway-cataloger/cataloger.js';
import { catalogerConformance, layersImage } from '../../support/cataloger-conformance.js';
import { buildImage, tarLayer, writeOciLayout } from '../../support/image-builder.js';

const WITH_CONDA = [...CATALOGERS, condaCataloger];
const meta = (name: string, version: string, depends: string[] = [], license = 'BSD-3-Clause') => JSON.stringify({ name, version, build: 'h0', license, depends });

const dir = mkdtempSync(path.join(tmpdir(), 'layerlens-conda-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('adding a cataloger from one folder', () => {
  it('is captured, parsed, attributed, linked and encoded by the unchanged pipeline, beside the bundled catalogers', async () => {
    expect(captureMatcher(CATALOGERS)('opt/conda/conda-meta/zlib-1.3-h0.json')).toBe(false);
    expect(captureMatcher(WITH_CONDA)('opt/conda/conda-meta/zlib-1.3-h0.json')).toBe(true);
    const base = await tarLayer([
      { path: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.20.3\n' },
      { path: 'lib/apk/db/installed', content: 'P:musl\nV:1.2.5-r0\nA:x86_64\nL:MIT\n\n' },
      { path: 'opt/conda/conda-meta/zlib-1.3-h0.json', content: meta('zlib', '1.3', [], 'Zlib') },
    ]);
    const app = await tarLayer([{ path: 'opt/conda/conda-meta/python-3.12.1-h0.json', content: meta('python', '3.12.1', ['zlib >=1.2', 'openssl >=3']) }]);
    await writeOciLayout(dir, await buildImage([{ bytes: base }, { bytes: app }]));
    const result = await analyzeImage(await openLayoutImage(directoryStore(dir), {}, 'conda-demo'), { catalogers: WITH_CONDA });
    const conda = result.packages.filter((p) => p.type === 'conda');
    expect(conda.map((p) => [p.name, p.version, p.layer?.index, p.dependsOn]).sort()).toEqual([
      ['python', '3.12.1', 1, ['pkg:conda/zlib@1.3']],
      ['zlib', '1.3', 0, []],
    ]);
    expect(result.counts).toEqual({ apk: 1, conda: 2 });
    expect(result.sbom).toContain('"purl": "pkg:conda/python@3.12.1"');
    expect(await validateCycloneDx(result.sbom)).toBeUndefined();
  });

  it('makes a new analyzer version, so no cached result of the old set is served', () => {
    expect(composeAnalyzerVersion(catalogerSetVersion(CATALOGERS))).toBe(ANALYZER_VERSION);
    expect(composeAnalyzerVersion(catalogerSetVersion(WITH_CONDA))).not.toBe(ANALYZER_VERSION);
  });

  describe('conformance', () =>
    catalogerConformance(condaCataloger, async () =>
      layersImage([
        { files: { 'opt/conda/conda-meta/zlib-1.3-h0.json': meta('zlib', '1.3') } },
        { files: { 'opt/conda/conda-meta/xz-5.4-h0.json': meta('xz', '5.4', ['zlib']) } },
      ]),
    ));
});
