/** Schema validation of every SBOM encoding, for tests: CycloneDX through the library's validators, SPDX with ajv. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { validateCycloneDx, validateCycloneDxXml } from '../../src/sbom/cyclonedx.js';
import type { SbomFormatId } from '../../src/sbom/formats/index.js';
import { repoRoot } from './paths.js';

export const spdxSchemaPath = resolve(repoRoot, '../shared/specs/spdx-2.3/spdx-schema.json');
export const hasSpdxSchema = existsSync(spdxSchemaPath);
export const spdxSkipMessage = `${spdxSchemaPath} not found: SPDX schema validation is skipped`;
if (!hasSpdxSchema) console.warn(spdxSkipMessage);

let spdx: ValidateFunction | undefined;

/** Errors of an SPDX 2.3 JSON document against the official schema, or undefined when valid. */
export function validateSpdx(json: string): unknown {
  if (!spdx) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats.default(ajv);
    spdx = ajv.compile(JSON.parse(readFileSync(spdxSchemaPath, 'utf8')));
  }
  return spdx(JSON.parse(json)) ? undefined : spdx.errors;
}

/** Schema errors of one encoding (undefined when valid); table and purls have no schema. */
export async function validateFormat(id: SbomFormatId, body: string): Promise<unknown> {
  switch (id) {
    case 'cyclonedx-json@1.6':
      return validateCycloneDx(body, '1.6');
    case 'cyclonedx-json@1.5':
      return validateCycloneDx(body, '1.5');
    case 'cyclonedx-xml@1.6':
      return validateCycloneDxXml(body, '1.6');
    case 'cyclonedx-xml@1.5':
      return validateCycloneDxXml(body, '1.5');
    case 'spdx-json@2.3':
      return hasSpdxSchema ? validateSpdx(body) : undefined;
    default:
      return undefined;
  }
}
