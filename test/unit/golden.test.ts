/**
 * Golden SBOMs: the small OCI layouts of test/fixtures/oci (excerpts of real images, see make-fixtures.ts) analysed
 * by the whole pipeline, compared byte for byte with the committed CycloneDX 1.6 JSON and layer report under
 * test/fixtures/golden. The encoder is byte-stable (serial number from digest × analyzer version, timestamp from
 * the image config), so a diff here is a real change of output: look at it, then regenerate on purpose with
 *   UPDATE_GOLDENS=1 npx vitest run test/unit/golden.test.ts
 * Every golden, and every document format re-encoded from it, is also validated against its schema.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeImage, layerReportBody } from '../../src/analyze.js';
import { directoryStore, openLayoutImage } from '../../src/image/oci-layout-source.js';
import { decodeCycloneDx } from '../../src/sbom/decode-cyclonedx.js';
import { SBOM_FORMATS } from '../../src/sbom/formats/index.js';
import { validateFormat } from '../support/sbom-validate.js';

const fixtures = path.resolve(import.meta.dirname, '../fixtures');
const update = process.env.UPDATE_GOLDENS === '1';
const images = readdirSync(path.join(fixtures, 'oci')).sort();

function golden(file: string, actual: string): void {
  const at = path.join(fixtures, 'golden', file);
  if (update) writeFileSync(at, actual);
  const expected = readFileSync(at, 'utf8');
  // toBe on the whole text: a byte-for-byte comparison whose failure shows the diff.
  expect(actual, `${file} differs from its golden; if the change is intended, regenerate with UPDATE_GOLDENS=1`).toBe(expected);
}

describe('golden SBOMs and layer reports (test/fixtures)', () => {
  it('has the fixtures', () => expect(images).toEqual(['alpine-apk', 'debian-dpkg-python', 'node-app']));

  describe.each(images)('%s', (name) => {
    const result = (async () => {
      const source = await openLayoutImage(directoryStore(path.join(fixtures, 'oci', name)), {}, `layerlens.test/fixtures/${name}`);
      return analyzeImage(source);
    })();

    it('CycloneDX 1.6 JSON equals the golden byte for byte', async () => {
      const r = await result;
      expect(r.packages.length).toBeGreaterThan(0);
      golden(`${name}.cdx.json`, r.sbom);
    });

    it('the layer report equals the golden byte for byte', async () => {
      golden(`${name}.layers.json`, `${layerReportBody(await result)}\n`);
    });

    it('the golden and every document format made from it pass their schemas', async () => {
      const stored = readFileSync(path.join(fixtures, 'golden', `${name}.cdx.json`), 'utf8');
      const input = decodeCycloneDx(stored);
      for (const format of SBOM_FORMATS.values()) {
        if (!format.document) continue;
        const body = format.id === 'cyclonedx-json@1.6' ? stored : format.encode(input);
        expect(await validateFormat(format.id, body), format.id).toBeUndefined();
      }
    });
  });
});
